"""The byte arithmetic of format version 2, and the naming rules.

Every size, offset and field layout the package uses is defined here, once.
All integers are little-endian. Offsets inside a structure are relative to
the structure's own start.
"""

import struct
import sys

import numpy as np

from .errors import InvalidName

if sys.byteorder != "little":  # pragma: no cover - checked once, on import
    raise ImportError("zeroipc supports little-endian hosts only: the format is little-endian")

MAGIC = 0x5A49504D
VERSION = 2
DEFAULT_MAX_ENTRIES = 64

U32_MAX = 0xFFFF_FFFF
U64_MAX = 0xFFFF_FFFF_FFFF_FFFF
I32_MAX = 0x7FFF_FFFF

# Table header, 32 bytes at offset 0:
# magic u32, version u32, entry_count u32, max_entries u32, memory_size u64, next_offset u64.
TABLE_HEADER = struct.Struct("<IIIIQQ")
MAGIC_AT = 0x00
ENTRY_COUNT_AT = 0x08
NEXT_OFFSET_AT = 0x18

# Table entry, 48 bytes each from offset 32: name [u8; 32], offset u64, size u64.
TABLE_ENTRY = struct.Struct("<32sQQ")
NAME_FIELD = 32
MAX_ENTRY_NAME = NAME_FIELD - 1
MAX_SEGMENT_NAME = 255  # NAME_MAX: the object's name after its leading "/"

# Array: u64 capacity, then the elements.
ARRAY_HEADER = struct.Struct("<Q")

# Queue and stack share a geometry: a 16-byte header, the elements, then one
# u32 per slot (sequence numbers or slot states) at an 8-aligned offset. Their
# headers differ in where capacity and elem_size sit; *_GEOMETRY read just those two.
RING_HEADER_SIZE = 16
QUEUE_HEADER = struct.Struct("<IIII")  # head, tail, capacity, elem_size
QUEUE_GEOMETRY = struct.Struct("<8xII")
STACK_HEADER = struct.Struct("<iIII")  # top, capacity, elem_size, reserved
STACK_GEOMETRY = struct.Struct("<4xII")
SLOT_WORD = 4

# Semaphore, Latch and Barrier: four i32 fields.
SYNC_FIELDS = struct.Struct("<iiii")
SYNC_SIZE = SYNC_FIELDS.size

assert TABLE_HEADER.size == 32 and TABLE_ENTRY.size == 48 and SYNC_SIZE == 16


def align8(n: int) -> int:
    """Round ``n`` up to a multiple of 8."""
    return (n + 7) & ~7


def table_size(max_entries: int) -> int:
    """Bytes taken by a table of ``max_entries`` slots; also the first structure's offset."""
    return TABLE_HEADER.size + TABLE_ENTRY.size * max_entries


def entry_at(index: int) -> int:
    """Offset of table entry ``index`` from the segment start."""
    return TABLE_HEADER.size + TABLE_ENTRY.size * index


def array_size(capacity: int, itemsize: int) -> int:
    """Size of an array of ``capacity`` elements of ``itemsize`` bytes."""
    return ARRAY_HEADER.size + capacity * itemsize


def slot_words_at(capacity: int, elem_size: int) -> int:
    """Offset of a queue's sequence numbers, or a stack's slot states."""
    return RING_HEADER_SIZE + align8(capacity * elem_size)


def ring_size(capacity: int, elem_size: int) -> int:
    """Size of a queue or stack of ``capacity`` elements of ``elem_size`` bytes."""
    return slot_words_at(capacity, elem_size) + SLOT_WORD * capacity


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


def signed32(n: int) -> int:
    """``n`` modulo 2**32, read as a signed 32-bit number (for comparing wrapping counters)."""
    n &= U32_MAX
    return n - (1 << 32) if n > I32_MAX else n
