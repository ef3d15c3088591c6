"""The queue: FIFO order, bounds, counter wrap-around, waiting, threads."""

import struct
import threading

import numpy as np
import pytest

from zeroipc import ElementSizeMismatch, NotFound, Queue


def test_elements_come_out_in_the_order_they_went_in(mem):
    queue = Queue(mem, "q", 16, np.int64)
    assert queue.empty() and not queue and len(queue) == 0
    for value in range(10):
        assert queue.push(value)
    assert len(queue) == queue.size() == 10 and queue
    assert [queue.pop() for _ in range(10)] == list(range(10))
    assert queue.pop() is None


@pytest.mark.parametrize("requested, capacity", [(1, 2), (2, 2), (3, 4), (100, 128), (128, 128)])
def test_capacity_is_rounded_up_to_a_power_of_two_of_at_least_two(mem, requested, capacity):
    queue = Queue(mem, f"q{requested}", requested, np.int32)
    assert queue.capacity == capacity
    assert mem.table.find(f"q{requested}").size == 16 + ((4 * capacity + 7) & ~7) + 4 * capacity


def test_a_full_queue_refuses_a_push(mem):
    queue = Queue(mem, "q", 4, np.int32)
    assert all(queue.push(v) for v in range(4))
    assert queue.full() and len(queue) == 4
    assert not queue.push(99)
    assert queue.pop() == 0
    assert queue.push(99)
    assert [queue.pop() for _ in range(4)] == [1, 2, 3, 99]


def test_the_layout_is_header_items_then_sequence_numbers(mem):
    queue = Queue(mem, "q", 2, np.int8)
    entry = mem.table.find("q")
    assert entry.size == 16 + 8 + 8 and queue.offset == entry.offset
    queue.push(5)
    head, tail, capacity, elem_size = struct.unpack_from("<IIII", mem.data, entry.offset)
    assert (head, tail, capacity, elem_size) == (0, 1, 2, 1)
    assert mem.data[entry.offset + 16] == 5
    assert struct.unpack_from("<II", mem.data, entry.offset + 24) == (1, 1)


def test_counters_wrap_around_at_2_to_the_32(mem):
    queue = Queue(mem, "q", 8, np.uint32)
    entry = mem.table.find("q")
    start = 2**32 - 3
    # The state a queue is in after `start` pushes and pops: every slot free for its next lap.
    struct.pack_into("<II", mem.data, entry.offset, start, start)
    for slot in range(8):
        lap = start + ((slot - start) % 8)
        struct.pack_into("<I", mem.data, entry.offset + 16 + 32 + 4 * slot, lap % 2**32)
    for round_ in range(3):
        values = list(range(round_ * 10, round_ * 10 + 6))
        assert all(queue.push(v) for v in values)
        assert len(queue) == 6
        assert [queue.pop() for _ in values] == values
    head, tail = struct.unpack_from("<II", mem.data, entry.offset)
    assert head == tail == (start + 18) % 2**32


def test_a_value_that_does_not_convert_fails_before_taking_a_slot(mem):
    queue = Queue(mem, "q", 4, np.int32)
    with pytest.raises(ValueError):
        queue.push("not a number")
    with pytest.raises(ValueError):
        queue.push([1, 2])
    assert queue.empty()
    assert queue.push(1) and queue.pop() == 1


def test_records_go_through_whole(mem):
    record = np.dtype([("id", "<i4"), ("x", "<f4"), ("y", "<f8")])
    queue = Queue(mem, "q", 4, record)
    assert queue.push((1, 2.5, -3.0))
    item = queue.pop()
    assert (item["id"], item["x"], item["y"]) == (1, 2.5, -3.0)


def test_waiting_variants_give_up_at_the_timeout(mem):
    queue = Queue(mem, "q", 2, np.int32)
    assert queue.pop_wait(timeout=0.02) is None
    assert queue.push_wait(1, timeout=0.02) and queue.push_wait(2, timeout=0)
    assert not queue.push_wait(3, timeout=0.02)
    assert queue.pop_wait(timeout=0.02) == 1


def test_a_waiting_pop_gets_a_later_push(mem):
    queue = Queue(mem, "q", 2, np.int32)
    threading.Timer(0.05, queue.push, args=(42,)).start()
    assert queue.pop_wait(timeout=10) == 42


def test_opening_checks_the_entry(mem):
    Queue(mem, "q", 8, np.int32)
    assert Queue(mem, "q", dtype=np.int32).capacity == 8
    assert Queue(mem, "q", 7, np.int32).capacity == 8  # the same request, rounded the same way
    with pytest.raises(ValueError, match="has capacity 8, not 16"):
        Queue(mem, "q", 16, np.int32)
    with pytest.raises(ElementSizeMismatch):
        Queue(mem, "q", dtype=np.int64)
    with pytest.raises(NotFound):
        Queue(mem, "absent", dtype=np.int32)


def test_threads_deliver_every_item_exactly_once(mem):
    queue = Queue(mem, "q", 16, np.int64)
    per_producer, producers = 300, 3
    received = []
    lock = threading.Lock()

    def produce(base):
        for i in range(per_producer):
            assert queue.push_wait(base + i, timeout=30)

    def consume(count):
        got = [queue.pop_wait(timeout=30) for _ in range(count)]
        with lock:
            received.extend(got)

    threads = [threading.Thread(target=produce, args=(p * 10_000,)) for p in range(producers)]
    threads += [threading.Thread(target=consume, args=(per_producer * producers // 3,)) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(received) == sorted(p * 10_000 + i for p in range(producers) for i in range(per_producer))
