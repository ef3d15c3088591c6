"""The golden segments written by the C++ and Python implementations: read them, and write the same bytes."""

import struct

import numpy as np
import pytest
from shm_helpers import VECTORS, write_raw_segment

from zeroipc import Array, Barrier, Latch, Memory, Queue, Semaphore, Stack

# The images the repository holds; a missing one fails the tests that read it rather than
# skipping them. Any other golden-*-v2.bin added next to them is checked too.
REQUIRED = ("golden-cpp-v2.bin", "golden-python-v2.bin")
IMAGES = sorted({VECTORS / name for name in REQUIRED} | set(VECTORS.glob("golden-*-v2.bin")))

RECORD = np.dtype([("id", "<i4"), ("x", "<f4"), ("y", "<f8")])
ENTRIES = [
    ("sensor_data", 3104, 4008),
    ("counters", 7112, 136),
    ("records", 7248, 168),
    ("events", 7416, 1040),
    ("stack", 8456, 784),
    ("sem", 9240, 16),
    ("latch", 9256, 16),
    ("barrier", 9272, 16),
]


@pytest.fixture(params=IMAGES, ids=lambda path: path.name)
def golden(request, shm_name):
    """The image copied into a fresh segment, opened; and the image's bytes."""
    image = request.param.read_bytes()
    write_raw_segment(shm_name, image)
    with Memory(shm_name) as memory:
        yield memory, image


def test_the_golden_images_are_in_the_repository():
    missing = [name for name in REQUIRED if not (VECTORS / name).is_file()]
    assert not missing, f"golden images missing from {VECTORS}: {missing}"


def write_scenario(memory: Memory) -> None:
    """The scenario of vectors/README.md, in its order."""
    Array(memory, "sensor_data", 1000, np.float32).data[:] = np.arange(1000) * 0.5
    Array(memory, "counters", 16, np.uint64).data[:] = np.arange(16, dtype=np.uint64) ** 2 + 7
    records = Array(memory, "records", 10, RECORD)
    for i in range(10):
        records[i] = (i, i * 1.5, i * 0.25)
    events = Queue(memory, "events", 100, np.int32)
    for value in range(1, 51):
        assert events.push(value)
    assert [events.pop() for _ in range(10)] == list(range(1, 11))
    stack = Stack(memory, "stack", 64, np.float64)
    for value in range(1, 21):
        assert stack.push(float(value))
    Semaphore(memory, "sem", initial_count=3, max_count=10)
    Latch(memory, "latch", count=4)
    Barrier(memory, "barrier", num_participants=2)


def test_the_golden_table_header_and_entries_read_back(golden):
    memory, _ = golden
    assert memory.size == 1 << 20
    assert memory.max_entries == 64
    assert memory.table.entry_count() == 8
    assert memory.table.next_offset() == 9288
    assert [tuple(entry) for entry in memory.table.entries()] == ENTRIES


def test_the_golden_arrays_read_back(golden):
    memory, _ = golden
    sensors = Array(memory, "sensor_data", dtype=np.float32)
    assert sensors.capacity == 1000
    assert np.array_equal(sensors.data, np.arange(1000, dtype=np.float32) * 0.5)
    counters = Array(memory, "counters", dtype=np.uint64)
    assert counters.data.tolist() == [i * i + 7 for i in range(16)]
    records = Array(memory, "records", dtype=RECORD)
    assert records.data["id"].tolist() == list(range(10))
    assert records.data["x"].tolist() == [i * 1.5 for i in range(10)]
    assert records.data["y"].tolist() == [i * 0.25 for i in range(10)]


def test_the_golden_queue_holds_11_to_50(golden):
    memory, image = golden
    events = Queue(memory, "events", dtype=np.int32)
    assert events.capacity == 128
    assert struct.unpack_from("<IIII", image, 7416) == (10, 50, 128, 4)
    assert len(events) == 40
    assert [events.pop() for _ in range(40)] == list(range(11, 51))
    assert events.pop() is None
    assert events.empty()


def test_the_golden_stack_holds_20_down_to_1(golden):
    memory, image = golden
    stack = Stack(memory, "stack", dtype=np.float64)
    assert stack.capacity == 64
    assert struct.unpack_from("<iIII", image, 8456) == (19, 64, 8, 0)
    assert len(stack) == 20
    assert stack.top() == 20.0
    assert [stack.pop() for _ in range(20)] == [float(v) for v in range(20, 0, -1)]
    assert stack.pop() is None


def test_the_golden_synchronisation_structures_read_back(golden):
    memory, _ = golden
    sem = Semaphore(memory, "sem")
    assert (sem.count, sem.waiting, sem.max_count) == (3, 0, 10)
    latch = Latch(memory, "latch")
    assert (latch.count, latch.initial_count) == (4, 4)
    barrier = Barrier(memory, "barrier")
    assert (barrier.arrived, barrier.generation, barrier.num_participants) == (0, 0, 2)


@pytest.mark.parametrize("image", IMAGES, ids=lambda path: path.name)
def test_writing_the_scenario_gives_the_golden_bytes(image, mem):
    write_scenario(mem)
    written = bytes(mem.data)
    expected = image.read_bytes()
    assert len(written) == len(expected)
    differing = np.flatnonzero(np.frombuffer(written, np.uint8) != np.frombuffer(expected, np.uint8))
    assert not differing.size, f"{differing.size} bytes differ, first at offsets {differing[:8].tolist()}"
