"""A bounded multi-producer, multi-consumer queue (Dmitry Vyukov's algorithm)."""

from typing import Optional

import numpy as np

from . import _layout as layout
from ._atomic import ACQUIRE, RELAXED, RELEASE, AtomicSlots, AtomicWord
from ._ring import checked_geometry, to_element
from ._wait import Backoff
from .errors import Corrupt
from .memory import Memory

# A queue of one slot cannot tell "full" from "free" with sequence numbers
# (both read tail + 1), so the smallest queue created, or opened, has two.
_MIN_CAPACITY = 2
_MAX_CAPACITY = 1 << 31


class Queue:
    """A named FIFO queue of ``dtype`` elements, safe for many producers and consumers.

    Layout: ``u32 head``, ``u32 tail``, ``u32 capacity``, ``u32 elem_size``,
    the elements, then one u32 sequence number per slot. ``head`` and
    ``tail`` are free-running counters that wrap at 2**32; a slot is a
    counter modulo the capacity, which is a power of two.

    ``Queue(memory, name, capacity, dtype)`` creates the queue if the entry is
    missing (the capacity is rounded up to a power of two, at least 2) and
    opens it otherwise; ``Queue(memory, name, dtype=dtype)`` only opens.

    Every change of ``head``, ``tail`` and the sequence numbers is a CPU atomic
    instruction on the shared words, so processes written in other languages
    can push and pop on the same queue.
    """

    def __init__(self, memory: Memory, name: str, capacity: Optional[int] = None, dtype=None):
        self.dtype = layout.element_dtype(dtype)
        self.elem_size = self.dtype.itemsize
        layout.entry_name(name)
        size = init = None
        if capacity is not None:
            capacity = max(
                _MIN_CAPACITY, layout.next_power_of_two(layout.capacity_arg(capacity, _MAX_CAPACITY))
            )
            size = layout.ring_size(capacity, self.elem_size)
            created_capacity = capacity

            def init(offset: int) -> None:
                buffer = memory.data
                layout.QUEUE_HEADER.pack_into(buffer, offset, 0, 0, created_capacity, self.elem_size)
                sequence = np.frombuffer(
                    buffer,
                    dtype="<u4",
                    count=created_capacity,
                    offset=offset + layout.slot_words_at(created_capacity, self.elem_size),
                )
                sequence[:] = np.arange(created_capacity, dtype="<u4")

        entry = memory._entry_for(name, size, init)
        stored = checked_geometry(memory.data, entry, self.elem_size, layout.QUEUE_GEOMETRY)
        if stored < _MIN_CAPACITY or stored & (stored - 1):
            raise Corrupt(f"capacity {stored} is not a power of two of at least {_MIN_CAPACITY}", name)
        if capacity is not None and capacity != stored:
            raise ValueError(f"queue {name!r} has capacity {stored}, not {capacity}")
        self.memory = memory
        self.name = name
        self.capacity = stored
        self.offset = entry.offset
        self._mask = stored - 1
        self._items = np.frombuffer(
            memory.data, dtype=self.dtype, count=stored, offset=entry.offset + layout.RING_HEADER_SIZE
        )
        mapping = memory.data
        self._head = AtomicWord(mapping, entry.offset)
        self._tail = AtomicWord(mapping, entry.offset + 4)
        self._sequence = AtomicSlots(
            mapping, entry.offset + layout.slot_words_at(stored, self.elem_size), stored
        )

    def push(self, value) -> bool:
        """Append ``value``; False if the queue is full."""
        item = to_element(value, self.dtype)
        tail = self._tail.load(RELAXED)  # only a guess: the exchange below checks it
        while True:
            slot = tail & self._mask
            sequence = self._sequence[slot]
            # Acquire: pairs with the release store of this slot's sequence in `pop`.
            lag = layout.signed32(sequence.load(ACQUIRE) - tail)  # counters wrap: compare the difference
            if lag == 0:
                claimed, current = self._tail.compare_exchange(tail, (tail + 1) & layout.U32_MAX)
                if claimed:
                    break
                tail = current
            elif lag < 0:
                return False  # the slot still holds an element from one lap ago
            else:
                tail = self._reload(self._tail, tail, "a sequence number is ahead of tail")
        self._items[slot] = item
        # Release: pairs with the acquire load of the sequence in `pop`; publishes the element.
        sequence.store((tail + 1) & layout.U32_MAX, RELEASE)
        return True

    def pop(self):
        """Remove and return the oldest element; None if the queue is empty."""
        head = self._head.load(RELAXED)  # only a guess: the exchange below checks it
        while True:
            slot = head & self._mask
            sequence = self._sequence[slot]
            # Acquire: pairs with the release store of this slot's sequence in `push`.
            lag = layout.signed32(sequence.load(ACQUIRE) - (head + 1))
            if lag == 0:
                claimed, current = self._head.compare_exchange(head, (head + 1) & layout.U32_MAX)
                if claimed:
                    break
                head = current
            elif lag < 0:
                return None  # nothing was pushed into this slot for this lap yet
            else:
                head = self._reload(self._head, head, "a sequence number is ahead of head")
        value = self._items[slot].copy()
        # Release: pairs with the acquire load in `push`; frees the slot for the next lap.
        sequence.store((head + self.capacity) & layout.U32_MAX, RELEASE)
        return value

    def _reload(self, counter: AtomicWord, seen: int, problem: str) -> int:
        """Read ``counter`` again after a slot showed that another process moved it on.

        A sequence number is only ever ahead after the counter has moved, and
        the acquire load that read it makes that move visible. Finding the
        counter unchanged means the segment was written by something else.
        """
        current = counter.load(RELAXED)
        if current == seen:
            raise Corrupt(problem, self.name)
        return current

    def push_wait(self, value, timeout: Optional[float] = None) -> bool:
        """Append ``value``, waiting for room up to ``timeout`` seconds (None: no limit).

        Returns False if the time ran out.
        """
        backoff = Backoff(timeout)
        while not self.push(value):
            if not backoff.pause():
                return False
        return True

    def pop_wait(self, timeout: Optional[float] = None):
        """Remove and return the oldest element, waiting up to ``timeout`` seconds (None: no limit).

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
        head = self._head.load(ACQUIRE)  # head first: tail, read later, is never behind it
        tail = self._tail.load(ACQUIRE)
        return min((tail - head) & layout.U32_MAX, self.capacity)

    def empty(self) -> bool:
        """True if the queue holds no element."""
        return self.size() == 0

    def full(self) -> bool:
        """True if every slot holds an element."""
        return self.size() >= self.capacity

    def __len__(self) -> int:
        return self.size()

    def __bool__(self) -> bool:
        return not self.empty()

    def __repr__(self) -> str:
        return f"Queue(name={self.name!r}, capacity={self.capacity}, dtype={self.dtype})"
