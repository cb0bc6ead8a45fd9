"""Shared fixtures. The data split is built once per session (it is read-only)."""

import pytest

from engine import load_lab_split


@pytest.fixture(scope="session")
def digits():
    return load_lab_split()
