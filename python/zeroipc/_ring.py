"""What the queue and the stack share: geometry checks and element conversion.

Both are a 16-byte header holding ``capacity`` and ``elem_size`` (at 8 and 12
in a queue, at 4 and 8 in a stack), the elements at 16, and one u32 per slot
after them.
"""

import struct

import numpy as np

from . import _layout as layout
from ._table import TableEntry
from .errors import Corrupt, ElementSizeMismatch


def checked_geometry(buffer, entry: TableEntry, itemsize: int, geometry: struct.Struct) -> int:
    """The capacity of the queue or stack at ``entry``, checked against its size and element size.

    ``geometry`` reads ``(capacity, elem_size)`` from the structure's header.
    """
    if entry.size < layout.RING_HEADER_SIZE:
        raise Corrupt(f"size {entry.size} is too small for a 16-byte header", entry.name)
    capacity, elem_size = geometry.unpack_from(buffer, entry.offset)
    if elem_size != itemsize:
        raise ElementSizeMismatch(entry.name, itemsize, elem_size)
    expected = layout.ring_size(capacity, elem_size)
    if expected != entry.size:
        raise Corrupt(
            f"capacity {capacity} of {elem_size}-byte elements needs {expected} bytes, "
            f"but the entry has {entry.size}",
            entry.name,
        )
    return capacity


def to_element(value, dtype: np.dtype) -> np.ndarray:
    """``value`` converted to one element of ``dtype``, before any slot is claimed.

    Converting first means a value that does not fit fails here, and never
    leaves a claimed slot unwritten.
    """
    item = np.asarray(value, dtype=dtype)
    if item.shape != ():
        raise ValueError(f"an element of dtype {dtype} is one value, not an array of shape {item.shape}")
    return item
