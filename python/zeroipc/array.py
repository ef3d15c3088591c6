"""A fixed-size array of plain-data elements, viewed in place through numpy."""

from typing import Iterator, Optional

import numpy as np

from . import _layout as layout
from ._table import TableEntry
from .errors import Corrupt, ElementSizeMismatch
from .memory import Memory


class Array:
    """A named array: ``u64 capacity``, then ``capacity`` elements of ``dtype``.

    ``Array(memory, name, capacity, dtype)`` creates the array (zero-filled)
    if the segment has no entry called ``name``, and opens it if it has;
    ``Array(memory, name, dtype=dtype)`` only opens. Opening checks that the
    entry's size is exactly ``8 + capacity * dtype.itemsize``.

    :attr:`data` is a numpy array over the segment's own bytes: no copy is
    made, and writes by other processes show through. The format has no lock
    on array elements: a read racing a write may see a torn element, and
    ordering between processes is for the user to arrange (a queue or a
    semaphore does it).
    """

    def __init__(self, memory: Memory, name: str, capacity: Optional[int] = None, dtype=None):
        self.dtype = layout.element_dtype(dtype)
        layout.entry_name(name)
        size = init = None
        if capacity is not None:
            capacity = layout.capacity_arg(capacity, (1 << 64) - 1)
            size = layout.array_size(capacity, self.dtype.itemsize)
            stored_capacity = capacity

            def init(offset: int) -> None:
                layout.ARRAY_HEADER.pack_into(memory.data, offset, stored_capacity)

        entry = memory._entry_for(name, size, init)
        stored = _checked_capacity(memory, entry, self.dtype.itemsize)
        if capacity is not None and capacity != stored:
            raise ValueError(f"array {name!r} has capacity {stored}, not {capacity}")
        self.memory = memory
        self.name = name
        self.capacity = stored
        self.offset = entry.offset
        self.data = np.frombuffer(
            memory.data, dtype=self.dtype, count=stored, offset=entry.offset + layout.ARRAY_HEADER.size
        )

    @property
    def array(self) -> np.ndarray:
        """The numpy view of the elements (an alias of :attr:`data`)."""
        return self.data

    def __len__(self) -> int:
        return self.capacity

    def __getitem__(self, index):
        return self.data[index]

    def __setitem__(self, index, value) -> None:
        self.data[index] = value

    def __iter__(self) -> Iterator:
        return iter(self.data)

    def fill(self, value) -> None:
        """Set every element to ``value``."""
        self.data[:] = value

    def __repr__(self) -> str:
        return f"Array(name={self.name!r}, capacity={self.capacity}, dtype={self.dtype})"


def _checked_capacity(memory: Memory, entry: TableEntry, itemsize: int) -> int:
    """The capacity stored in the array at ``entry``, checked against the entry's size."""
    if entry.size < layout.ARRAY_HEADER.size:
        raise Corrupt(f"size {entry.size} is too small for an array header", entry.name)
    (capacity,) = layout.ARRAY_HEADER.unpack_from(memory.data, entry.offset)
    data_bytes = entry.size - layout.ARRAY_HEADER.size
    if capacity * itemsize != data_bytes:
        if capacity and data_bytes and data_bytes % capacity == 0:
            raise ElementSizeMismatch(entry.name, itemsize, data_bytes // capacity)
        raise Corrupt(f"capacity {capacity} does not match the entry size {entry.size}", entry.name)
    return capacity
