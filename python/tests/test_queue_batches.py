"""The queue's numpy batches, strict element conversion, iteration, and waits that release
the GIL and give way to Ctrl-C."""

import os
import signal
import threading
import time

import numpy as np
import pytest

from zeroipc import ElementTypeError, Queue


def test_push_array_pushes_the_longest_prefix_that_fits_and_pop_into_takes_them_in_order(mem):
    queue = Queue(mem, "q", 8, np.int64)
    assert queue.push_array(np.arange(5, dtype=np.int64)) == 5
    assert queue.push_array(np.arange(100, 110, dtype=np.int64)) == 3  # room for 3 more
    assert queue.full() and queue.push_array(np.arange(1, dtype=np.int64)) == 0
    out = np.zeros(6, dtype=np.int64)
    assert queue.pop_into(out) == 6
    assert out.tolist() == [0, 1, 2, 3, 4, 100]
    assert queue.pop_array(10).tolist() == [101, 102]
    assert queue.pop_array(4).size == 0 and queue.pop_into(out) == 0


def test_batches_cross_the_end_of_the_ring_and_mix_with_single_items(mem):
    queue = Queue(mem, "q", 4, np.uint32)
    expected, got = [], []
    for start in range(0, 40, 3):
        run = np.arange(start, start + 3, dtype=np.uint32)
        assert queue.push_array(run) == 3
        expected += run.tolist()
        got.append(queue.pop())
        got += queue.pop_array(2).tolist()
    assert got == expected


def test_any_dtype_of_the_element_size_goes_through_records_included(mem):
    record = np.dtype([("id", "<i4"), ("x", "<f4"), ("tag", "S5")])
    queue = Queue(mem, "q", 8, record)
    items = np.array([(1, 0.5, b"a"), (2, 1.5, b"bb"), (3, 2.5, b"ccc")], dtype=record)
    assert queue.push_array(items) == 3
    assert queue.pop()["tag"] == b"a"
    rest = queue.pop_array(5)
    assert rest.dtype == record and rest["id"].tolist() == [2, 3]
    # The same bytes seen as another dtype of the same itemsize.
    raw = np.dtype("V13")
    assert queue.push_array(items.view(raw)) == 3
    assert queue.pop_array(3)["x"].tolist() == [0.5, 1.5, 2.5]


def test_arrays_of_another_itemsize_or_layout_are_refused(mem):
    queue = Queue(mem, "q", 8, np.int64)
    with pytest.raises(ValueError, match="items are 4 bytes"):
        queue.push_array(np.arange(3, dtype=np.int32))
    with pytest.raises(ValueError, match="C-contiguous"):
        queue.push_array(np.arange(10, dtype=np.int64)[::2])
    readonly = np.zeros(3, dtype=np.int64)
    readonly.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        queue.pop_into(readonly)
    with pytest.raises(TypeError):
        queue.push_array([1, 2, 3])
    assert queue.empty()


def test_a_value_of_the_wrong_kind_is_a_type_error_not_a_cast(mem):
    queue = Queue(mem, "q", 4, np.int64)
    with pytest.raises(TypeError):
        queue.push(1.7)
    with pytest.raises(ElementTypeError):
        queue.push("3")
    small = Queue(mem, "small", 4, np.uint8)
    with pytest.raises(OverflowError):
        small.push(256)
    with pytest.raises(OverflowError):
        small.push(-1)
    floats = Queue(mem, "floats", 4, np.float32)
    assert floats.push(2) and floats.push(np.float64(0.25))
    assert queue.empty() and small.empty()
    assert queue.push(np.int64(5)) and queue.push(True) and queue.pop() == 5 and queue.pop() == 1
    assert [floats.pop(), floats.pop()] == [2.0, 0.25]


def test_iterating_a_queue_drains_it(mem):
    queue = Queue(mem, "q", 8, np.int16)
    queue.push_array(np.array([3, -1, 7], dtype=np.int16))
    assert list(queue) == [3, -1, 7]
    assert len(queue) == 0 and "Queue(name='q', capacity=8" in repr(queue)


def test_a_wait_releases_the_gil_so_another_thread_can_push(mem):
    queue = Queue(mem, "q", 2, np.int64)
    ticks = []

    def busy():
        for _ in range(5):
            ticks.append(time.monotonic())  # Python code: needs the GIL
            time.sleep(0.01)
        queue.push(42)

    thread = threading.Thread(target=busy)
    thread.start()
    assert queue.pop_wait(timeout=30) == 42
    thread.join()
    assert len(ticks) == 5


def test_ctrl_c_interrupts_a_wait_without_a_timeout(mem):
    queue = Queue(mem, "q", 2, np.int64)
    timer = threading.Timer(0.1, os.kill, args=(os.getpid(), signal.SIGINT))
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            queue.pop_wait()
    finally:
        timer.cancel()
    assert queue.push(1) and queue.pop() == 1
