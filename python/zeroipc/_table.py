"""The table at the start of a segment: its entries, checked on every read.

The table is untrusted input: any process may have written anything into it.
Every read of the entries checks all of them (names, alignment, bounds,
overlaps) before any is used, so no offset reaches a view of the mapping
unchecked.
"""

from typing import Callable, List, NamedTuple, Optional

import numpy as np

from . import _layout as layout
from ._atomic import ACQUIRE, RELEASE, AtomicWord
from .errors import AlreadyExists, Corrupt, OutOfSpace, TableFull


class TableEntry(NamedTuple):
    """A named structure: where it starts in the segment, and its size in bytes."""

    name: str
    offset: int
    size: int


class Table:
    """Lookup and allocation of named structures.

    ``segment_size`` (the mapping's real size), ``max_entries`` and
    ``limit`` (how far allocations may reach) were checked when the segment
    was opened and are never re-read from the segment.
    """

    def __init__(self, mapping, segment_size: int, max_entries: int, limit: int):
        self._buffer = memoryview(mapping)  # its own view: the mapping stays mapped while this lives
        self._segment_size = segment_size
        self._limit = limit
        self.max_entries = max_entries
        self._table_end = layout.table_size(max_entries)
        self._entry_count = AtomicWord(mapping, layout.ENTRY_COUNT_AT)
        self._next_offset = AtomicWord(mapping, layout.NEXT_OFFSET_AT, width=8)

    def entry_count(self) -> int:
        """Number of entries in use, as the segment says now (checked)."""
        count = self._entry_count.load(ACQUIRE)
        if count > self.max_entries:
            raise Corrupt(f"entry_count {count} is larger than max_entries {self.max_entries}")
        return count

    def next_offset(self) -> int:
        """Where the next structure may start, as the segment says now (checked)."""
        next_offset = self._next_offset.load(ACQUIRE)
        if not self._table_end <= next_offset <= self._segment_size:
            raise Corrupt(f"next_offset {next_offset} is outside {self._table_end}..{self._segment_size}")
        return next_offset

    def entries(self) -> List[TableEntry]:
        """All entries in table order, after checking every one of them."""
        # The entry count is read first, with acquire: it pairs with the release
        # store in `add`, so the entries below it and next_offset are complete.
        count = self.entry_count()
        next_offset = self.next_offset()
        found: List[TableEntry] = []
        names = set()
        for index in range(count):
            raw, offset, size = layout.TABLE_ENTRY.unpack_from(self._buffer, layout.entry_at(index))
            name = _decode_name(raw, index)
            if name in names:
                raise Corrupt(f"two entries are named {name!r}")
            names.add(name)
            if offset % 8:
                raise Corrupt(f"offset {offset} is not a multiple of 8", name)
            if offset < self._table_end:
                raise Corrupt(
                    f"offset {offset} lies inside the table (which ends at {self._table_end})", name
                )
            # Python integers do not overflow: an offset + size beyond 2**64 is simply too large.
            if offset + size > self._segment_size:
                raise Corrupt(
                    f"bytes {offset}..{offset + size} reach past the segment's {self._segment_size}",
                    name,
                )
            if offset + size > next_offset:
                raise Corrupt(f"ends at {offset + size}, after next_offset {next_offset}", name)
            found.append(TableEntry(name, offset, size))
        _check_overlaps(found)
        return found

    def find(self, name: str) -> Optional[TableEntry]:
        """The entry called ``name``, or None."""
        layout.entry_name(name)
        for entry in self.entries():
            if entry.name == name:
                return entry
        return None

    def add(self, name: str, size: int, init: Optional[Callable[[int], None]] = None) -> TableEntry:
        """Allocate ``size`` bytes for a new entry and publish it.

        The caller serialises adds (see ``Memory``). The new region is zeroed
        and handed to ``init`` before the entry becomes visible, so whoever
        finds the entry finds the structure complete. A failed add changes
        nothing in the table.
        """
        encoded = layout.entry_name(name)
        entries = self.entries()
        if any(entry.name == name for entry in entries):
            raise AlreadyExists(name, "entry")
        index = len(entries)
        if index >= self.max_entries:
            raise TableFull(self.max_entries)
        offset = layout.align8(self.next_offset())
        if offset + size > self._limit:
            raise OutOfSpace(size, max(0, self._limit - offset))
        np.frombuffer(self._buffer, np.uint8, count=size, offset=offset).fill(0)
        if init is not None:
            init(offset)
        layout.TABLE_ENTRY.pack_into(self._buffer, layout.entry_at(index), encoded, offset, size)
        self._next_offset.store(offset + size, RELEASE)
        # Release: pairs with the acquire load of entry_count in `entries`.
        self._entry_count.store(index + 1, RELEASE)
        return TableEntry(name, offset, size)


def _decode_name(raw: bytes, index: int) -> str:
    end = raw.find(b"\0")
    if end < 0:
        raise Corrupt(f"the name of entry {index} has no NUL terminator")
    if end == 0:
        raise Corrupt(f"entry {index} has an empty name")
    try:
        return raw[:end].decode("utf-8")
    except UnicodeDecodeError:
        raise Corrupt(f"the name of entry {index} is not UTF-8") from None


def _check_overlaps(entries: List[TableEntry]) -> None:
    reach = 0
    reached_by = None
    for entry in sorted(entries, key=lambda e: e.offset):
        if entry.size and entry.offset < reach:
            raise Corrupt(f"overlaps entry {reached_by!r}", entry.name)
        if entry.offset + entry.size > reach:
            reach = entry.offset + entry.size
            reached_by = entry.name
