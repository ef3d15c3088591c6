"""Map, Set, Pool and Ring in the C++ implementation's bytes: the Rust crate's, through the
native module."""

from typing import Dict, Optional

import numpy as np

from . import _layout as layout
from ._native import Map as _NativeMap
from ._native import Pool as _NativePool
from ._native import Ring as _NativeRing
from ._native import Set as _NativeSet
from .memory import Memory, _Entry
from .schema import _recorded

_MAX_TABLE = (1 << 32) - 1
_MAX_POOL = (1 << 32) - 2
_MAX_RING_BYTES = (1 << 32) - 1


def _capacity(capacity: object, limit: int) -> Optional[int]:
    return None if capacity is None else layout.capacity_arg(capacity, limit)


def _params(capacity: Optional[int]) -> Optional[Dict[str, int]]:
    """The schema parameters of a structure created with ``capacity`` (in elements); None
    when it is only opened."""
    return None if capacity is None else {"capacity": capacity}


class Map(_Entry, _NativeMap):
    """A fixed-capacity hash map from ``key_dtype`` to ``value_dtype`` keys and values.

    ``Map(memory, name, key_dtype, value_dtype, capacity)`` creates the map if the entry is
    missing (exactly ``capacity`` slots) and opens it otherwise; without ``capacity`` it only
    opens. The bytes, the hash and the probing are the C++ implementation's ``Map<K, V>``:
    integer keys hash by a multiplication, float keys compare by value, any other key
    (a record, bytes) hashes its bytes. A record key should be made with ``align=True`` so
    that it sits in the slot where C would put it.

    Removed keys leave tombstones that only the same key reuses, and there is no resize:
    size the map for every key it will ever hold.

    Examples
    --------
    >>> ages = Map(mem, "ages", np.uint32, np.uint16, 64)   # doctest: +SKIP
    >>> ages[7] = 30; ages.insert(8, 31)                    # doctest: +SKIP
    >>> ages.find(7), 8 in ages, len(ages)                  # doctest: +SKIP
    (30, True, 2)
    """

    __slots__ = ("memory",)

    def __new__(cls, memory: Memory, name: str, key_dtype=None, value_dtype=None, capacity=None):
        kd, vd = layout.element_dtype(key_dtype), layout.element_dtype(value_dtype)
        layout.entry_name(name)
        segment, wanted = memory._segment(), _capacity(capacity, _MAX_TABLE)
        return _recorded(
            segment, name, "map", _params(wanted), kd,
            lambda: super(Map, cls).__new__(cls, segment, name, kd, vd, wanted),
            value_dtype=vd,
        )

    def __init__(self, memory: Memory, name: str, key_dtype=None, value_dtype=None, capacity=None):
        self.memory = memory


class Set(_Entry, _NativeSet):
    """A fixed-capacity hash set of ``dtype`` elements, as the C++ implementation's
    ``Set<T>`` (a map without values; see :class:`Map` for the rules they share).

    ``Set(memory, name, dtype, capacity)`` creates the set if the entry is missing and
    opens it otherwise; without ``capacity`` it only opens.
    """

    __slots__ = ("memory",)

    def __new__(cls, memory: Memory, name: str, dtype=None, capacity=None):
        dt = layout.element_dtype(dtype)
        layout.entry_name(name)
        segment, wanted = memory._segment(), _capacity(capacity, _MAX_TABLE)
        return _recorded(
            segment, name, "set", _params(wanted), dt,
            lambda: super(Set, cls).__new__(cls, segment, name, dt, wanted),
        )

    def __init__(self, memory: Memory, name: str, dtype=None, capacity=None):
        self.memory = memory


class Pool(_Entry, _NativePool):
    """A fixed pool of ``dtype`` nodes with a lock-free free list, as the C++
    implementation's ``Pool<T>``: ``allocate()`` hands out a node's index (None when every
    node is out), ``free(i)`` gives it back, ``pool[i]`` reads and writes its data.

    ``Pool(memory, name, dtype, capacity)`` creates the pool if the entry is missing and
    opens it otherwise; without ``capacity`` it only opens.
    """

    __slots__ = ("memory",)

    def __new__(cls, memory: Memory, name: str, dtype=None, capacity=None):
        dt = layout.element_dtype(dtype)
        layout.entry_name(name)
        segment, wanted = memory._segment(), _capacity(capacity, _MAX_POOL)
        return _recorded(
            segment, name, "pool", _params(wanted), dt,
            lambda: super(Pool, cls).__new__(cls, segment, name, dt, wanted),
        )

    def __init__(self, memory: Memory, name: str, dtype=None, capacity=None):
        self.memory = memory


class Ring(_Entry, _NativeRing):
    """A single-producer, single-consumer ring of ``dtype`` elements, as the C++
    implementation's ``Ring<T>``: ``write(array)`` adds as many elements as fit,
    ``read(n)`` takes up to ``n``. One writer and one reader at a time.

    ``Ring(memory, name, dtype, capacity)`` creates the ring if the entry is missing, with
    room for ``capacity`` ELEMENTS (the header stores bytes: ``capacity * itemsize``), and
    opens it otherwise; without ``capacity`` it only opens.
    """

    __slots__ = ("memory",)

    def __new__(cls, memory: Memory, name: str, dtype=None, capacity=None):
        dt = layout.element_dtype(dtype)
        layout.entry_name(name)
        limit = max(1, _MAX_RING_BYTES // dt.itemsize)
        segment, wanted = memory._segment(), _capacity(capacity, limit)
        return _recorded(
            segment, name, "ring", _params(wanted), dt,
            lambda: super(Ring, cls).__new__(cls, segment, name, dt, wanted),
        )

    def __init__(self, memory: Memory, name: str, dtype=None, capacity=None):
        self.memory = memory

    def write(self, values) -> int:
        """Writes the longest prefix of ``values`` (an array, or anything numpy turns into
        one of the ring's dtype) there is room for; how many elements."""
        if not isinstance(values, np.ndarray):
            values = np.ascontiguousarray(values, dtype=self.dtype)
        return super().write(values)


__all__ = ["Map", "Pool", "Ring", "Set"]
