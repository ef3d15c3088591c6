"""The schema entry from Python: what Python records, what open_segment builds from it, and
damaged schemas refused with an error."""

import json
import struct

import numpy as np
import pytest

from zeroipc import (
    Array,
    Corrupt,
    InvalidName,
    Map,
    Memory,
    NotFound,
    Pool,
    Queue,
    Ring,
    Semaphore,
    Set,
    Signal,
    Stack,
    open_segment,
    read_schema,
)
from zeroipc.schema import ENTRY_NAME, dtype_from_type, type_from_dtype

SAMPLE = np.dtype([("t", "<f8"), ("xyz", "<f4", (3,)), ("id", "<u4")])
SAMPLE_TYPE = {
    "record": "",
    "itemsize": 24,
    "fields": [
        {"name": "t", "offset": 0, "type": "<f8"},
        {"name": "xyz", "offset": 8, "type": {"shape": [3], "type": "<f4"}},
        {"name": "id", "offset": 20, "type": "<u4"},
    ],
}


def test_dtypes_and_schema_types_convert_both_ways():
    assert type_from_dtype(SAMPLE) == SAMPLE_TYPE
    assert dtype_from_type(SAMPLE_TYPE) == SAMPLE
    for dt in ("<f4", "<f8", "|u1", "|i1", "<u2", "<i2", "<u4", "<i4", "<u8", "<i8"):
        assert type_from_dtype(dt) == dt
        assert dtype_from_type(dt) == np.dtype(dt)
    assert type_from_dtype(np.float32) == "<f4"
    padded = np.dtype({"names": ["a", "b"], "formats": ["<u2", "<f8"], "offsets": [0, 8], "itemsize": 24})
    assert dtype_from_type(type_from_dtype(padded)) == padded
    assert dtype_from_type({"shape": [2, 3], "type": "<i2"}) == np.dtype(("<i2", (2, 3)))


def test_a_dtype_the_schema_cannot_describe_is_opaque_bytes_of_its_size():
    assert type_from_dtype(">f4") == "|V4"
    assert type_from_dtype(np.bool_) == "|V1"
    assert type_from_dtype(np.complex64) == "|V8"
    assert type_from_dtype([("flag", "?"), ("x", "<f4")]) == "|V5"  # a field it cannot describe
    deep = np.dtype("<f4")
    for _ in range(6):
        deep = np.dtype([("inner", deep)])
    assert type_from_dtype(deep) == "|V4"  # nested deeper than the schema allows
    assert dtype_from_type("|V12") == np.dtype("V12")


def test_python_records_what_it_creates_in_a_segment_with_a_schema(shm_name):
    with Memory(shm_name, 1 << 16, schema=True) as mem:
        Array(mem, "temps", 8, np.float32)
        Array(mem, "samples", 3, SAMPLE)
        Queue(mem, "pending", 3, SAMPLE)  # rounded up to 4
        Stack(mem, "jobs", 5, np.int16)
        Semaphore(mem, "slots", 2, 5)
        Array(mem, "temps", 8, np.float32)  # opening adds nothing
        schema = read_schema(mem)
    assert list(schema) == ["temps", "samples", "pending", "jobs", "slots"]
    temps = schema["temps"]
    assert (temps.kind, temps.params, temps.type) == ("array", {"len": 8}, "<f4")
    assert schema["samples"].type == SAMPLE_TYPE and schema["samples"].dtype == SAMPLE
    assert (schema["pending"].kind, schema["pending"].params) == ("queue", {"capacity": 4})
    jobs = schema["jobs"]
    assert (jobs.kind, jobs.params, jobs.type) == ("stack", {"capacity": 5}, "<i2")
    assert (schema["slots"].kind, schema["slots"].params) == ("semaphore", {"count": 2, "max": 5})


def test_a_segment_without_a_schema_records_nothing(shm_name):
    with Memory(shm_name, 1 << 16) as mem:
        Array(mem, "temps", 8, np.float32)
        assert read_schema(mem) is None
        assert [e.name for e in mem.table.entries()] == ["temps"]
    with pytest.raises(NotFound):
        open_segment(shm_name)


def test_open_segment_types_every_described_entry(shm_name):
    with Memory(shm_name, 1 << 16, schema=True) as mem:
        Array(mem, "temps", 8, np.float32)[:] = np.arange(8) * 0.5
        samples = Array(mem, "samples", 3, SAMPLE)
        samples.data["id"] = [7, 8, 9]
        samples.data["xyz"][1] = (1.5, 2.5, 3.5)
        q = Queue(mem, "pending", 4, SAMPLE)
        assert q.push((2.0, (1.0, 2.0, 3.0), 42))
        s = Stack(mem, "jobs", 4, np.int64)
        assert s.push(-5)
        Semaphore(mem, "slots", 2, 5)
        Signal(mem, "latest", SAMPLE, (0.25, (0, 0, 1), 3))
        del q, s

    with open_segment(shm_name) as seg:
        assert sorted(seg) == ["jobs", "latest", "pending", "samples", "slots", "temps"]
        assert seg["temps"].data.dtype == np.float32
        assert seg["temps"].data.tolist() == [i * 0.5 for i in range(8)]
        assert seg["samples"].data.dtype == SAMPLE
        assert seg["samples"].data["id"].tolist() == [7, 8, 9]
        assert seg["samples"].data["xyz"][1].tolist() == [1.5, 2.5, 3.5]
        record = seg["pending"].pop()
        assert (record["t"], record["xyz"].tolist(), record["id"]) == (2.0, [1.0, 2.0, 3.0], 42)
        assert seg["jobs"].pop() == -5 and seg["jobs"].dtype == np.int64
        assert (seg["slots"].count, seg["slots"].max_count) == (2, 5)
        latest = seg["latest"].get()
        assert (latest["t"], latest["id"]) == (0.25, 3)
        assert (seg.schema["latest"].kind, seg.schema["latest"].type) == ("signal", SAMPLE_TYPE)


def test_an_array_of_sub_arrays_opens_with_their_shape(shm_name):
    with Memory(shm_name, 1 << 16, schema=True) as mem:
        triples = Array(mem, "triples", 4, [("v", "<u2", (3,))])
        triples.data["v"][2] = (1, 2, 3)
    # As a declaration of `Array<[u16; 3]>` writes it: a sub-array, not a record.
    with Memory(shm_name) as mem:
        offset = mem.table.find(ENTRY_NAME).offset
        length = struct.unpack_from("<I", mem.mmap, offset + 8)[0]
        text = bytes(mem.mmap[offset + 16 : offset + 16 + length]).replace(
            b'{"record":"","itemsize":6,"fields":[{"name":"v","offset":0,'
            b'"type":{"shape":[3],"type":"<u2"}}]}',
            b'{"shape":[3],"type":"<u2"}',
        )
        mem.mmap[offset + 16 : offset + 16 + len(text)] = text
        struct.pack_into("<I", mem.mmap, offset + 8, len(text))
    with open_segment(shm_name) as seg:
        assert seg["triples"].data.shape == (4, 3)
        assert seg["triples"].data[2].tolist() == [1, 2, 3]


def test_kinds_python_cannot_open_are_their_description(shm_name):
    with Memory(shm_name, 1 << 16, schema=True) as mem:
        mem.allocate("table", 64)
        mem.allocate("later", 64)
        _write_text(
            mem,
            _text(mem)
            # A map whose line gives no value type, and a kind of a later version.
            + b'{"name":"table","kind":"map","params":{"capacity":4},"type":"<u4"}\n'
            + b'{"name":"later","kind":"future_kind","type":"<u2"}\n',
        )
    with open_segment(shm_name) as seg:
        entry = seg["table"]
        assert (entry.kind, entry.params, entry.type) == ("map", {"capacity": 4}, "<u4")
        assert entry.dtype == np.dtype("<u4") and entry.value_dtype is None
        assert seg["later"].kind == "future_kind"


def test_maps_sets_pools_and_rings_are_recorded_and_open_typed(shm_name):
    with Memory(shm_name, 1 << 16, schema=True) as mem:
        scores = Map(mem, "scores", np.uint32, SAMPLE, 8)
        scores[3] = (1.5, (1.0, 2.0, 3.0), 9)
        Set(mem, "seen", np.int16, 8).insert(-4)
        pool = Pool(mem, "nodes", np.float64, 4)
        pool[pool.allocate()] = 2.5
        Ring(mem, "samples", np.uint16, 10).write([7, 8])
        schema = read_schema(mem)
    line = schema["scores"]
    assert (line.kind, line.params, line.type, line.value_dtype) == ("map", {"capacity": 8}, "<u4", SAMPLE)
    assert (schema["seen"].kind, schema["seen"].type, schema["seen"].value_type) == ("set", "<i2", None)
    assert (schema["nodes"].kind, schema["nodes"].params, schema["nodes"].type) == ("pool", {"capacity": 4}, "<f8")
    assert (schema["samples"].kind, schema["samples"].params) == ("ring", {"capacity": 10})
    with open_segment(shm_name) as seg:
        record = seg["scores"].find(3)
        assert (record["t"], record["xyz"].tolist(), record["id"]) == (1.5, [1.0, 2.0, 3.0], 9)
        assert -4 in seg["seen"] and len(seg["seen"]) == 1
        assert seg["nodes"].dtype == np.float64 and len(seg["nodes"]) == 1
        assert seg["samples"].read(5).tolist() == [7, 8]


def test_the_schema_entry_name_is_refused_for_a_structure(shm_name):
    with Memory(shm_name, 1 << 16, schema=True) as mem:
        with pytest.raises(InvalidName):
            Array(mem, ENTRY_NAME, 4, np.float32)
        assert [e.name for e in mem.table.entries()] == [ENTRY_NAME]


def test_schema_room_must_be_a_size_inside_the_segment(shm_name):
    for room in (0, 1 << 20, "yes", 1.5):
        with pytest.raises(ValueError):
            Memory(shm_name, 1 << 16, schema=room)
    assert not Memory.unlink(shm_name)  # nothing was created


# ---- damaged schemas --------------------------------------------------------------------


def _text(mem: Memory) -> bytes:
    offset = mem.table.find(ENTRY_NAME).offset
    length = struct.unpack_from("<I", mem.mmap, offset + 8)[0]
    return bytes(mem.mmap[offset + 16 : offset + 16 + length])


def _write_text(mem: Memory, text: bytes, *, length=None, version=1, magic=b"ZSCH") -> None:
    """Overwrite the schema entry: header and text, as a hostile process could."""
    entry = mem.table.find(ENTRY_NAME)
    room = entry.size - 16
    assert len(text) <= room
    struct.pack_into("<4sII", mem.mmap, entry.offset, magic, version, len(text) if length is None else length)
    mem.mmap[entry.offset + 16 : entry.offset + 16 + len(text)] = text


def _line(**obj) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode() + b"\n"


def _nested(depth: int):
    ty = "<f4"
    for _ in range(depth - 1):
        ty = {"shape": [1], "type": ty}
    return ty


HOSTILE = {
    "truncated line": lambda good: good[:-5],
    "length past the entry": "past",
    "oversized length": "oversized",
    "wrong version": "version",
    "wrong magic": "magic",
    "not UTF-8": lambda good: good + b"\xff\xfe\n",
    "not JSON": lambda good: good + b"{name: temps}\n",
    "a name the table does not hold": lambda good: good + _line(name="ghost", kind="array"),
    "a name described twice": lambda good: good + good,
    "the schema describing itself": lambda good: good + _line(name=ENTRY_NAME, kind="array"),
    "types nested too deep": lambda good: _line(name="temps", kind="array", type=_nested(7)),
    "JSON nested absurdly deep": lambda good: (
        b'{"name":"temps","kind":"array","x":' + b"[" * 5000 + b"]" * 5000 + b"}\n"
    ),
    "records within records too deep": lambda good: _line(
        name="temps",
        kind="array",
        type=_records(8),
    ),
    "a field outside its record": lambda good: _line(
        name="temps",
        kind="array",
        type={"record": "R", "itemsize": 4, "fields": [{"name": "x", "offset": 2, "type": "<f4"}]},
    ),
    "an unknown type string": lambda good: _line(name="temps", kind="array", type="<c16"),
    "an absurd shape": lambda good: _line(
        name="temps", kind="array", type={"shape": [1 << 40, 1 << 40], "type": "<f8"}
    ),
    "a line too long": lambda good: _line(name="temps", kind="array", doc="x" * 70000),
}


def _records(depth: int):
    ty = "<f4"
    for _ in range(depth):
        ty = {"record": "R", "itemsize": 4, "fields": [{"name": "inner", "offset": 0, "type": ty}]}
    return ty


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_damaged_schema_is_refused_with_an_error(new_name, case):
    name = new_name()
    with Memory(name, 1 << 18, schema=200_000) as mem:
        Array(mem, "temps", 4, np.float32)
        good = _text(mem)
        assert read_schema(mem)["temps"].type == "<f4"
        entry_size = mem.table.find(ENTRY_NAME).size
        how = HOSTILE[case]
        if how == "past":
            _write_text(mem, good, length=entry_size - 16 + 1)
        elif how == "oversized":
            _write_text(mem, good, length=(1 << 20) + 1)
        elif how == "version":
            _write_text(mem, good, version=2)
        elif how == "magic":
            _write_text(mem, good, magic=b"ZSCX")
        else:
            _write_text(mem, how(good))
        with pytest.raises(Corrupt) as raised:
            read_schema(mem)
        assert "schema" in str(raised.value)
    with pytest.raises(Corrupt):
        open_segment(name)


def test_opening_with_a_dtype_the_schema_disagrees_with_is_refused(shm_name):
    with Memory(shm_name, 1 << 16, schema=True) as mem:
        Array(mem, "temps", 8, np.float32)
        Queue(mem, "pending", 4, SAMPLE)
        with pytest.raises(Corrupt, match="temps") as raised:
            Array(mem, "temps", dtype=np.int32)  # same size, another kind
        assert "f32 (<f4)" in str(raised.value) and "i32 (<i4)" in str(raised.value)
        with pytest.raises(Corrupt, match="temps"):
            Array(mem, "temps", 8, np.int32)  # create-or-open finds it
        renamed = np.dtype([("t", "<f8"), ("xyz", "<f4", (3,)), ("key", "<u4")])
        with pytest.raises(Corrupt, match="pending"):
            Queue(mem, "pending", dtype=renamed)
        # Opaque bytes of the size agree with any type; the recorded dtype itself agrees.
        assert Array(mem, "temps", dtype="V4").capacity == 8
        assert Queue(mem, "pending", dtype=SAMPLE).capacity == 4
        # A signal too: its value type is checked at open.
        Signal(mem, "latest", np.float64, 0.5)
        with pytest.raises(Corrupt, match="latest"):
            Signal(mem, "latest", np.int64, create=False)
        assert Signal(mem, "latest", np.float64, create=False).get() == 0.5


def test_open_segment_opens_every_synchronisation_kind(shm_name):
    from zeroipc import Barrier, Event, Latch, Monitor, Mutex, Once, RWLock

    with Memory(shm_name, 1 << 18, max_entries=32, schema=True) as mem:
        made = {
            "mutex": Mutex(mem, "mutex", create=True),
            "once": Once(mem, "once", create=True),
            "latch": Latch(mem, "latch", 3),
            "barrier": Barrier(mem, "barrier", 4),
            "event": Event(mem, "event", True, create=True),
            "rwlock": RWLock(mem, "rwlock", create=True),
            "monitor": Monitor(mem, "monitor", create=True),
        }
        made["latch"].count_down()
        made["event"].set()
        del made
    with open_segment(shm_name) as seg:
        assert {name: type(obj) for name, obj in seg.entries.items()} == {
            "mutex": Mutex,
            "once": Once,
            "latch": Latch,
            "barrier": Barrier,
            "event": Event,
            "rwlock": RWLock,
            "monitor": Monitor,
        }
        assert seg["latch"].count == 2
        assert seg["barrier"].num_participants == 4
        assert seg["event"].is_set() and seg["event"].manual_reset
        assert seg["mutex"].lock(timeout=1.0)
        seg["mutex"].unlock()
