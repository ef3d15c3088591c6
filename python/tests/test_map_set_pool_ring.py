"""Map, Set, Pool and Ring: their behaviour, and the C++ implementation's reference segment
(tests/vectors/golden-cpp-ext.bin) read entry by entry as tests/vectors/README-ext.md lists
it."""

import re
import threading

import numpy as np
import pytest
from shm_helpers import VECTORS, write_raw_segment

from zeroipc import (
    ElementSizeMismatch,
    ElementTypeError,
    Full,
    Map,
    Memory,
    NotFound,
    Pool,
    Queue,
    Ring,
    Set,
    ZeroIPCError,
)

PAIR = np.dtype([("a", "<i4"), ("b", "<i4")])

# ---- The reference segment, as README-ext.md lists it ------------------------------------

README = (VECTORS / "README-ext.md").read_text()


def section(name: str) -> str:
    """The text of the README's section about entry ``name`` (up to the next heading)."""
    match = re.search(r"^### `" + re.escape(name) + r"`.*?$(.*?)(?=^##)", README, re.M | re.S)
    assert match, f"README-ext.md has no section for {name}"
    return match.group(1)


def rows(name: str):
    """The cells of each row of the section's table (header and rule left out)."""
    out = []
    for line in section(name).splitlines():
        if not line.startswith("| ") or line.startswith("| ---"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells[0] in ("slot", "node"):
            continue
        out.append(cells)
    return out


def key_bytes(cell: str) -> bytes:
    return bytes.fromhex(cell.strip("`").replace(" ", ""))


def number(cell: str):
    return float(cell) if "." in cell else int(cell)


@pytest.fixture
def golden_ext(shm_name):
    write_raw_segment(shm_name, (VECTORS / "golden-cpp-ext.bin").read_bytes())
    with Memory(shm_name) as memory:
        yield memory


# (entry, key dtype, value dtype)
MAPS = [
    ("m_i32", np.int32, np.int32),
    ("m_u64_f64", np.uint64, np.float64),
    ("m_f64_i32", np.float64, np.int32),
    ("m_pair", PAIR, np.uint32),
]


@pytest.mark.parametrize("entry,key_dtype,value_dtype", MAPS, ids=[m[0] for m in MAPS])
def test_every_listed_slot_of_the_reference_maps_is_found_with_its_value(
    golden_ext, entry, key_dtype, value_dtype
):
    m = Map(golden_ext, entry, key_dtype, value_dtype)
    listed = rows(entry)
    assert listed, "the README lists slots"
    occupied = [r for r in listed if r[2] == "1 OCCUPIED"]
    deleted = [r for r in listed if r[2] == "2 DELETED"]
    header = re.search(r"Header: size (\d+), capacity (\d+)", section(entry))
    assert (len(m), m.capacity) == (int(header.group(1)), int(header.group(2)))
    assert len(occupied) == len(m)
    keys = []
    for slot, _at, _state, _key, raw, value, *_ in occupied:
        key = np.frombuffer(key_bytes(raw), dtype=key_dtype)[0]
        keys.append(key_bytes(raw))
        assert key in m, f"slot {slot}"
        assert m.find(key) == number(value), f"slot {slot}"
        assert m[key] == number(value)
    for slot, _at, _state, _key, raw, *_ in deleted:
        key = np.frombuffer(key_bytes(raw), dtype=key_dtype)[0]
        assert key not in m, f"tombstone at slot {slot}"
        assert m.find(key) is None
    # In slot order: every key where the README puts it, and no other.
    found = [np.asarray(k, dtype=key_dtype).tobytes() for k in m]
    assert found == keys
    assert [v for _, v in m.items()] == [number(r[5]) for r in occupied]


def test_the_reference_float_map_finds_minus_zero_only_by_its_own_bytes(golden_ext):
    m = Map(golden_ext, "m_f64_i32", np.float64, np.int32)
    assert m.find(-0.0) == 4
    # README-ext.md: +0.0 hashes to home 9, an EMPTY slot, so C++ found nothing either.
    assert m.find(0.0) is None


@pytest.mark.parametrize(
    "entry,dtype", [("s_i32", np.int32), ("s_u64", np.uint64)], ids=["s_i32", "s_u64"]
)
def test_every_listed_value_of_the_reference_sets_is_there(golden_ext, entry, dtype):
    s = Set(golden_ext, entry, dtype)
    listed = rows(entry)
    occupied = [int(r[3]) for r in listed if r[2] == "1 OCCUPIED"]
    deleted = [int(r[3]) for r in listed if r[2] == "2 DELETED"]
    assert len(s) == len(occupied)
    assert list(s) == occupied, "in slot order"
    for value in occupied:
        assert value in s
    for value in deleted:
        assert value not in s
    assert all(isinstance(v, int) for v in s)


def pool_nodes(entry: str):
    """Node index -> (data, next) for every node the README's table lists."""
    nodes = {}
    for node, _at, data, nxt, _status in rows(entry):
        first, _, last = node.partition("..")
        for i in range(int(first), int(last or first) + 1):
            link = 0xFFFFFFFF if "0xFFFFFFFF" in nxt else (i + 1 if nxt == "i + 1" else int(nxt))
            nodes[i] = (int(data), link)
    return nodes


@pytest.mark.parametrize(
    "entry,dtype", [("pool_i64", np.int64), ("pool_i32", np.int32)], ids=["pool_i64", "pool_i32"]
)
def test_the_reference_pools_hold_every_node_and_hand_out_the_free_list_in_order(
    golden_ext, entry, dtype
):
    text = section(entry)
    allocated = int(re.search(r"allocated (\d+)", text).group(1))
    capacity = int(re.search(r"capacity (\d+)", text).group(1))
    head = int(re.search(r"free_head = `0x([0-9A-Fa-f]{16})`", text).group(1), 16) & 0xFFFFFFFF
    nodes = pool_nodes(entry)
    assert sorted(nodes) == list(range(capacity))

    pool = Pool(golden_ext, entry, dtype)
    assert (len(pool), pool.capacity) == (allocated, capacity)
    for i, (data, _) in nodes.items():
        assert pool[i] == data, f"node {i}"

    # The free list, link by link, is the order in which the nodes are handed out.
    expected = []
    while head != 0xFFFFFFFF:
        expected.append(head)
        head = nodes[head][1]
    assert len(expected) == capacity - allocated
    assert [pool.allocate() for _ in expected] == expected
    assert pool.allocate() is None
    assert len(pool) == capacity


@pytest.mark.parametrize(
    "entry,dtype", [("ring_f32", np.float32), ("st_buffer", np.int32)], ids=["ring_f32", "st_buffer"]
)
def test_the_reference_rings_give_their_unread_elements_in_order(golden_ext, entry, dtype):
    text = section(entry if entry == "ring_f32" else "st")
    write = int(re.search(r"write_pos u64 = (\d+)", text).group(1))
    read = int(re.search(r"read_pos u64 = (\d+)", text).group(1))
    capacity_bytes = int(re.search(r"\bcapacity u32 = (\d+)", text).group(1))
    size = np.dtype(dtype).itemsize
    ring = Ring(golden_ext, entry, dtype)
    assert (ring.capacity, len(ring)) == (capacity_bytes // size, (write - read) // size)
    if entry == "ring_f32":
        # "element i = i + 0.5 ... elements 0..2 have been read, 3..9 are unread"
        expected = [i + 0.5 for i in range(read // size, write // size)]
    else:
        # "1, 2, 3, 4, 5 at 7608, ..."
        expected = [1, 2, 3, 4, 5]
    assert ring.peek().tolist() == expected
    got = ring.read(100)
    assert got.dtype == np.dtype(dtype)
    assert got.tolist() == expected
    assert len(ring) == 0 and ring.read(1).size == 0


def test_a_structure_of_another_element_size_is_refused(golden_ext):
    with pytest.raises(ElementSizeMismatch):
        Map(golden_ext, "m_i32", np.int64, np.int32)
    with pytest.raises(ElementSizeMismatch):
        Set(golden_ext, "s_u64", np.uint32)
    with pytest.raises(ElementSizeMismatch):
        Pool(golden_ext, "pool_i32", np.int64)
    with pytest.raises(ElementSizeMismatch):
        Ring(golden_ext, "ring_f32", np.float64)


# ---- Behaviour ---------------------------------------------------------------------------


def test_a_map_inserts_finds_updates_and_erases_with_upstream_names(mem):
    m = Map(mem, "ages", np.uint32, np.uint16, 64)
    assert m.capacity == 64 and len(m) == 0 and not m
    assert m.insert(7, 30) is True
    m[8] = 31
    assert m.find(7) == 30 and m[8] == 31 and m.find(9) is None
    assert m.get(9, -1) == -1
    assert m.insert(7, 32) and len(m) == 2, "an update keeps the count"
    assert 7 in m and 9 not in m and m.contains(8)
    assert sorted(m) == [7, 8]
    assert dict(m.items()) == {7: 32, 8: 31}
    assert sorted(m.values()) == [31, 32]
    assert m.erase(7) is True and m.erase(7) is False
    del m[8]
    with pytest.raises(KeyError):
        del m[8]
    with pytest.raises(KeyError):
        m[8]
    assert len(m) == 0 and m.empty()


def test_a_map_opened_again_sees_the_same_entries(mem):
    Map(mem, "m", np.int64, np.float64, 16)[-5] = 2.5
    again = Map(mem, "m", np.int64, np.float64)
    assert again[-5] == 2.5
    assert again.offset == mem.table.find("m").offset
    with pytest.raises(NotFound):
        Map(mem, "nothing", np.int64, np.float64)


def test_map_keys_and_values_are_converted_strictly(mem):
    m = Map(mem, "m", np.int32, np.int16, 8)
    with pytest.raises(TypeError):
        m[1.5] = 1
    with pytest.raises(ElementTypeError):
        m.insert(1, 2.5)
    with pytest.raises(OverflowError):
        m[1] = 1 << 20
    with pytest.raises(TypeError):
        "1" in m  # noqa: B015
    assert len(m) == 0, "a refused call changes nothing"
    m[np.int32(3)] = np.int16(4)
    assert m[3] == 4


def test_a_full_map_refuses_a_new_key_but_updates_a_present_one(mem):
    m = Map(mem, "m", np.int8, np.int8, 2)
    assert m.insert(1, 1) and m.insert(2, 2)
    assert m.insert(3, 3) is False
    with pytest.raises(Full):
        m[3] = 3
    assert m.insert(1, 5) and m[1] == 5
    # A tombstone is reused only by its own key: the map stays full for others.
    assert m.erase(2)
    assert m.insert(3, 3) is False
    assert m.insert(2, 6) and m[2] == 6


def test_a_map_keyed_by_records_and_a_record_valued_map(mem):
    m = Map(mem, "pairs", PAIR, np.uint32, 16)
    m[(1, 2)] = 12
    m[np.array((3, 4), dtype=PAIR)[()]] = 34
    assert m[(1, 2)] == 12 and m[(3, 4)] == 34 and (2, 1) not in m
    point = np.dtype([("x", "<f4"), ("y", "<f4")], align=True)
    r = Map(mem, "points", np.uint16, point, 4)
    r[1] = (0.5, 1.5)
    assert tuple(r[1]) == (0.5, 1.5)


def test_a_set_inserts_once_and_erases(mem):
    s = Set(mem, "seen", np.uint64, 32)
    assert s.insert(42) is True and s.insert(42) is False
    s.add(7)
    assert 42 in s and s.contains(7) and 8 not in s
    assert len(s) == 2 and sorted(s) == [7, 42]
    assert s.erase(42) and not s.erase(42)
    s.discard(42)
    assert list(s) == [7]
    tiny = Set(mem, "tiny", np.int16, 1)
    assert tiny.insert(1) and tiny.insert(2) is False
    with pytest.raises(Full):
        tiny.add(2)


def test_a_pool_hands_out_each_node_once_and_takes_it_back(mem):
    pool = Pool(mem, "p", np.float64, 3)
    got = [pool.allocate() for _ in range(3)]
    assert sorted(got) == [0, 1, 2] and pool.allocate() is None
    assert len(pool) == 3 and pool.full()
    pool[got[0]] = 1.25
    pool.set(got[1], 2.5)
    assert pool.get(got[0]) == 1.25 and pool[got[1]] == 2.5
    pool.free(got[1])
    assert len(pool) == 2
    assert pool.allocate() == got[1], "the freed node is the next handed out"
    with pytest.raises(IndexError):
        pool[3]
    with pytest.raises(IndexError):
        pool.free(-1)
    with pytest.raises(ElementTypeError):
        pool[0] = "x"


def test_a_pool_refuses_a_double_free_of_its_free_lists_head(mem):
    from zeroipc import Corrupt

    pool = Pool(mem, "p", np.int32, 2)
    node = pool.allocate()
    pool.free(node)
    with pytest.raises(Corrupt):
        pool.free(node)
    assert len(pool) == 0


def test_a_ring_writes_what_fits_and_reads_in_order(mem):
    ring = Ring(mem, "r", np.int32, 4)
    assert ring.capacity == 4 and len(ring) == 0
    assert mem.table.find("r").size == 24 + 16, "the header stores bytes"
    assert ring.write(np.arange(6, dtype=np.int32)) == 4
    assert ring.full() and ring.write([9]) == 0
    assert ring.read(3).tolist() == [0, 1, 2]
    assert ring.write([4, 5]) == 2, "wraps around"
    out = np.zeros(8, dtype=np.int32)
    assert ring.read_into(out) == 3
    assert out[:3].tolist() == [3, 4, 5]
    assert ring.push(11) and ring.pop() == 11 and ring.pop() is None
    with pytest.raises(ValueError):
        ring.write(np.arange(3, dtype=np.int64))
    with pytest.raises(ValueError):
        ring.read_into(np.zeros(3, dtype=np.int32)[::2])


def test_a_ring_moves_records(mem):
    rec = np.dtype([("id", "<u4"), ("v", "<f8")])
    ring = Ring(mem, "recs", rec, 8)
    data = np.array([(1, 0.5), (2, 1.5)], dtype=rec)
    assert ring.write(data) == 2
    back = ring.read(8)
    assert back.dtype == rec and back.tolist() == data.tolist()


def test_python_threads_insert_into_one_map_while_the_gil_is_released(mem):
    m = Map(mem, "m", np.int64, np.int64, 4096)
    errors = []

    def worker(base):
        try:
            for i in range(500):
                m[base + i] = i
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(t * 1000,)) for t in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(m) == 2000
    assert all(m[t * 1000 + i] == i for t in range(4) for i in range(0, 500, 37))


def test_the_structures_are_entries_of_their_segment(mem):
    Map(mem, "m", np.int32, np.int32, 64)
    Set(mem, "s", np.int32, 32)
    Pool(mem, "p", np.int64, 16)
    Ring(mem, "r", np.float32, 64)
    sizes = {e.name: e.size for e in mem.table.entries()}
    # As the C++ implementation sizes them (README-ext.md's table): 784, 272, 280, 280.
    assert sizes == {"m": 784, "s": 272, "p": 280, "r": 280}
    # A queue's bytes are not a ring's.
    Queue(mem, "q", 4, np.int32)
    with pytest.raises(ZeroIPCError):
        Ring(mem, "q", np.int32)
