"""Files: model files (never unpickled), atomic writes, the standalone NumPy export."""
