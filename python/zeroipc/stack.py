"""A bounded stack for many pushers and poppers: the Rust crate's, through the native module."""

from typing import Optional

from . import _layout as layout
from ._native import Stack as _NativeStack
from .memory import Memory, _Entry
from .schema import _recorded

_MAX_CAPACITY = (1 << 31) - 1


class Stack(_Entry, _NativeStack):
    """A named LIFO stack of ``dtype`` elements, safe for many pushers and poppers.

    ``Stack(memory, name, capacity, dtype)`` creates the stack if the entry is
    missing (any capacity from 1) and opens it otherwise;
    ``Stack(memory, name, dtype=dtype)`` only opens.

    The algorithm is the Rust crate's: a shared ``top`` and one state per slot
    (EMPTY, WRITING, READY, READING). An operation that finds its slot still in
    another process's hands waits up to ``slot_timeout`` seconds, then raises
    :class:`~zeroipc.SlotStuck` without having claimed anything (a peer probably
    died in the middle of an operation).

    Parameters
    ----------
    memory : Memory
        The segment.
    name : str
        The entry's name (1 to 31 bytes of UTF-8).
    capacity : int, optional
        Slots; given, the stack is created when missing.
    dtype : numpy.dtype
        The elements' type: its size must be the stack's element size.
    slot_timeout : float
        Seconds to wait for a slot another process is finishing with.
    """

    __slots__ = ("memory",)

    def __new__(
        cls,
        memory: Memory,
        name: str,
        capacity: Optional[int] = None,
        dtype=None,
        *,
        slot_timeout: float = 2.0,
    ):
        dt = layout.element_dtype(dtype)
        layout.entry_name(name)
        if capacity is not None:
            capacity = layout.capacity_arg(capacity, _MAX_CAPACITY)
        segment = memory._segment()
        self = _recorded(
            segment, name, "stack", None if capacity is None else {"capacity": capacity}, dt,
            lambda: super(Stack, cls).__new__(cls, segment, name, capacity, dt, slot_timeout),
        )
        if capacity is not None and capacity != self.capacity:
            raise ValueError(f"stack {name!r} has capacity {self.capacity}, not {capacity}")
        return self

    def __init__(self, memory: Memory, name: str, capacity=None, dtype=None, *, slot_timeout: float = 2.0):
        self.memory = memory
