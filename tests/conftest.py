"""Shared fixtures. The data split is built once per session (it is read-only)."""

import os

# As main.py does for the app: one BLAS thread (small matrices; threads only add contention).
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import pytest  # noqa: E402

from engine import load_lab_split  # noqa: E402


@pytest.fixture(scope="session")
def digits():
    return load_lab_split()
