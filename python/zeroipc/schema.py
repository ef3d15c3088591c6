"""The schema entry: what a segment says about its entries, read as numpy dtypes and typed objects.

A segment may carry a table entry called ``zeroipc.schema`` that describes every other entry:
its kind (``array``, ``queue``, ``semaphore``...), its parameters (``len``, ``capacity``...) and
its element type, in numpy's terms (type strings such as ``<f4``, sub-arrays, records of named
fields at offsets). Segments declared in Rust with ``#[zeroipc::segment]`` always have one;
``Memory(name, size, schema=True)`` makes one, and then every array, queue and stack Python
creates in the segment records its dtype there.

:func:`open_segment` opens a segment by its schema alone: no dtype is written by the caller.
The schema is read and checked by the Rust crate; a damaged one raises :class:`~zeroipc.Corrupt`
naming what is wrong.
"""

import json
from typing import Any, Dict, Iterator, List, NamedTuple, Optional, Union

import numpy as np

from . import _native
from .memory import DEFAULT_LOCK_TIMEOUT, Memory

ENTRY_NAME = "zeroipc.schema"
"""The table name of the schema entry."""

DEFAULT_SCHEMA_BYTES = 16 << 10
"""Room for schema text that ``Memory(..., schema=True)`` gives a new segment."""

# The schema's limits (SPECIFICATION.md, "The schema entry"): a dtype beyond them is
# recorded as opaque bytes of its size, as the Rust crate records a type that does not
# describe itself.
_MAX_TYPE_DEPTH = 6
_MAX_FIELDS = 1024
_MAX_WORD_LEN = 64
_MAX_SHAPE_DIMS = 8
_SCALARS = {"|u1", "|i1", "<u2", "<i2", "<u4", "<i4", "<u8", "<i8", "<f4", "<f8"}

TypeJSON = Union[str, Dict[str, Any]]


class SchemaEntry(NamedTuple):
    """What a schema says about one entry."""

    name: str
    kind: str
    params: Dict[str, int]
    type: Optional[TypeJSON]
    doc: Optional[str]
    parts: List[str]
    #: A map's value type (``value_type`` in the schema); None for every other kind.
    value_type: Optional[TypeJSON] = None

    @property
    def dtype(self) -> Optional[np.dtype]:
        """The element type (a map's key type) as a numpy dtype; None for an entry without
        elements."""
        return None if self.type is None else dtype_from_type(self.type)

    @property
    def value_dtype(self) -> Optional[np.dtype]:
        """A map's value type as a numpy dtype; None for every other kind."""
        return None if self.value_type is None else dtype_from_type(self.value_type)


def dtype_from_type(ty: TypeJSON) -> np.dtype:
    """The numpy dtype of a schema type: a type string, ``{"shape", "type"}`` (a sub-array) or
    ``{"record", "itemsize", "fields"}`` (a structured dtype, fields at their offsets)."""
    if isinstance(ty, str):
        if ty.startswith("|V"):
            return np.dtype(("V", int(ty[2:])))
        return np.dtype(ty)
    if "shape" in ty:
        return np.dtype((dtype_from_type(ty["type"]), tuple(ty["shape"])))
    fields = ty["fields"]
    return np.dtype(
        {
            "names": [f["name"] for f in fields],
            "formats": [dtype_from_type(f["type"]) for f in fields],
            "offsets": [f["offset"] for f in fields],
            "itemsize": ty["itemsize"],
        }
    )


def _describe(dt: np.dtype, depth: int) -> Optional[TypeJSON]:
    if depth > _MAX_TYPE_DEPTH:
        return None
    if dt.subdtype is not None:
        base, shape = dt.subdtype
        of = _describe(base, depth + 1)
        if of is None or not 1 <= len(shape) <= _MAX_SHAPE_DIMS or 0 in shape:
            return None
        return {"shape": list(shape), "type": of}
    if dt.names is not None:
        if not 1 <= len(dt.names) <= _MAX_FIELDS:
            return None
        fields = []
        for name in dt.names:
            fdt, offset = dt.fields[name][:2]
            fty = _describe(fdt, depth + 1)
            if fty is None or not 1 <= len(name.encode()) <= _MAX_WORD_LEN:
                return None
            fields.append({"name": name, "offset": offset, "type": fty})
        return {"record": "", "itemsize": dt.itemsize, "fields": fields}
    typestr = dt.newbyteorder("<").str if dt.byteorder == "=" else dt.str
    return typestr if typestr in _SCALARS else None


def type_from_dtype(dtype: Any) -> TypeJSON:
    """The schema type of a numpy dtype: the inverse of :func:`dtype_from_type`. A dtype the
    schema cannot describe (big-endian, bool, complex, beyond the schema's limits) is
    ``|V<itemsize>``: opaque bytes, which a reader compares by size only."""
    dt = np.dtype(dtype)
    described = _describe(dt, 1)
    return described if described is not None else f"|V{dt.itemsize}"


def line_of(
    name: str, kind: str, params: Dict[str, int], dtype: Any = None, value_dtype: Any = None
) -> str:
    """The schema line describing entry ``name``: one JSON object, without its line break
    (``value_dtype``: a map's value type)."""
    line: Dict[str, Any] = {"name": name, "kind": kind}
    if params:
        line["params"] = params
    if dtype is not None:
        line["type"] = type_from_dtype(dtype)
    if value_dtype is not None:
        line["value_type"] = type_from_dtype(value_dtype)
    return json.dumps(line, separators=(",", ":"), ensure_ascii=False)


def _recorded(
    segment: Any,
    name: str,
    kind: str,
    params: Optional[Dict[str, int]],
    dtype: Any,
    create,
    value_dtype: Any = None,
):
    """``create()`` (which creates the entry, or opens it if it exists), recording the line of
    the entry it creates in the segment's schema, if the segment has one; ``params`` None:
    only opening. Then the dtype is checked against the type the schema records, as the Rust
    crate's typed opens check theirs: :class:`~zeroipc.Corrupt` naming both where they
    disagree."""
    if name == ENTRY_NAME:
        return create()  # refused by the crate, with its own error
    if params is None:
        made = create()
    else:
        made = _native.recording(line_of(name, kind, params, dtype, value_dtype), create)
    _native.check_type(segment, line_of(name, kind, {}, dtype))
    return made


def _entry(line: str) -> SchemaEntry:
    obj = json.loads(line)
    return SchemaEntry(
        name=obj["name"],
        kind=obj["kind"],
        params=dict(obj.get("params", {})),
        type=obj.get("type"),
        doc=obj.get("doc"),
        parts=list(obj.get("parts", [])),
        value_type=obj.get("value_type"),
    )


def read_schema(memory: Memory) -> Optional[Dict[str, SchemaEntry]]:
    """The schema of ``memory``, read and checked now: entry name to :class:`SchemaEntry`, in
    the order written; None for a segment without a schema entry.

    Raises :class:`~zeroipc.Corrupt` for a damaged schema."""
    lines = _native.schema_lines(memory)
    if lines is None:
        return None
    entries = (_entry(line) for line in lines)
    return {e.name: e for e in entries}


def _array(memory: Memory, entry: SchemaEntry, dt: np.dtype) -> Any:
    from .array import Array

    if dt.subdtype is None:
        array = Array(memory, entry.name, dtype=dt)
    else:
        # A sub-array element (Rust's `[T; n]`): opened as bytes of its size, viewed with
        # the element's shape.
        base, shape = dt.subdtype
        array = Array(memory, entry.name, dtype=np.dtype(("V", dt.itemsize)))
        array.data = array.data.view(base).reshape((array.capacity,) + shape)
        array.dtype = dt
    return array


def _open(memory: Memory, entry: SchemaEntry) -> Any:
    """The typed object for a described entry, or the entry itself for a kind this package
    cannot open by its description."""
    from ._native import Barrier, Event, Latch, Monitor, Mutex, Once, RWLock, Semaphore, Signal
    from .map import Map, Pool, Ring, Set
    from .queue import Queue
    from .stack import Stack

    dt = entry.dtype
    kind = entry.kind
    if kind == "array" and dt is not None:
        return _array(memory, entry, dt)
    if kind == "queue" and dt is not None:
        return Queue(memory, entry.name, dtype=dt)
    if kind == "stack" and dt is not None:
        return Stack(memory, entry.name, dtype=dt)
    if kind == "map" and dt is not None and entry.value_type is not None:
        return Map(memory, entry.name, dt, entry.value_dtype)
    if kind == "set" and dt is not None:
        return Set(memory, entry.name, dt)
    if kind == "pool" and dt is not None:
        return Pool(memory, entry.name, dt)
    if kind == "ring" and dt is not None:
        return Ring(memory, entry.name, dt)
    if kind == "signal" and dt is not None:
        return Signal(memory, entry.name, dt, create=False, create_if_missing=False)
    simple = {
        "semaphore": Semaphore,
        "latch": Latch,
        "barrier": Barrier,
        "mutex": Mutex,
        "once": Once,
        "event": Event,
        "rwlock": RWLock,
        "monitor": Monitor,
    }
    if kind in simple:
        return simple[kind](memory, entry.name)
    return entry


class DescribedSegment:
    """A segment opened by its schema: every described entry as a typed object.

    ``segment["name"]`` (or ``segment.entries["name"]``) is an :class:`~zeroipc.Array` whose
    ``data`` has the declared dtype, a :class:`~zeroipc.Queue` or :class:`~zeroipc.Stack` of
    it, a :class:`~zeroipc.Map` of its key and value dtypes, a :class:`~zeroipc.Set`,
    :class:`~zeroipc.Pool` or :class:`~zeroipc.Ring`, a :class:`~zeroipc.Semaphore`,
    :class:`~zeroipc.Signal`...; an entry of a kind this package cannot open by its
    description (kinds it does not know) is its :class:`SchemaEntry`. :attr:`schema` holds every description.
    """

    def __init__(self, memory: Memory, schema: Dict[str, SchemaEntry]):
        self.memory = memory
        self.schema = schema
        self.entries: Dict[str, Any] = {name: _open(memory, e) for name, e in schema.items()}

    def __getitem__(self, name: str) -> Any:
        return self.entries[name]

    def __contains__(self, name: object) -> bool:
        return name in self.entries

    def __iter__(self) -> Iterator[str]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def close(self) -> None:
        """Close the segment (the objects keep their own share of the mapping)."""
        self.memory.close()

    def __enter__(self) -> "DescribedSegment":
        return self

    def __exit__(self, *args: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"DescribedSegment(name={self.memory.name!r}, entries={list(self.entries)})"


def open_segment(
    name: str, *, ready_timeout: float = 1.0, lock_timeout: float = DEFAULT_LOCK_TIMEOUT
) -> DescribedSegment:
    """Open the segment ``name`` and every entry its schema describes, typed by the schema.

    Raises :class:`~zeroipc.NotFound` if the segment has no schema entry (it was made
    without one: open its entries with a dtype instead), and :class:`~zeroipc.Corrupt` if
    the schema is damaged or an entry does not match its description.
    """
    from .errors import NotFound

    memory = Memory(name, ready_timeout=ready_timeout, lock_timeout=lock_timeout)
    try:
        schema = read_schema(memory)
        if schema is None:
            raise NotFound(ENTRY_NAME, "schema entry")
        return DescribedSegment(memory, schema)
    except BaseException:
        memory.close()
        raise


__all__ = [
    "DEFAULT_SCHEMA_BYTES",
    "DescribedSegment",
    "ENTRY_NAME",
    "SchemaEntry",
    "dtype_from_type",
    "open_segment",
    "read_schema",
    "type_from_dtype",
]
