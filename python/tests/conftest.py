"""Shared fixtures: unique segment names, removed after each test even when it fails."""

import os

import pytest
from shm_helpers import PREFIX, unique_name

from zeroipc import Memory


@pytest.fixture
def new_name():
    """A factory of unique segment names; every segment so named is unlinked afterwards."""
    names = []

    def make() -> str:
        names.append(unique_name())
        return names[-1]

    yield make
    for name in names:
        Memory.unlink(name)


@pytest.fixture
def shm_name(new_name):
    """One unique segment name, unlinked afterwards."""
    return new_name()


@pytest.fixture
def mem(shm_name):
    """A fresh 1 MiB segment with the default table of 64 entries."""
    with Memory(shm_name, 1 << 20) as memory:
        yield memory


@pytest.fixture(scope="session", autouse=True)
def nothing_left_in_dev_shm():
    """Fail the run if any test left a segment behind."""
    yield
    left = sorted(entry for entry in os.listdir("/dev/shm") if entry.startswith(PREFIX))
    assert not left, f"segments left behind: {left}"
