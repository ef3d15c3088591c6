"""Helpers the tests share: unique segment names and raw segment files."""

import itertools
import os
from pathlib import Path

PREFIX = f"zeroipc_py_{os.getpid()}_"
# The golden images are part of the repository, at its root: tests/vectors.
VECTORS = Path(__file__).resolve().parents[2] / "tests" / "vectors"

_counter = itertools.count()


def unique_name() -> str:
    """A segment name no other test, and no other test run, uses."""
    return f"/{PREFIX}{next(_counter)}"


def write_raw_segment(name: str, data: bytes) -> None:
    """Create segment ``name`` holding exactly ``data``, as a careless or hostile writer could."""
    fd = os.open("/dev/shm/" + name[1:], os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def read_raw_segment(name: str) -> bytes:
    """The whole content of segment ``name``."""
    with open("/dev/shm/" + name[1:], "rb") as file:
        return file.read()
