"""Segments written wrongly, by mistake or on purpose: each is refused with its own error."""

import random
import struct

import numpy as np
import pytest
from shm_helpers import VECTORS, write_raw_segment

from zeroipc import (
    Array,
    BadMagic,
    Barrier,
    Corrupt,
    ElementSizeMismatch,
    Latch,
    Memory,
    NotReady,
    Queue,
    Semaphore,
    Stack,
    UnsupportedVersion,
    ZeroIPCError,
)

MAGIC = 0x5A49504D
SIZE = 4096
MAX_ENTRIES = 4
TABLE_END = 32 + 48 * MAX_ENTRIES  # 224


def image(
    entries=(),
    *,
    size=SIZE,
    max_entries=MAX_ENTRIES,
    magic=MAGIC,
    version=2,
    entry_count=None,
    memory_size=None,
    next_offset=None,
):
    """A segment image: header, the given ``(name, offset, size)`` entries, zeros elsewhere."""
    data = bytearray(size)
    if next_offset is None:
        next_offset = max([32 + 48 * max_entries] + [offset + length for _, offset, length in entries])
    struct.pack_into(
        "<IIIIQQ",
        data,
        0,
        magic,
        version,
        len(entries) if entry_count is None else entry_count,
        max_entries,
        size if memory_size is None else memory_size,
        next_offset,
    )
    for index, (name, offset, length) in enumerate(entries):
        raw = name if isinstance(name, bytes) else name.encode()
        struct.pack_into("<32sQQ", data, 32 + 48 * index, raw, offset, length)
    return data


def open_raw(name, data, **options):
    write_raw_segment(name, bytes(data))
    return Memory(name, **options)


def test_a_well_formed_image_opens(shm_name):
    with open_raw(shm_name, image([("a", TABLE_END, 16)])) as memory:
        assert memory.table.find("a") == ("a", TABLE_END, 16)


def test_bad_magic_is_refused(shm_name):
    with pytest.raises(BadMagic) as caught:
        open_raw(shm_name, image(magic=0xDEADBEEF))
    assert caught.value.found == 0xDEADBEEF


@pytest.mark.parametrize("version", [0, 1, 3, 0xFFFFFFFF])
def test_another_version_is_refused(shm_name, version):
    with pytest.raises(UnsupportedVersion) as caught:
        open_raw(shm_name, image(version=version))
    assert caught.value.found == version


def test_entry_count_above_max_entries_is_refused(shm_name):
    with pytest.raises(Corrupt, match="entry_count 5 is larger than max_entries 4"):
        open_raw(shm_name, image(entry_count=5))


def test_a_table_bigger_than_the_segment_is_refused(shm_name):
    with pytest.raises(Corrupt, match="(a table of 100 entries|the table) needs 4832 bytes"):
        open_raw(shm_name, image(max_entries=100, next_offset=4832))


def test_memory_size_beyond_the_segment_is_refused(shm_name):
    with pytest.raises(
        Corrupt,
        match="memory_size (8192 is larger than the segment's real size|is 8192 bytes but the segment has)"
        " 4096",
    ):
        open_raw(shm_name, image(memory_size=8192))


def test_an_entry_past_the_end_is_refused(shm_name):
    with pytest.raises(Corrupt, match="reach(es)? past the segment"):
        open_raw(shm_name, image([("a", 4000, 200)], next_offset=4096))


@pytest.mark.parametrize("offset, length", [(2**64 - 8, 16), (TABLE_END, 2**64 - 8)])
def test_an_entry_whose_end_overflows_u64_is_refused(shm_name, offset, length):
    with pytest.raises(Corrupt, match="reach(es)? past the segment"):
        open_raw(shm_name, image([("a", offset, length)], next_offset=4096))


def test_a_misaligned_entry_is_refused(shm_name):
    with pytest.raises(Corrupt, match="not a multiple of 8"):
        open_raw(shm_name, image([("a", TABLE_END + 4, 16)]))


def test_overlapping_entries_are_refused(shm_name):
    with pytest.raises(Corrupt, match="""(overlaps entry 'a'|entries "a" and "b" overlap)""") as caught:
        open_raw(shm_name, image([("a", TABLE_END, 64), ("b", TABLE_END + 32, 64)]))
    assert caught.value.name == "b"


def test_an_entry_inside_the_table_is_refused(shm_name):
    with pytest.raises(Corrupt, match="inside the table"):
        open_raw(shm_name, image([("a", 32, 16)]))


def test_an_entry_name_without_nul_is_refused(shm_name):
    with pytest.raises(Corrupt, match="(no NUL terminator|not NUL-terminated)"):
        open_raw(shm_name, image([(b"n" * 32, TABLE_END, 16)]))


def test_an_entry_name_that_is_not_utf8_is_refused(shm_name):
    with pytest.raises(Corrupt, match="not (NUL-terminated )?UTF-8"):
        open_raw(shm_name, image([(b"\xff\xfe", TABLE_END, 16)]))


def test_duplicate_entry_names_are_refused(shm_name):
    with pytest.raises(Corrupt, match="two entries are named 'a'"):
        open_raw(shm_name, image([("a", TABLE_END, 16), ("a", TABLE_END + 16, 16)]))


def test_an_entry_ending_after_next_offset_is_refused(shm_name):
    with pytest.raises(Corrupt, match="(after next_offset|before an entry's end)"):
        open_raw(shm_name, image([("a", TABLE_END, 64)], next_offset=TABLE_END + 8))


def test_next_offset_past_the_segment_is_refused(shm_name):
    with pytest.raises(Corrupt, match="next_offset 5000"):
        open_raw(shm_name, image(next_offset=5000))


def test_a_segment_smaller_than_a_header_is_refused(shm_name):
    with pytest.raises(
        Corrupt, match="(smaller than the 32-byte table header|needs 32 bytes but the segment has 5)"
    ):
        open_raw(shm_name, b"\x4d\x50\x49\x5a\x02", ready_timeout=0.05)


@pytest.mark.parametrize("data", [b"", bytes(SIZE)], ids=["empty", "zeroed"])
def test_a_segment_never_published_is_not_ready(shm_name, data):
    with pytest.raises(NotReady):
        open_raw(shm_name, data, ready_timeout=0.05)


def array_image(capacity, length):
    data = image([("arr", TABLE_END, length)])
    struct.pack_into("<Q", data, TABLE_END, capacity)
    return data


def test_an_array_whose_capacity_does_not_match_its_size_is_refused(shm_name):
    with open_raw(shm_name, array_image(capacity=7, length=8 + 40)) as memory:
        with pytest.raises(
            Corrupt, match="capacity (of )?7 does not (match|fit) (the|its) entry size (of )?48"
        ):
            Array(memory, "arr", dtype=np.float32)


def test_an_array_with_a_huge_capacity_is_refused(shm_name):
    with open_raw(shm_name, array_image(capacity=2**64 - 1, length=8 + 40)) as memory:
        with pytest.raises(Corrupt, match="does not (match|fit) (the|its) entry size"):
            Array(memory, "arr", dtype=np.uint8)


def test_an_array_opened_with_another_element_size_is_refused(shm_name):
    with open_raw(shm_name, array_image(capacity=10, length=8 + 40)) as memory:
        with pytest.raises(ElementSizeMismatch) as caught:
            Array(memory, "arr", dtype=np.float64)
    assert (caught.value.expected, caught.value.found) == (8, 4)


def ring_image(kind, capacity, elem_size, length=None):
    """A segment with one queue or stack entry, "ring", whose header holds the given geometry."""
    if length is None:
        length = 16 + ((capacity * elem_size + 7) & ~7) + 4 * capacity
    data = image([("ring", TABLE_END, length)], size=max(SIZE, TABLE_END + length))
    if kind is Queue:
        struct.pack_into("<IIII", data, TABLE_END, 0, 0, capacity, elem_size)
    else:
        struct.pack_into("<iIII", data, TABLE_END, -1, capacity, elem_size, 0)
    return data


def test_a_queue_opened_with_another_element_size_is_refused(shm_name):
    with open_raw(shm_name, ring_image(Queue, 8, 4)) as memory:
        with pytest.raises(ElementSizeMismatch):
            Queue(memory, "ring", dtype=np.float64)


def test_a_stack_opened_with_another_element_size_is_refused(shm_name):
    with open_raw(shm_name, ring_image(Stack, 8, 4)) as memory:
        with pytest.raises(ElementSizeMismatch):
            Stack(memory, "ring", dtype=np.int16)


@pytest.mark.parametrize("capacity", [0, 1, 100, 3])
def test_a_queue_capacity_that_is_not_a_power_of_two_of_at_least_two_is_refused(shm_name, capacity):
    with open_raw(shm_name, ring_image(Queue, capacity, 4)) as memory:
        with pytest.raises(Corrupt, match=f"capacity {capacity} is (not a power of two|below 2)"):
            Queue(memory, "ring", dtype=np.int32)


@pytest.mark.parametrize("kind", [Queue, Stack])
def test_a_ring_whose_capacity_does_not_match_its_size_is_refused(shm_name, kind):
    with open_raw(shm_name, ring_image(kind, 8, 4, length=16 + 32 + 4 * 4)) as memory:
        with pytest.raises(
            Corrupt,
            match="(needs 80 bytes, but the entry has 64|capacity of 8 does not fit its entry size of 64)",
        ):
            kind(memory, "ring", dtype=np.int32)


@pytest.mark.parametrize("top", [-2, 8, 2**31 - 1])
def test_a_stack_top_outside_the_stack_is_refused(shm_name, top):
    data = ring_image(Stack, 8, 4)
    struct.pack_into("<i", data, TABLE_END, top)
    with open_raw(shm_name, data) as memory:
        # Refused when opened (the earlier Python code refused at each operation instead)...
        with pytest.raises(Corrupt, match=f"top is {top}, outside -1..8"):
            Stack(memory, "ring", dtype=np.int32)
        # ... and at each operation when it goes bad after the stack was opened.
        struct.pack_into("<i", memory.data, TABLE_END, -1)
        stack = Stack(memory, "ring", dtype=np.int32)
        struct.pack_into("<i", memory.data, TABLE_END, top)
        for operation in (stack.pop, lambda: stack.push(1), stack.top):
            with pytest.raises(Corrupt, match=f"top is {top}, outside -1..8"):
                operation()
        assert 0 <= len(stack) <= 8


def test_a_queue_sequence_ahead_of_its_counters_is_refused_not_spun_on(shm_name):
    data = ring_image(Queue, 8, 4)
    struct.pack_into("<8I", data, TABLE_END + 16 + 32, *[1000] * 8)
    with open_raw(shm_name, data) as memory:
        queue = Queue(memory, "ring", dtype=np.int32)
        # The Rust algorithm answers "nothing to claim" (full, empty) for slots no algorithm
        # leaves, rather than spinning on bytes that never change.
        assert queue.push(1) is False
        assert queue.pop() is None
        assert queue.push_wait(1, timeout=0.05) is False
        assert queue.pop_wait(timeout=0.05) is None


@pytest.mark.parametrize("kind, size", [(Semaphore, 8), (Latch, 32), (Barrier, 12)])
def test_a_synchronisation_entry_of_the_wrong_size_is_refused(shm_name, kind, size):
    with open_raw(shm_name, image([("sync", TABLE_END, size)])) as memory:
        with pytest.raises(Corrupt, match=f"size {size} is not the 16 bytes"):
            kind(memory, "sync")


@pytest.mark.parametrize(
    "kind, fields, problem",
    [
        (Semaphore, (1, 0, -1, 0), "max_count -1 is negative"),
        (Latch, (1, -4, 0, 0), "initial_count -4 is negative"),
        (Barrier, (0, 0, 0, 0), "num_participants 0 is not (positive|1 or more)"),
    ],
)
def test_synchronisation_fields_out_of_range_are_refused(shm_name, kind, fields, problem):
    data = image([("sync", TABLE_END, 16)])
    struct.pack_into("<iiii", data, TABLE_END, *fields)
    with open_raw(shm_name, data) as memory:
        with pytest.raises(Corrupt, match=problem):
            kind(memory, "sync")


GOLDEN = VECTORS / "golden-python-v2.bin"


@pytest.mark.skipif(not GOLDEN.is_file(), reason=f"no golden vector at {GOLDEN}")
def test_random_damage_to_the_golden_table_is_an_error_never_a_crash(new_name):
    """Bytes of the header, the table and the structure headers overwritten at random."""
    golden = GOLDEN.read_bytes()
    rng = random.Random(20240601)
    hot_spots = [0, 8, 12, 16, 24, 32, 72, 80, 120, 176, 216, 224, 264, 7416, 7424, 8456, 8460, 8464]
    opens = {
        "sensor_data": lambda m: Array(m, "sensor_data", dtype=np.float32),
        "counters": lambda m: Array(m, "counters", dtype=np.uint64),
        "events": lambda m: Queue(m, "events", dtype=np.int32),
        "stack": lambda m: Stack(m, "stack", dtype=np.float64),
        "sem": lambda m: Semaphore(m, "sem"),
    }
    outcomes = {"opened": 0, "refused": 0}
    for _ in range(150):
        data = bytearray(golden)
        for _ in range(rng.randint(1, 3)):
            at = rng.choice(hot_spots) + rng.randrange(8)
            data[at] = rng.randrange(256)
        name = new_name()
        write_raw_segment(name, bytes(data))
        try:
            with Memory(name, ready_timeout=0.0) as memory:
                for entry in memory.table.entries():
                    if entry.name in opens:
                        structure = opens[entry.name](memory)
                        if isinstance(structure, (Queue, Stack)):
                            structure.pop()
            outcomes["opened"] += 1
        except ZeroIPCError:
            outcomes["refused"] += 1
        Memory.unlink(name)
    assert outcomes["opened"] and outcomes["refused"]
