"""Experiments: the runs kept across restarts, sweeps, the scikit-learn check, the lab's questions,
files and exports.
"""
