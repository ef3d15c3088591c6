"""A fixed-size array of plain-data elements, viewed in place through numpy."""

from typing import Iterator, Optional

import numpy as np

from . import _layout as layout
from .memory import Memory
from .schema import _recorded


class Array:
    """A named array: ``u64 capacity``, then ``capacity`` elements of ``dtype``.

    ``Array(memory, name, capacity, dtype)`` creates the array (zero-filled)
    if the segment has no entry called ``name``, and opens it if it has;
    ``Array(memory, name, dtype=dtype)`` only opens. The Rust crate creates and
    checks the entry (its size must be exactly ``8 + capacity * dtype.itemsize``).

    :attr:`data` is a numpy array over the segment's own bytes (through the
    buffer protocol of the segment's mapping): no copy is made, it is writable,
    and writes by other processes show through. The format has no lock on
    array elements: a read racing a write may see a torn element, and ordering
    between processes is for the user to arrange (a queue or a semaphore does it).

    Parameters
    ----------
    memory : Memory
        The segment.
    name : str
        The entry's name.
    capacity : int, optional
        Elements; given, the array is created when missing.
    dtype : numpy.dtype
        The elements' type.
    """

    def __init__(self, memory: Memory, name: str, capacity: Optional[int] = None, dtype=None):
        self.dtype = layout.element_dtype(dtype)
        layout.entry_name(name)
        if capacity is not None:
            capacity = layout.capacity_arg(capacity, (1 << 64) - 1)
        segment = memory._segment()
        data_offset, stored = _recorded(
            segment, name, "array", None if capacity is None else {"len": capacity}, self.dtype,
            lambda: segment.array(name, capacity, self.dtype.itemsize),
        )
        if capacity is not None and capacity != stored:
            raise ValueError(f"array {name!r} has capacity {stored}, not {capacity}")
        self.memory = memory
        self.name = name
        self.capacity = stored
        self.offset = data_offset - layout.ARRAY_HEADER.size
        self.data = np.frombuffer(memory.data, dtype=self.dtype, count=stored, offset=data_offset)

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
