"""The schema entry across languages.

A segment declared in Rust (``Described`` in ``zeroipc/examples/interop.rs``) is opened from
Python by its schema alone: no dtype appears in this file. The other way, Python creates a
segment with a schema, and Rust's declared ``open`` accepts it as ``Written`` and refuses it
as ``WrittenI32``, which differs only in the kind of ``temps``'s elements (i32, not f32).
"""

import numpy as np
import pytest
from xlang_support import summary

from zeroipc import Array, Memory, Queue, Semaphore, open_segment

DEADLINE = 60.0


def sample(i: int):
    """What ``sample(i)`` is in interop.rs: (t, xyz, id)."""
    return (i * 1.5, [float(i), i + 0.5, -float(i)], 100 + i)


def fields(record):
    return (float(record["t"]), [float(v) for v in record["xyz"]], int(record["id"]))


def test_a_rust_declared_segment_opens_in_python_by_its_schema_alone(interop, segment, processes):
    name = segment()
    summary(processes([interop, "described", name], DEADLINE, "rust_described").wait())

    with open_segment(name) as seg:
        assert list(seg) == ["temps", "counts", "samples", "pending", "table", "slots", "latest"]

        temps = seg["temps"]
        assert temps.data.dtype.str == "<f4"
        assert temps.data.tolist() == [i * 0.25 for i in range(8)]
        assert seg.schema["temps"].doc == "Temperatures."
        assert seg["counts"].data.dtype.str == "<u8"
        assert seg["counts"].data.tolist() == [i * 1000 for i in range(4)]

        samples = seg["samples"].data
        assert samples.dtype.names == ("t", "xyz", "id")
        assert [fields(samples[i]) for i in range(3)] == [sample(i) for i in range(3)]
        assert samples["id"].tolist() == [100, 101, 102]  # a field by name, over every record

        pending = seg["pending"]
        assert (pending.capacity, len(pending)) == (4, 2)
        assert fields(pending.pop()) == sample(10)
        assert fields(pending.pop()) == sample(11)
        assert pending.pop() is None

        # The map, typed by its key and value types alone.
        described = seg.schema["table"]
        assert (described.kind, described.params, described.type, described.value_type) == (
            "map", {"capacity": 16}, "<u4", "<f8"
        )
        table = seg["table"]
        assert (table.find(1), table.find(2), table.find(3), len(table)) == (0.5, 2.5, None, 2)
        assert isinstance(table.find(1), float)

        slots = seg["slots"]
        assert (slots.count, slots.max_count) == (2, 5)
        assert fields(seg["latest"].get()) == sample(7)


def fill_written(mem: Memory, temps_dtype=np.float32) -> None:
    """The entries of ``Written``, created from Python."""
    record = np.dtype([("t", "<f8"), ("xyz", "<f4", (3,)), ("id", "<u4")])
    Array(mem, "temps", 8, temps_dtype).data[:] = np.arange(8)
    samples = Array(mem, "samples", 3, record)
    samples.data[0] = sample(0)
    pending = Queue(mem, "pending", 4, record)
    assert pending.push(sample(1))
    Semaphore(mem, "slots", 2, 5)
    del pending


def test_rust_opens_as_declared_what_python_created_with_a_schema(interop, segment, processes):
    name = segment()
    with Memory(name, 1 << 16, schema=True) as mem:
        fill_written(mem)
    opened = summary(processes([interop, "open-declared", name, "f32"], DEADLINE, "rust_f32").wait())
    assert opened == {"opened": "1"}


def test_rust_refuses_a_declaration_whose_element_type_differs_only_in_kind(interop, segment, processes):
    name = segment()
    with Memory(name, 1 << 16, schema=True) as mem:
        fill_written(mem)
    check = processes([interop, "open-declared", name, "i32"], DEADLINE, "rust_i32")
    with pytest.raises(AssertionError, match="exited with status 1"):
        check.wait()
    message = check.describe()
    assert "temps" in message and "f32 (<f4)" in message and "i32 (<i4)" in message


def test_without_a_schema_the_same_bytes_pass_as_either_kind(interop, segment, processes):
    # What the schema adds: f32 and i32 have the same size, so only the recorded type tells them apart.
    name = segment()
    with Memory(name, 1 << 16) as mem:
        fill_written(mem)
    for ty in ("f32", "i32"):
        opened = summary(processes([interop, "open-declared", name, ty], DEADLINE, f"rust_{ty}").wait())
        assert opened == {"opened": "1"}


def test_python_created_i32_temps_are_refused_as_f32(interop, segment, processes):
    name = segment()
    with Memory(name, 1 << 16, schema=True) as mem:
        fill_written(mem, temps_dtype=np.int32)
    summary(processes([interop, "open-declared", name, "i32"], DEADLINE, "rust_i32").wait())
    check = processes([interop, "open-declared", name, "f32"], DEADLINE, "rust_f32")
    with pytest.raises(AssertionError, match="exited with status 1"):
        check.wait()
    assert "temps" in check.describe()
