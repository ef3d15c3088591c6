"""ZeroIPC: named arrays, queues, stacks, maps, sets, pools, rings and synchronisation in
POSIX shared memory.

This package reads and writes binary format version 2, which the C++, C, Go,
Rust and other Python implementations share: a segment written by one is
read by all. Arrays are numpy views of the segment's own bytes; the queue,
the stack and the synchronisation structures change their shared words with
CPU atomic instructions, so processes in any of those languages can use them
together.

    >>> import numpy as np
    >>> from zeroipc import Memory, Array, Queue
    >>> with Memory("/sensors", 1 << 20) as mem:            # doctest: +SKIP
    ...     temps = Array(mem, "temperature", 1000, np.float32)
    ...     temps[0] = 23.5
    ...     events = Queue(mem, "events", 128, np.int32)
    ...     events.push(42)
"""

from ._native import Barrier, Event, Latch, Monitor, Mutex, Once, RWLock, Semaphore, Signal
from .array import Array
from .errors import (
    AlreadyExists,
    BadMagic,
    Corrupt,
    CountAtMaximum,
    ElementSizeMismatch,
    ElementTypeError,
    Full,
    InvalidName,
    NotFound,
    NotLocked,
    NotReady,
    OutOfSpace,
    SlotStuck,
    TableFull,
    Timeout,
    UnsupportedVersion,
    ZeroIPCError,
)
from .map import Map, Pool, Ring, Set
from .memory import Memory, Table, TableEntry
from .queue import Queue
from .schema import DescribedSegment, SchemaEntry, open_segment, read_schema
from .stack import Stack
from .sync import EventMode

__version__ = "0.1.0"

__all__ = [
    "AlreadyExists",
    "Array",
    "BadMagic",
    "Barrier",
    "Corrupt",
    "CountAtMaximum",
    "DescribedSegment",
    "ElementSizeMismatch",
    "ElementTypeError",
    "Event",
    "EventMode",
    "Full",
    "InvalidName",
    "Latch",
    "Map",
    "Memory",
    "Monitor",
    "Mutex",
    "NotFound",
    "NotLocked",
    "NotReady",
    "Once",
    "OutOfSpace",
    "Pool",
    "Queue",
    "RWLock",
    "Ring",
    "SchemaEntry",
    "Semaphore",
    "Set",
    "Signal",
    "SlotStuck",
    "Stack",
    "Table",
    "TableEntry",
    "TableFull",
    "Timeout",
    "UnsupportedVersion",
    "ZeroIPCError",
    "open_segment",
    "read_schema",
]
