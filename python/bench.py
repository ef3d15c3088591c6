"""Rough timings of the Python implementation (not a test; run: python bench.py).

1. Opening a segment and getting the numpy view of an array, for a
   1,000-element and a 1,000,000-element array: the view is made over the
   mapping in place, so the time should not grow with the array.
2. Queue push + pop pairs per second, in one process.
"""

import os
import statistics
import time

import numpy as np

from zeroipc import Array, Memory, Queue

SMALL, LARGE = 1_000, 1_000_000


def median_time(repeats: int, action) -> float:
    """Median seconds of ``action()`` over ``repeats`` runs."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def open_and_view(segment: str, name: str) -> None:
    with Memory(segment) as memory:
        view = Array(memory, name, dtype=np.float64).data
        assert view[-1] == 1.0


def main() -> None:
    segment = f"/zeroipc_bench_{os.getpid()}"
    try:
        with Memory(segment, 16 << 20) as memory:
            for name, count in (("small", SMALL), ("large", LARGE)):
                Array(memory, name, count, np.float64).data[-1] = 1.0
            Queue(memory, "queue", 1024, np.int64)

            print("open segment + numpy view of an array (median of 200):")
            for name, count in (("small", SMALL), ("large", LARGE)):
                seconds = median_time(200, lambda name=name: open_and_view(segment, name))
                print(f"  {count:>9,} float64 elements: {seconds * 1e6:8.1f} us")

            queue = Queue(memory, "queue", dtype=np.int64)
            pairs = 20_000
            started = time.perf_counter()
            for value in range(pairs):
                queue.push(value)
                queue.pop()
            elapsed = time.perf_counter() - started
            print(
                f"queue push + pop: {pairs / elapsed:,.0f} pairs/s ({elapsed / pairs * 1e6:.1f} us per pair)"
            )
    finally:
        Memory.unlink(segment)


if __name__ == "__main__":
    main()
