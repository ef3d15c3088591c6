"""Arrays: zero-copy numpy views of the segment."""

import numpy as np
import pytest

from zeroipc import Array, ElementSizeMismatch, Memory, NotFound


def test_an_array_is_created_zeroed_and_indexed_like_numpy(mem):
    values = Array(mem, "values", 10, np.float64)
    assert (len(values), values.capacity, values.name, values.dtype) == (10, 10, "values", np.float64)
    assert values.data.tolist() == [0.0] * 10
    values[0] = 3.14
    values[2:5] = [1, 2, 3]
    values[-1] = 9
    assert values[0] == 3.14
    assert values[2:5].tolist() == [1.0, 2.0, 3.0]
    assert list(values)[-1] == 9.0
    values.fill(7)
    assert values.data.tolist() == [7.0] * 10
    assert values.array is values.data
    assert repr(values) == "Array(name='values', capacity=10, dtype=float64)"


def test_the_view_is_zero_copy_across_handles(shm_name):
    with Memory(shm_name, 1 << 20) as writer, Memory(shm_name) as reader:
        written = Array(writer, "shared", 1000, np.int32)
        read = Array(reader, "shared", dtype=np.int32)
        written[500] = 42
        assert read[500] == 42
        read.data[:] = np.arange(1000)
        assert written.data.sum() == sum(range(1000))
        assert np.shares_memory(written.data, np.frombuffer(writer.data, np.uint8))


def test_the_array_layout_is_capacity_then_elements(mem):
    values = Array(mem, "values", 3, np.uint16)
    values.data[:] = [1, 2, 3]
    entry = mem.table.find("values")
    assert entry.size == 8 + 3 * 2
    assert bytes(mem.data[entry.offset : entry.offset + entry.size]) == bytes.fromhex(
        "0300000000000000010002000300"
    )


def test_records_are_structured_dtypes(mem):
    record = np.dtype([("id", "<i4"), ("x", "<f4"), ("y", "<f8")])
    records = Array(mem, "records", 4, record)
    records[1] = (7, 1.5, 2.25)
    assert records[1]["id"] == 7
    assert records.data["y"].tolist() == [0.0, 2.25, 0.0, 0.0]
    assert mem.table.find("records").size == 8 + 4 * 16


def test_opening_with_the_same_capacity_or_none_works_and_another_fails(mem):
    Array(mem, "values", 8, np.int32)
    assert Array(mem, "values", 8, np.int32).capacity == 8
    assert Array(mem, "values", dtype=np.int32).capacity == 8
    with pytest.raises(ValueError, match="has capacity 8, not 9"):
        Array(mem, "values", 9, np.int32)


def test_opening_a_missing_array_fails(mem):
    with pytest.raises(NotFound):
        Array(mem, "absent", dtype=np.int32)


def test_opening_with_another_element_size_fails(mem):
    Array(mem, "values", 10, np.float32)
    with pytest.raises(ElementSizeMismatch):
        Array(mem, "values", dtype=np.float64)


@pytest.mark.parametrize(
    "dtype, error",
    [
        (None, TypeError),
        (object, TypeError),
        (np.dtype([("p", object)]), TypeError),
        (np.dtype(("f8", (3,))), TypeError),
        (np.dtype("V0"), TypeError),
    ],
)
def test_dtypes_that_are_not_plain_data_are_refused(mem, dtype, error):
    with pytest.raises(error):
        Array(mem, "values", 4, dtype)
    assert mem.table.entry_count() == 0


def test_a_dtype_aligned_above_8_is_refused(mem):
    wide = np.dtype([("a", "f8"), ("b", "f8")], align=True)
    over_aligned = next(
        (dt for dt in (np.dtype(np.longdouble), np.dtype(np.clongdouble)) if dt.alignment > 8), None
    )
    if over_aligned is None:
        pytest.skip("no numpy dtype on this platform is aligned above 8")
    Array(mem, "fine", 2, wide)
    with pytest.raises(TypeError, match="alignment"):
        Array(mem, "values", 4, over_aligned)


@pytest.mark.parametrize("capacity", [0, -1, 1.5, True, "3"])
def test_a_capacity_that_is_not_a_positive_integer_is_refused(mem, capacity):
    with pytest.raises((ValueError, TypeError)):
        Array(mem, "values", capacity, np.int32)
    assert mem.table.entry_count() == 0
