"""Experiments on trained models: stored runs, sweeps, the scikit-learn check, the lab's questions,
error analysis.
"""
