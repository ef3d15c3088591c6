"""One queue, Rust and Python processes at once: every item delivered exactly once, in order.

Items are uint64 ``producer_id << 32 | seq``. Each consumer writes what it popped, in the
order it popped it, to a file; the checks are made here, on those files:

- one producer and one consumer: the consumer received exactly the producer's items, in
  the order they were pushed;
- two producers (one per language) and two consumers (one per language): every item was
  received exactly once overall, and within each consumer's stream each producer's items
  come in the order that producer pushed them (what a FIFO queue promises to each consumer).

Each process has a deadline (a hang is a failure, not a stuck run), and every push or pop
waits at most OP_TIMEOUT seconds. Run with ``-s`` to see the throughput of each case.
"""

import numpy as np
import pytest
from xlang_support import (
    OP_TIMEOUT,
    STOP,
    check_exactly_once,
    check_fifo_per_producer,
    items,
    python_worker,
    summary,
)

from zeroipc import ElementSizeMismatch, Memory, Queue

SPSC_ITEMS = 100_000  # one producer, one consumer: what the issue asks for
MPMC_ITEMS_PER_PRODUCER = 50_000  # two producers: 100,000 items in all
CAPACITY = 1024
DEADLINE = 180.0  # per process: far above the few seconds a run takes, well below a hang
ENTRY = "items"


def op_timeout():
    return ["--timeout", str(OP_TIMEOUT)]


def rust(interop, *args):
    return [interop, *map(str, args), *op_timeout()]


def python(*args):
    return python_worker(*map(str, args), *op_timeout())


def report(case: str, count: int, seconds: float) -> None:
    print(f"\n{case}: {count:,} items in {seconds:.2f} s, {count / seconds:,.0f} items/s")


def create_queue_in_rust(interop, processes, name, start=0):
    argv = [interop, "create-queue", name, ENTRY, CAPACITY, start]
    created = summary(processes(argv, 60, "rust_create").wait())
    assert int(created["capacity"]) == CAPACITY


def create_queue_in_python(name):
    with Memory(name, 1 << 20) as mem:
        assert Queue(mem, ENTRY, CAPACITY, np.uint64).capacity == CAPACITY


def run_pair(processes, consumer_argv, producer_argv):
    """Start the consumer, then the producer; wait for both. Their summaries and wall time."""
    consumer = processes(consumer_argv, DEADLINE, "consumer")
    producer = processes(producer_argv, DEADLINE, "producer")
    produced = summary(producer.wait())
    consumed = summary(consumer.wait())
    return produced, consumed, max(producer.seconds, consumer.seconds)


def check_single_stream(out, producer_id, consumed, count=SPSC_ITEMS):
    received = np.fromfile(out, dtype="<u8")
    expected = items(producer_id, count)
    assert received.size == count, f"received {received.size} items, not {count}"
    wrong = np.flatnonzero(received != expected)
    assert wrong.size == 0, f"item {wrong[0]} is {received[wrong[0]]:#x}, not {expected[wrong[0]]:#x}"
    assert consumed["received"] == str(count) and consumed["in_order"] == "true"


def test_rust_producer_python_consumer(interop, segment, processes, tmp_path):
    name = segment()
    create_queue_in_rust(interop, processes, name)
    out = tmp_path / "python_consumer.u64"
    produced, consumed, wall = run_pair(
        processes,
        python("consume", name, ENTRY, SPSC_ITEMS, out),
        rust(interop, "produce", name, ENTRY, SPSC_ITEMS, 1),
    )
    assert produced["pushed"] == str(SPSC_ITEMS)
    check_single_stream(out, 1, consumed)
    report("Rust producer -> Python consumer", SPSC_ITEMS, wall)


def test_python_producer_rust_consumer(interop, segment, processes, tmp_path):
    name = segment()
    create_queue_in_python(name)
    out = tmp_path / "rust_consumer.u64"
    produced, consumed, wall = run_pair(
        processes,
        rust(interop, "consume", name, ENTRY, SPSC_ITEMS, out),
        python("produce", name, ENTRY, SPSC_ITEMS, 2),
    )
    assert produced["pushed"] == str(SPSC_ITEMS)
    check_single_stream(out, 2, consumed)
    report("Python producer -> Rust consumer", SPSC_ITEMS, wall)


@pytest.mark.parametrize("python_batch", [0, 64], ids=["push_wait", "push_array"])
def test_two_producers_two_consumers_one_per_language(interop, segment, processes, tmp_path, python_batch):
    name = segment()
    create_queue_in_rust(interop, processes, name)
    outs = {"rust": tmp_path / "rust_consumer.u64", "python": tmp_path / "python_consumer.u64"}
    per_producer = MPMC_ITEMS_PER_PRODUCER
    consumers = [
        processes(rust(interop, "consume", name, ENTRY, "until-stop", outs["rust"]), DEADLINE, "rs_consumer"),
        processes(python("consume", name, ENTRY, "until-stop", outs["python"]), DEADLINE, "py_consumer"),
    ]
    producers = [
        processes(rust(interop, "produce", name, ENTRY, per_producer, 1), DEADLINE, "rust_producer"),
        processes(
            python("produce", name, ENTRY, per_producer, 2) + (["--batch", str(python_batch)] if python_batch else []),
            DEADLINE,
            "python_producer",
        ),
    ]
    for producer in producers:
        assert summary(producer.wait())["pushed"] == str(per_producer)

    # Every item is in the queue before these: each consumer stops at the first one it pops.
    with Memory(name) as mem:
        queue = Queue(mem, ENTRY, dtype=np.uint64)
        for _ in consumers:
            assert queue.push_wait(STOP, OP_TIMEOUT), "the queue stayed full"
        del queue
    summaries = [summary(consumer.wait()) for consumer in consumers]
    everyone = consumers + producers
    wall = max(p.finished for p in everyone) - min(p.started for p in everyone)

    streams = {lang: np.fromfile(path, dtype="<u8") for lang, path in outs.items()}
    for lang, stream in streams.items():
        check_fifo_per_producer(stream, f"{lang} consumer")
    check_exactly_once(list(streams.values()), np.concatenate([items(i, per_producer) for i in (1, 2)]))
    assert [int(s["received"]) for s in summaries] == [streams["rust"].size, streams["python"].size]
    assert all(s["in_order"] == "true" for s in summaries)

    report("2 producers (Rust, Python) -> 2 consumers (Rust, Python)", 2 * per_producer, wall)
    print(f"  consumed: Rust {streams['rust'].size:,}, Python {streams['python'].size:,}")


WRAP_ITEMS = 5 * CAPACITY  # five laps of the ring, across the wrap of both counters
WRAP_START = 2**32 - 2 * CAPACITY - 7


@pytest.mark.parametrize("producer", ["rust", "python"])
def test_head_and_tail_wrap_at_2_to_the_32_across_languages(
    interop, segment, processes, tmp_path, producer
):
    name = segment()
    create_queue_in_rust(interop, processes, name, start=WRAP_START)
    out = tmp_path / "consumer.u64"
    if producer == "rust":
        consumer = python("consume", name, ENTRY, WRAP_ITEMS, out)
        producer_argv = rust(interop, "produce", name, ENTRY, WRAP_ITEMS, 3)
    else:
        consumer = rust(interop, "consume", name, ENTRY, WRAP_ITEMS, out)
        producer_argv = python("produce", name, ENTRY, WRAP_ITEMS, 3)
    _, consumed, _ = run_pair(processes, consumer, producer_argv)
    check_single_stream(out, 3, consumed, WRAP_ITEMS)
    with Memory(name) as mem:
        queue = Queue(mem, ENTRY, dtype=np.uint64)
        assert queue.empty()
        head = int(np.frombuffer(mem.data, "<u4", 1, queue.offset)[0])
        assert head == (WRAP_START + WRAP_ITEMS) % 2**32  # the counters did wrap
        del queue


def test_a_queue_of_another_element_size_is_refused_in_both_languages(
    interop, segment, processes, tmp_path
):
    rust_made = segment()
    create_queue_in_rust(interop, processes, rust_made)
    with Memory(rust_made) as mem:
        with pytest.raises(ElementSizeMismatch):
            Queue(mem, ENTRY, dtype=np.uint32)

    python_made = segment()
    with Memory(python_made, 1 << 16) as mem:
        Queue(mem, ENTRY, CAPACITY, np.uint32)
    consumer = processes(
        rust(interop, "consume", python_made, ENTRY, 1, tmp_path / "out"), DEADLINE, "rust_consumer"
    )
    with pytest.raises(AssertionError, match="exited with status 1"):
        consumer.wait()
    assert "element" in consumer.describe().lower()
