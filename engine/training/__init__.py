"""Training: a run's configuration, the loop that yields progress records, and the history that
collects them.
"""
