"""What the 16-byte synchronisation structures share: four i32 fields in one entry."""

from typing import Optional, Tuple

from . import _layout as layout
from ._table import TableEntry
from .errors import Corrupt
from .memory import Memory


def sync_entry(
    memory: Memory, name: str, fields: Optional[Tuple[int, int, int, int]]
) -> Tuple[TableEntry, Tuple[int, int, int, int]]:
    """Open ``name``, or create it holding ``fields`` if missing and ``fields`` is given.

    Returns the entry and the four fields as found.
    """
    layout.entry_name(name)
    size = init = None
    if fields is not None:
        size = layout.SYNC_SIZE

        def init(offset: int) -> None:
            layout.SYNC_FIELDS.pack_into(memory.data, offset, *fields)

    entry = memory._entry_for(name, size, init)
    if entry.size != layout.SYNC_SIZE:
        raise Corrupt(
            f"size {entry.size} is not the {layout.SYNC_SIZE} bytes of a synchronisation structure", name
        )
    return entry, layout.SYNC_FIELDS.unpack_from(memory.data, entry.offset)


def check_i32(value: object, what: str, low: int) -> int:
    """Check an integer argument destined for an i32 field: from ``low`` to 2**31 - 1."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int, not {type(value).__name__}")
    if not low <= value <= layout.I32_MAX:
        raise ValueError(f"{what} must be between {low} and {layout.I32_MAX}, not {value}")
    return value
