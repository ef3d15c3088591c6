"""Fixtures of the cross-language tests: the Rust program, segment names, child processes.

Every segment name a test takes is unlinked when the test ends, passed or failed; every
process a test starts is killed (that process only) if it is still running then; and the
session fails if anything with this run's prefix is left in /dev/shm.
"""

import os

import pytest
from xlang_support import PREFIX, Process, interop_binary, unique_name

from zeroipc import Memory


@pytest.fixture(scope="session")
def interop():
    """The path of the Rust ``interop`` example, as a string."""
    return str(interop_binary())


@pytest.fixture
def segment():
    """A factory of unique segment names; each is unlinked after the test, also on failure."""
    names = []

    def make() -> str:
        names.append(unique_name())
        return names[-1]

    yield make
    for name in names:
        Memory.unlink(name)


@pytest.fixture
def processes(tmp_path):
    """Starts child processes with a deadline each; kills the ones still running at the end.

    ``processes(argv, deadline=60, label=None)`` returns a started :class:`Process`; its
    stdout and stderr go to files under the test's temporary directory.
    """
    started = []

    def start(argv, deadline: float = 60.0, label=None) -> Process:
        label = label or f"p{len(started)}_{os.path.basename(str(argv[0]))}"
        process = Process(argv, deadline, tmp_path, label)
        started.append(process)
        return process

    yield start
    for process in started:
        process.kill()


@pytest.fixture(scope="session", autouse=True)
def nothing_left_in_dev_shm():
    """Fail the run if a test left one of its segments behind."""
    yield
    left = sorted(entry for entry in os.listdir("/dev/shm") if entry.startswith(PREFIX))
    assert not left, f"segments left behind: {left}"
