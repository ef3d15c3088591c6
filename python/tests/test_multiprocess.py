"""Real processes (spawned, not forked) sharing one queue or one stack: every item exactly once."""

import multiprocessing

import numpy as np
import process_bodies
import pytest

from zeroipc import Barrier, Latch, Memory, Queue, Stack

PRODUCERS = 2
CONSUMERS = 2
PER_PRODUCER = 2500


@pytest.mark.parametrize("kind", ["queue", "stack"])
def test_two_producers_and_two_consumers_deliver_every_item_exactly_once(shm_name, kind):
    context = multiprocessing.get_context("spawn")
    with Memory(shm_name, 1 << 20) as memory:
        structure = {"queue": Queue, "stack": Stack}[kind](memory, "items", 32, np.int64)
        Latch(memory, "remaining", count=PRODUCERS * PER_PRODUCER)
        Barrier(memory, "start", num_participants=PRODUCERS + CONSUMERS)
        results = context.Queue()
        processes = [
            context.Process(target=process_bodies.produce, args=(shm_name, kind, p * 1_000_000, PER_PRODUCER))
            for p in range(PRODUCERS)
        ] + [
            context.Process(target=process_bodies.consume, args=(shm_name, kind, results))
            for _ in range(CONSUMERS)
        ]
        for process in processes:
            process.start()
        try:
            received = [results.get(timeout=process_bodies.DEADLINE) for _ in range(CONSUMERS)]
        finally:
            for process in processes:
                process.join(timeout=process_bodies.DEADLINE)
                if process.is_alive():
                    process.kill()
        assert [process.exitcode for process in processes] == [0] * len(processes)
        everything = sorted(value for got in received for value in got)
        expected = sorted(p * 1_000_000 + i for p in range(PRODUCERS) for i in range(PER_PRODUCER))
        assert everything == expected
        assert structure.empty()
