"""A bounded multi-producer, multi-consumer queue: the Rust crate's, through the native module."""

from typing import Optional

from . import _layout as layout
from ._native import Queue as _NativeQueue
from .memory import Memory, _Entry
from .schema import _recorded

# A queue of one slot cannot tell "full" from "free" with sequence numbers
# (both read tail + 1), so the smallest queue created, or opened, has two.
_MIN_CAPACITY = 2
_MAX_CAPACITY = 1 << 31


class Queue(_Entry, _NativeQueue):
    """A named FIFO queue of ``dtype`` elements, safe for many producers and consumers.

    ``Queue(memory, name, capacity, dtype)`` creates the queue if the entry is
    missing (the capacity is rounded up to a power of two, at least 2) and
    opens it otherwise; ``Queue(memory, name, dtype=dtype)`` only opens.

    The algorithm is the Rust crate's (Vyukov's bounded queue: shared ``head``
    and ``tail`` counters and one sequence number per slot, all changed by
    atomic instructions), so processes in any language of the format can push
    and pop on the same queue.

    Parameters
    ----------
    memory : Memory
        The segment.
    name : str
        The entry's name (1 to 31 bytes of UTF-8).
    capacity : int, optional
        Slots wanted; given, the queue is created when missing.
    dtype : numpy.dtype
        The elements' type: its size must be the queue's element size.

    Examples
    --------
    >>> q = Queue(mem, "jobs", 128, np.int64)            # doctest: +SKIP
    >>> q.push(7), q.pop()                               # doctest: +SKIP
    (True, 7)
    >>> q.push_array(np.arange(100)), q.pop_array(10)    # doctest: +SKIP
    """

    __slots__ = ("memory",)

    def __new__(cls, memory: Memory, name: str, capacity: Optional[int] = None, dtype=None):
        dt = layout.element_dtype(dtype)
        layout.entry_name(name)
        wanted = None
        if capacity is not None:
            wanted = max(
                _MIN_CAPACITY, layout.next_power_of_two(layout.capacity_arg(capacity, _MAX_CAPACITY))
            )
        segment = memory._segment()
        self = _recorded(
            segment, name, "queue", None if wanted is None else {"capacity": wanted}, dt,
            lambda: super(Queue, cls).__new__(cls, segment, name, wanted, dt),
        )
        if wanted is not None and wanted != self.capacity:
            raise ValueError(f"queue {name!r} has capacity {self.capacity}, not {wanted}")
        return self

    def __init__(self, memory: Memory, name: str, capacity: Optional[int] = None, dtype=None):
        self.memory = memory


__all__ = ["Queue"]
