"""A named POSIX shared-memory segment and its table: the Rust crate's, through the native module."""

import math
import mmap as mmap_module
from typing import List, NamedTuple, Optional, Union

from . import _layout as layout
from ._native import Segment, create_with_schema
from .errors import Corrupt, OutOfSpace

DEFAULT_LOCK_TIMEOUT = 10.0
"""Seconds an add waits for the table lock by default (as the Rust crate does)."""


class TableEntry(NamedTuple):
    """One entry of a segment's table: a name and the bytes it owns."""

    name: str
    offset: int
    size: int


class Table:
    """The table of named structures of a segment, read and checked at every call."""

    def __init__(self, memory: "Memory"):
        self._memory = memory

    def entries(self) -> List[TableEntry]:
        """Every entry, in table order."""
        return [TableEntry(*entry) for entry in self._memory._segment().entries()]

    def find(self, name: str) -> Optional[TableEntry]:
        """The entry called ``name``, or None."""
        entry = self._memory._segment().find(name)
        return None if entry is None else TableEntry(*entry)

    def entry_count(self) -> int:
        """The number of entries."""
        return len(self._memory._segment().entries())

    def next_offset(self) -> int:
        """Where the next entry will go: the bytes in use."""
        return self._memory._segment().next_offset()


def segment_name(name: object) -> str:
    """``name`` as the system names the segment: with a leading ``/`` added if it has none
    (as ``multiprocessing.shared_memory`` does), after checking it.

    Raises :class:`~zeroipc.InvalidName` before any system call.
    """
    if isinstance(name, str) and not name.startswith("/"):
        name = "/" + name
    layout.shm_path(name)
    return name


def _check_unique_names(segment: Segment) -> None:
    """Refuse a table that names two entries alike (which the format does not allow, and
    which would make a name mean either of them)."""
    seen = set()
    for name, _, _ in segment.entries():
        if name in seen:
            raise Corrupt(f"two entries are named {name!r}", name)
        seen.add(name)


def _unlink(name: str) -> bool:
    """Remove the segment called ``name``; False if there was none.

    Processes that have it open keep their mapping; the name is free at once.
    """
    return Segment.unlink(segment_name(name))


class _Entry:
    """The ``offset`` of a structure with a ``memory`` attribute and a table ``name``."""

    __slots__ = ()

    @property
    def offset(self) -> int:
        """The entry's offset in the segment."""
        return self.memory.table.find(self.name).offset


class _UnlinkMethod:
    """``Memory.unlink(name)`` removes a segment by name; ``memory.unlink()`` removes this one."""

    def __get__(self, instance, owner):
        if instance is None:
            return _unlink
        return lambda: _unlink(instance.name)


class Memory:
    """A shared-memory segment in format version 2 (the Rust crate's ``Memory``).

    ``Memory(name, size)`` with ``size > 0`` creates the segment, exclusively:
    if a segment of that name exists it is left untouched and
    :class:`~zeroipc.AlreadyExists` is raised. The file gets permissions
    ``mode`` (applied exactly, whatever the umask), its table gets
    ``max_entries`` slots, and the magic number is stored last.

    ``Memory(name)`` opens an existing segment. Its size comes from the
    operating system and ``max_entries`` from its header. The header and every
    table entry are checked before anything is used; a segment whose magic is
    still zero is waited for up to ``ready_timeout`` seconds, then
    :class:`~zeroipc.NotReady` is raised.

    Adding an entry takes the segment's table lock; if another process keeps
    it for ``lock_timeout`` seconds, the add raises :class:`~zeroipc.Timeout`
    and changes nothing.

    Names are ``/`` followed by up to 255 bytes without ``/``; a name without
    the leading ``/`` gets one, as in ``multiprocessing.shared_memory``.

    Parameters
    ----------
    name : str
        The segment's name.
    size : int
        Bytes to create; 0 opens an existing segment.
    max_entries : int
        Table slots of a new segment.
    mode : int
        Permission bits of a new segment.
    ready_timeout : float
        Seconds an open waits for the creator to publish the segment.
    lock_timeout : float
        Seconds adding an entry waits for the table lock.
    schema : bool or int
        Give a new segment a schema entry (see :mod:`zeroipc.schema`): True for
        16 KiB of room, or the room in bytes. Arrays, queues and stacks created
        in it then record their kind, parameters and dtype there.

    Examples
    --------
    >>> with Memory("/sensors", 1 << 20) as mem:      # doctest: +SKIP
    ...     Array(mem, "temperature", 1000, np.float32)[0] = 23.5
    """

    unlink = _UnlinkMethod()

    def __init__(
        self,
        name: str,
        size: int = 0,
        max_entries: int = layout.DEFAULT_MAX_ENTRIES,
        mode: int = 0o600,
        *,
        ready_timeout: float = 1.0,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
        schema: Union[bool, int] = False,
    ):
        name = segment_name(name)
        if isinstance(size, bool) or not isinstance(size, int):
            raise TypeError(f"size must be an int, not {type(size).__name__}")
        if size < 0:
            raise ValueError(f"size must not be negative, not {size}")
        for what, value in (("lock_timeout", lock_timeout), ("ready_timeout", ready_timeout)):
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or not (math.isfinite(value) and value >= 0)
            ):
                raise ValueError(f"{what} must be a finite number of seconds, 0 or more, not {value!r}")
        self.name = name
        self.lock_timeout = float(lock_timeout)
        self.owner = size > 0
        self._mmap: Optional[mmap_module.mmap] = None
        self._seg: Optional[Segment] = None
        if self.owner:
            if isinstance(max_entries, bool) or not isinstance(max_entries, int):
                raise TypeError(f"max_entries must be an int, not {type(max_entries).__name__}")
            if not 1 <= max_entries <= layout.U32_MAX:
                raise ValueError(f"max_entries must be between 1 and {layout.U32_MAX}, not {max_entries}")
            if isinstance(mode, bool) or not isinstance(mode, int) or not 0 <= mode <= 0o777:
                raise ValueError(f"mode must be permission bits between 0 and 0o777, not {mode!r}")
            table_end = layout.table_size(max_entries)
            if size < table_end:
                raise OutOfSpace(table_end, size)
            if schema is False:
                self._seg = Segment.create(name, size, max_entries, mode, self.lock_timeout)
            else:
                room = (16 << 10) if schema is True else schema
                if isinstance(room, bool) or not isinstance(room, int) or not 16 <= room < size:
                    raise ValueError(f"schema must be True, False or a size in bytes, not {schema!r}")
                self._seg = create_with_schema(name, size, max_entries, mode, self.lock_timeout, room)
        else:
            self._seg = Segment.open(name, float(ready_timeout), self.lock_timeout)
            _check_unique_names(self._seg)
        self.max_entries = self._seg.max_entries
        self._size = self._seg.mapped_len
        self._table = Table(self)

    def _segment(self) -> Segment:
        """The native segment: what the structures are made in."""
        if self._seg is None:
            raise ValueError(f"segment {self.name!r} is closed")
        return self._seg

    @property
    def size(self) -> int:
        """The segment's size in bytes, as the operating system reported it."""
        self._segment()
        return self._size

    @property
    def mmap(self) -> mmap_module.mmap:
        """A mapping of the whole segment (made on first use), for numpy views and raw access."""
        segment = self._segment()
        if self._mmap is None:
            self._mmap = mmap_module.mmap(segment.fileno(), self._size)
        return self._mmap

    @property
    def data(self) -> mmap_module.mmap:
        """The mapping of the whole segment (an alias of :attr:`mmap`)."""
        return self.mmap

    @property
    def table(self) -> Table:
        """The segment's table of named structures."""
        self._segment()
        return self._table

    def at(self, offset: int) -> memoryview:
        """A memoryview of the segment from ``offset`` to its end (upstream's name)."""
        mapping = self.mmap
        if not 0 <= offset < len(mapping):
            raise IndexError(f"offset {offset} out of bounds (size: {len(mapping)})")
        return memoryview(mapping)[offset:]

    def allocate(self, name: str, size: int) -> int:
        """Add an entry of ``size`` zeroed bytes called ``name``; return its offset."""
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise ValueError(f"size must be a non-negative int, not {size!r}")
        layout.entry_name(name)
        segment = self._segment()
        if size > layout.U64_MAX:
            raise OutOfSpace(size, self._size)
        return segment.allocate(name, size)

    def others_attached(self) -> bool:
        """Whether any other handle (in this process or another, Python or Rust) has this
        segment open. Implementations that do not take the attachment lock are not seen."""
        if self._seg is None:
            raise ValueError("the segment is closed")
        return self._seg.others_attached()

    def close(self) -> None:
        """Close the segment (it stays in the system until unlinked).

        Structures opened from it keep their own share of the mapping, and numpy
        views keep theirs, until they are gone.
        """
        self._seg = None
        if self._mmap is not None:
            try:
                self._mmap.close()
            except BufferError:
                pass  # numpy views still use the mapping; it is unmapped when they are gone
            self._mmap = None

    def __enter__(self) -> "Memory":
        return self

    def __exit__(self, exc_type, exc_value, traceback) -> None:
        self.close()

    def __repr__(self) -> str:
        if self._seg is None:
            return f"Memory(name={self.name!r}, closed)"
        return f"Memory(name={self.name!r}, size={self._size}, max_entries={self.max_entries})"
