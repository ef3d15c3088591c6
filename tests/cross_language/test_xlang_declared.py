"""A segment declared in Rust with ``#[zeroipc::segment]``, opened from Python by its table names.

The declaration is ``Plant`` in ``zeroipc/examples/interop.rs``: arrays ``temperature`` (1000 f32)
and ``counters`` (16 u64), a queue ``readings`` (128 records) and a stack ``jobs`` (8 i32).
A declared segment is the format and nothing more: Python finds every entry through the
table, and Rust's declared ``open`` accepts the same entries written by Python.
"""

import numpy as np
import pytest
from xlang_support import pattern, summary

from zeroipc import Array, Memory, Queue, Stack

READING = np.dtype([("id", "<i4"), ("x", "<f4"), ("y", "<f8")])  # struct Reading, #[repr(C)]
READINGS = 5
JOBS = [10, 20, 30]
DEADLINE = 60.0


def reading(i: int):
    return (i, i * 0.5, i * 0.25)


def fill_plant_in_python(mem: Memory, readings_capacity: int = 128) -> None:
    """What ``interop declared`` writes, written with Python's dynamic API, entries in field order."""
    Array(mem, "temperature", 1000, np.float32).data[:] = pattern(1000)
    Array(mem, "counters", 16, np.uint64).data[:] = np.arange(16, dtype=np.uint64) ** 2
    readings = Queue(mem, "readings", readings_capacity, READING)
    for i in range(READINGS):
        assert readings.push(reading(i))
    jobs = Stack(mem, "jobs", 8, np.int32)
    for job in JOBS:
        assert jobs.push(job)
    del readings, jobs


def test_a_declared_segment_opens_in_python_by_its_table_names(interop, segment, processes):
    name = segment()
    created = summary(processes([interop, "declared", name], DEADLINE, "rust_declared").wait())
    declared = [
        (entry_name, int(offset), int(size))
        for entry_name, place in (e.split("@") for e in created["entries"].split(","))
        for offset, size in [place.split("+")]
    ]

    with Memory(name) as mem:
        assert mem.size == int(created["size"])  # sized exactly by the macro's constants
        assert mem.max_entries == 64
        assert [(e.name, e.offset, e.size) for e in mem.table.entries()] == declared

        np.testing.assert_array_equal(Array(mem, "temperature", dtype=np.float32).data, pattern(1000))
        np.testing.assert_array_equal(
            Array(mem, "counters", dtype=np.uint64).data, np.arange(16, dtype=np.uint64) ** 2
        )

        readings = Queue(mem, "readings", dtype=READING)
        assert (readings.capacity, len(readings)) == (128, READINGS)
        for i in range(READINGS):
            record = readings.pop()
            assert (int(record["id"]), float(record["x"]), float(record["y"])) == reading(i)
        assert readings.pop() is None

        jobs = Stack(mem, "jobs", dtype=np.int32)
        assert (jobs.capacity, len(jobs), int(jobs.top())) == (8, len(JOBS), JOBS[-1])
        assert [int(jobs.pop()) for _ in JOBS] == JOBS[::-1]
        assert jobs.pop() is None
        del readings, jobs


def test_rust_opens_as_declared_a_segment_python_wrote(interop, segment, processes):
    name = segment()
    with Memory(name, 1 << 16) as mem:
        fill_plant_in_python(mem)
    checked = summary(processes([interop, "declared-check", name], DEADLINE, "rust_check").wait())
    assert checked == {"temperature": "1000", "counters": "16", "readings": "5", "jobs": "3"}


def test_rust_refuses_an_entry_that_differs_from_the_declaration(interop, segment, processes):
    name = segment()
    with Memory(name, 1 << 16) as mem:
        fill_plant_in_python(mem, readings_capacity=64)
    check = processes([interop, "declared-check", name], DEADLINE, "rust_check")
    with pytest.raises(AssertionError, match="exited with status 1"):
        check.wait()
    assert "readings" in check.describe()
