"""A bounded LIFO stack with per-slot states, safe for many pushers and poppers."""

from typing import Optional

import numpy as np

from . import _layout as layout
from ._atomic import ACQUIRE, RELEASE, AtomicSlots, AtomicWord
from ._ring import checked_geometry, to_element
from ._wait import Backoff
from .errors import Corrupt, SlotStuck
from .memory import Memory

EMPTY, WRITING, READY, READING = 0, 1, 2, 3
_MAX_CAPACITY = 1 << 31  # the highest index, capacity - 1, must fit the i32 top


class Stack:
    """A named stack of ``dtype`` elements.

    Layout: ``i32 top`` (-1 when empty), ``u32 capacity``, ``u32 elem_size``,
    ``u32 reserved``, the elements, then one u32 state per slot:
    EMPTY 0 -> WRITING 1 -> READY 2 -> READING 3 -> EMPTY 0.

    A push moves ``top`` up by compare-and-swap, then takes its slot from
    EMPTY to WRITING, writes the element and marks it READY. A pop moves
    ``top`` down, takes the slot from READY to READING, copies the element
    and marks it EMPTY. A slot that does not reach the state wanted within
    ``slot_timeout`` seconds (a peer died half-way through an operation)
    raises :class:`~zeroipc.SlotStuck` instead of waiting for ever; the
    operation first moves ``top`` back, unless another has moved it since,
    so the failed call leaves the count as it found it.

    ``Stack(memory, name, capacity, dtype)`` creates the stack if the entry is
    missing and opens it otherwise; ``Stack(memory, name, dtype=dtype)`` only
    opens.
    """

    def __init__(
        self,
        memory: Memory,
        name: str,
        capacity: Optional[int] = None,
        dtype=None,
        *,
        slot_timeout: float = 2.0,
    ):
        self.dtype = layout.element_dtype(dtype)
        self.elem_size = self.dtype.itemsize
        layout.entry_name(name)
        size = init = None
        if capacity is not None:
            capacity = layout.capacity_arg(capacity, _MAX_CAPACITY)
            size = layout.ring_size(capacity, self.elem_size)
            created_capacity = capacity

            def init(offset: int) -> None:
                # Slot states start EMPTY: the region is zeroed before this runs.
                layout.STACK_HEADER.pack_into(memory.data, offset, -1, created_capacity, self.elem_size, 0)

        entry = memory._entry_for(name, size, init)
        stored = checked_geometry(memory.data, entry, self.elem_size, layout.STACK_GEOMETRY)
        if stored > _MAX_CAPACITY:
            raise Corrupt(f"capacity {stored} is larger than an i32 top can index", name)
        if capacity is not None and capacity != stored:
            raise ValueError(f"stack {name!r} has capacity {stored}, not {capacity}")
        self.memory = memory
        self.name = name
        self.capacity = stored
        self.offset = entry.offset
        self.slot_timeout = slot_timeout
        self._items = np.frombuffer(
            memory.data, dtype=self.dtype, count=stored, offset=entry.offset + layout.RING_HEADER_SIZE
        )
        mapping = memory.data
        self._top = AtomicWord(mapping, entry.offset, signed=True)
        self._states = AtomicSlots(
            mapping, entry.offset + layout.slot_words_at(stored, self.elem_size), stored
        )

    def _checked_top(self, top: int) -> int:
        """``top`` as read from the segment, refused unless it indexes this stack."""
        if not -1 <= top < self.capacity:
            raise Corrupt(f"top {top} is outside -1..{self.capacity - 1}", self.name)
        return top

    def _load_top(self) -> int:
        # Acquire: pairs with the exchanges of `top` in `push` and `pop`.
        return self._checked_top(self._top.load(ACQUIRE))

    def push(self, value) -> bool:
        """Put ``value`` on top; False if the stack is full."""
        item = to_element(value, self.dtype)
        top = self._load_top()
        while True:
            if top >= self.capacity - 1:
                return False
            claimed, current = self._top.compare_exchange(top, top + 1)
            if claimed:
                break
            top = self._checked_top(current)
        index = top + 1
        try:
            self._take(index, EMPTY, WRITING)
        except SlotStuck:
            self._unclaim(index, index - 1)
            raise
        self._items[index] = item
        # Release: pairs with the acquire exchange READY -> READING in `pop`.
        self._states[index].store(READY, RELEASE)
        return True

    def pop(self):
        """Remove and return the top element; None if the stack is empty."""
        top = self._load_top()
        while True:
            if top < 0:
                return None
            claimed, current = self._top.compare_exchange(top, top - 1)
            if claimed:
                break
            top = self._checked_top(current)
        try:
            self._take(top, READY, READING)
        except SlotStuck:
            self._unclaim(top - 1, top)
            raise
        value = self._items[top].copy()
        # Release: pairs with the acquire exchange EMPTY -> WRITING in `push`.
        self._states[top].store(EMPTY, RELEASE)
        return value

    def _unclaim(self, claimed: int, previous: int) -> None:
        """Move ``top`` back from ``claimed`` to ``previous`` after giving up on a stuck slot.

        Only if nobody has moved ``top`` since: otherwise the peers' operations
        stand, and the count is off by the one slot the stuck peer left.
        """
        self._top.compare_exchange(claimed, previous)

    def _take(self, index: int, expected: int, desired: int) -> None:
        """Move slot ``index`` from ``expected`` to ``desired``, waiting at most ``slot_timeout``.

        The slot may still be in the hands of the operation that held this
        index before (a pop not yet done reading, a push not yet done writing).
        """
        state = self._states[index]
        backoff = Backoff(self.slot_timeout)
        while True:
            taken, current = state.compare_exchange(expected, desired)
            if taken:
                return
            if not backoff.pause():
                raise SlotStuck(self.name, index, current, self.slot_timeout)

    def top(self):
        """The top element without removing it; None if the stack is empty.

        With other processes pushing and popping at the same time, the answer
        may be out of date as soon as it is returned.
        """
        index = self._load_top()
        if index < 0:
            return None
        state = self._states[index]
        backoff = Backoff(self.slot_timeout)
        while state.load(ACQUIRE) != READY:
            if not backoff.pause():
                raise SlotStuck(self.name, index, state.load(ACQUIRE), self.slot_timeout)
        return self._items[index].copy()

    def push_wait(self, value, timeout: Optional[float] = None) -> bool:
        """Push ``value``, waiting for room up to ``timeout`` seconds (None: no limit).

        Returns False if the time ran out.
        """
        backoff = Backoff(timeout)
        while not self.push(value):
            if not backoff.pause():
                return False
        return True

    def pop_wait(self, timeout: Optional[float] = None):
        """Pop the top element, waiting up to ``timeout`` seconds (None: no limit).

        Returns None if the time ran out.
        """
        backoff = Backoff(timeout)
        while True:
            value = self.pop()
            if value is not None:
                return value
            if not backoff.pause():
                return None

    def size(self) -> int:
        """Number of elements, as of a moment during the call."""
        return self._load_top() + 1

    def empty(self) -> bool:
        """True if the stack holds no element."""
        return self._load_top() < 0

    def full(self) -> bool:
        """True if every slot is taken."""
        return self._load_top() >= self.capacity - 1

    def __len__(self) -> int:
        return self.size()

    def __bool__(self) -> bool:
        return not self.empty()

    def __repr__(self) -> str:
        return f"Stack(name={self.name!r}, capacity={self.capacity}, dtype={self.dtype})"
