"""Bodies of the processes the multi-process tests start (importable, for the spawn start method)."""

import time

import numpy as np

from zeroipc import Barrier, Latch, Memory, Queue, Stack

KINDS = {"queue": Queue, "stack": Stack}
DEADLINE = 120.0  # seconds; only reached if something is broken


def produce(segment: str, kind: str, base: int, count: int) -> None:
    """Push ``base .. base + count - 1`` once everyone is at the start line."""
    with Memory(segment) as memory:
        items = KINDS[kind](memory, "items", dtype=np.int64)
        Barrier(memory, "start").wait(timeout=DEADLINE)
        for value in range(base, base + count):
            if not items.push_wait(value, timeout=DEADLINE):
                raise TimeoutError(f"could not push {value}")


def consume(segment: str, kind: str, results) -> None:
    """Pop until the latch says every item has been taken; send what this process got."""
    with Memory(segment) as memory:
        items = KINDS[kind](memory, "items", dtype=np.int64)
        remaining = Latch(memory, "remaining")
        Barrier(memory, "start").wait(timeout=DEADLINE)
        got = []
        deadline = time.monotonic() + DEADLINE
        while not remaining.try_wait():
            if time.monotonic() > deadline:
                raise TimeoutError(f"{remaining.count} items never arrived")
            value = items.pop_wait(timeout=0.05)
            if value is not None:
                got.append(int(value))
                remaining.count_down()
        results.put(got)


def lock_and_increment(segment: str, rounds: int) -> None:
    """Add 1 to ``counter[0]`` ``rounds`` times, a read and a separate write, under the mutex ``lock``."""
    from zeroipc import Array, Mutex

    with Memory(segment) as memory:
        lock = Mutex(memory, "lock")
        counter = Array(memory, "counter", dtype=np.int64)
        Barrier(memory, "start").wait(timeout=DEADLINE)
        for _ in range(rounds):
            if not lock.acquire(timeout=DEADLINE):
                raise TimeoutError("the lock was never free")
            try:
                value = int(counter[0])
                counter[0] = value + 1
            finally:
                lock.release()


def run_once(segment: str, results) -> None:
    """Call ``init`` once with a function that counts its runs; send whether this process ran it."""
    from zeroipc import Array, Once

    with Memory(segment) as memory:
        once = Once(memory, "init", create=True)
        runs = Array(memory, "runs", dtype=np.int64)
        Barrier(memory, "start").wait(timeout=DEADLINE)

        def initialise() -> None:
            runs[0] = int(runs[0]) + 1
            time.sleep(0.05)  # long enough for the other processes to find it running

        ran = once.call_once(initialise, timeout=DEADLINE)
        results.put((ran, once.done()))
