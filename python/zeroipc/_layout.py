"""Argument checks and naming rules, applied before anything reaches the native module.

The byte layout of format v2 is the Rust crate's (``zeroipc::layout``); this module keeps
only what the Python side checks itself: names, dtypes, capacities, and the size of a
table (so that a segment too small for its table is refused before any system call).
"""

import struct
import sys

import numpy as np

from .errors import InvalidName

if sys.byteorder != "little":  # pragma: no cover - checked once, on import
    raise ImportError("zeroipc supports little-endian hosts only: the format is little-endian")

DEFAULT_MAX_ENTRIES = 64

U32_MAX = 0xFFFF_FFFF
U64_MAX = 0xFFFF_FFFF_FFFF_FFFF

TABLE_HEADER_SIZE = 32
TABLE_ENTRY_SIZE = 48
MAX_ENTRY_NAME = 31
MAX_SEGMENT_NAME = 255  # NAME_MAX: the object's name after its leading "/"

# Array: u64 capacity, then the elements.
ARRAY_HEADER = struct.Struct("<Q")


def table_size(max_entries: int) -> int:
    """Bytes taken by a table of ``max_entries`` slots; also the first structure's offset."""
    return TABLE_HEADER_SIZE + TABLE_ENTRY_SIZE * max_entries


def next_power_of_two(n: int) -> int:
    """The smallest power of two that is at least ``n`` (``n`` >= 1)."""
    return 1 << (n - 1).bit_length()


def shm_path(name: object) -> str:
    """Check a segment name and return its file under ``/dev/shm``.

    A name is one leading ``/`` followed by 1 to 255 bytes of UTF-8 with no
    ``/`` and no NUL, and is neither ``/.`` nor ``/..``.
    """
    if not isinstance(name, str):
        raise InvalidName(name, "a segment name is a str")
    if not name.startswith("/"):
        raise InvalidName(name, "a segment name starts with '/'")
    rest = name[1:]
    if not rest:
        raise InvalidName(name, "a segment name has at least one character after '/'")
    if "/" in rest:
        raise InvalidName(name, "a segment name has no '/' after the first character")
    if rest in (".", ".."):
        raise InvalidName(name, "'/.' and '/..' are not segment names")
    if "\0" in rest:
        raise InvalidName(name, "a segment name has no NUL character")
    try:
        encoded = rest.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidName(name, "a segment name is valid UTF-8") from None
    if len(encoded) > MAX_SEGMENT_NAME:
        raise InvalidName(name, f"a segment name has at most {MAX_SEGMENT_NAME} bytes after '/'")
    return "/dev/shm/" + rest


def entry_name(name: object) -> bytes:
    """Check an entry name and return its UTF-8 bytes (1 to 31 bytes, no NUL)."""
    if not isinstance(name, str):
        raise InvalidName(name, "an entry name is a str")
    try:
        encoded = name.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidName(name, "an entry name is valid UTF-8") from None
    if not encoded:
        raise InvalidName(name, "an entry name is not empty")
    if len(encoded) > MAX_ENTRY_NAME:
        raise InvalidName(
            name, f"an entry name has at most {MAX_ENTRY_NAME} bytes, this one has {len(encoded)}"
        )
    if b"\0" in encoded:
        raise InvalidName(name, "an entry name has no NUL character")
    return encoded


def element_dtype(dtype: object) -> np.dtype:
    """Check that ``dtype`` describes plain old data the format can hold."""
    if dtype is None:
        raise TypeError("dtype is required")
    dt = np.dtype(dtype)
    if dt.hasobject:
        raise TypeError(f"dtype {dt} holds Python objects; shared memory holds plain data only")
    if dt.subdtype is not None:
        raise TypeError(f"dtype {dt} is a sub-array; wrap it in a structured dtype")
    if dt.itemsize == 0:
        raise TypeError(f"dtype {dt} has no size")
    if dt.alignment > 8:
        raise TypeError(f"dtype {dt} needs {dt.alignment}-byte alignment; the format allows 8 at most")
    return dt


def capacity_arg(capacity: object, limit: int) -> int:
    """Check a capacity passed to a constructor: an integer from 1 to ``limit``."""
    if isinstance(capacity, bool) or not isinstance(capacity, (int, np.integer)):
        raise TypeError(f"capacity must be an integer, not {type(capacity).__name__}")
    capacity = int(capacity)
    if not 1 <= capacity <= limit:
        raise ValueError(f"capacity must be between 1 and {limit}, not {capacity}")
    return capacity
