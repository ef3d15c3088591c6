"""Timings of the Python package, with ratios measured in the same run (not a test).

Run from the repository root, with the package installed (``pip install ./python``)::

    python python/bench.py

1. Opening a segment and getting the numpy view of an array, for a 1,000-element
   and a 1,000,000-element array: the view is made over the mapping in place, so
   the time should not grow with the array.
2. Queue push + pop pairs per second in one process, against pure-Python
   rings over the same kind of mapping, none of them atomic between processes
   (baselines only): ``SequencedRing``, which takes the steps the upstream
   Python package's queue takes without its C helper, and two leaner rings
   (``NumpyRing``, ``PlainRing``) that show how much of that is the lock and
   the sequence numbers.
3. Items per second from one process to another through a queue of 1,024
   int64: one item per call (``push_wait``/``pop``), and runs of 256
   (``push_array``/``pop_into``); and the Rust crate's own ``push_slice``/
   ``pop_into`` in runs of 256 (the example ``queue_batches``, built with cargo).
   Each is timed by the consumer, from its first item to its last.
"""

import mmap
import os
import statistics
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

# The installed package, not the source folder beside this file (which has no native module).
sys.path = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from zeroipc import Array, Memory, Queue  # noqa: E402

SMALL, LARGE = 1_000, 1_000_000
RUN = 256
CAPACITY = 1024
REPO = Path(__file__).resolve().parents[1]


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


class PlainRing:
    """A ring of int64 over a mapping with plain loads and stores: ``head`` and ``tail``
    (u32) then the slots. No atomic instruction, so not safe between processes; what a
    pure-Python queue costs, as a baseline."""

    _COUNTERS = struct.Struct("<II")
    _U32 = struct.Struct("<I")
    _I64 = struct.Struct("<q")

    def __init__(self, buffer, capacity: int):
        self.buffer = buffer
        self.capacity = capacity

    def push(self, value: int) -> bool:
        head, tail = self._COUNTERS.unpack_from(self.buffer, 0)
        if tail - head >= self.capacity:
            return False
        self._I64.pack_into(self.buffer, 8 + 8 * (tail % self.capacity), value)
        self._U32.pack_into(self.buffer, 4, tail + 1)
        return True

    def pop(self):
        head, tail = self._COUNTERS.unpack_from(self.buffer, 0)
        if head == tail:
            return None
        value = self._I64.unpack_from(self.buffer, 8 + 8 * (head % self.capacity))[0]
        self._U32.pack_into(self.buffer, 0, head + 1)
        return value


class NumpyRing:
    """The same ring with numpy views of the counters and the slots, as the upstream
    pure-Python package keeps its structures (no atomic instruction either)."""

    def __init__(self, buffer, capacity: int):
        self.counters = np.frombuffer(buffer, dtype=np.uint32, count=2)
        self.slots = np.frombuffer(buffer, dtype=np.int64, count=capacity, offset=8)
        self.capacity = capacity

    def push(self, value) -> bool:
        head, tail = int(self.counters[0]), int(self.counters[1])
        if tail - head >= self.capacity:
            return False
        self.slots[tail % self.capacity] = value
        self.counters[1] = tail + 1
        return True

    def pop(self):
        head, tail = int(self.counters[0]), int(self.counters[1])
        if head == tail:
            return None
        value = self.slots[head % self.capacity]
        self.counters[0] = head + 1
        return value


class SequencedRing:
    """The upstream package's pure-Python queue as it works without its C helper: Vyukov's
    layout (``head``, ``tail``, a sequence number per slot) read and written with ``struct``
    under a ``threading.Lock``, the elements through a numpy view. Written here for the
    measurement; like the upstream code, not atomic between processes."""

    _U32 = struct.Struct("<I")

    def __init__(self, buffer, capacity: int):
        self.buffer = buffer
        self.capacity = capacity
        self.slots = np.frombuffer(buffer, dtype=np.int64, count=capacity, offset=16)
        self.seq_base = 16 + 8 * capacity
        for i in range(capacity):
            self._U32.pack_into(buffer, self.seq_base + 4 * i, i)
        self.lock = threading.Lock()

    @staticmethod
    def _diff(a: int, b: int) -> int:
        d = (a - b) & 0xFFFFFFFF
        return d - 0x100000000 if d > 0x7FFFFFFF else d

    def push(self, value) -> bool:
        with self.lock:
            tail = self._U32.unpack_from(self.buffer, 4)[0]
            slot = tail % self.capacity
            seq = self._U32.unpack_from(self.buffer, self.seq_base + 4 * slot)[0]
            if self._diff(seq, tail) != 0:
                return False
            self._U32.pack_into(self.buffer, 4, (tail + 1) & 0xFFFFFFFF)
            self.slots[slot] = value
            self._U32.pack_into(self.buffer, self.seq_base + 4 * slot, (tail + 1) & 0xFFFFFFFF)
            return True

    def pop(self):
        with self.lock:
            head = self._U32.unpack_from(self.buffer, 0)[0]
            slot = head % self.capacity
            seq = self._U32.unpack_from(self.buffer, self.seq_base + 4 * slot)[0]
            if self._diff(seq, (head + 1) & 0xFFFFFFFF) != 0:
                return None
            self._U32.pack_into(self.buffer, 0, (head + 1) & 0xFFFFFFFF)
            value = self.slots[slot].copy()
            self._U32.pack_into(self.buffer, self.seq_base + 4 * slot, (head + self.capacity) & 0xFFFFFFFF)
            return value


def pairs_per_second(queue, pairs: int) -> float:
    push, pop = queue.push, queue.pop
    started = time.perf_counter()
    for value in range(pairs):
        push(value)
        pop()
    return pairs / (time.perf_counter() - started)


def produce(segment: str, mode: str, count: int) -> None:
    """The producer process of a two-process measurement."""
    with Memory(segment) as memory:
        queue = Queue(memory, "q", dtype=np.int64)
        if mode == "single":
            for value in range(count):
                queue.push_wait(value)
        else:
            items = np.arange(count, dtype=np.int64)
            at = 0
            while at < count:
                pushed = queue.push_array(items[at : at + RUN])
                if pushed == 0:
                    os.sched_yield()
                at += pushed


def two_processes(mode: str, count: int) -> float:
    """Items per second from a producer process to this one, timed by the consumer."""
    segment = f"/zeroipc_bench_{os.getpid()}_{mode}"
    try:
        with Memory(segment, 1 << 20) as memory:
            queue = Queue(memory, "q", CAPACITY, np.int64)
            child = subprocess.Popen([sys.executable, __file__, "--produce", segment, mode, str(count)])
            received, started = 0, None
            if mode == "single":
                pop = queue.pop
                while received < count:
                    value = pop()
                    if value is None:
                        continue
                    if started is None:
                        started = time.perf_counter()
                    assert value == received
                    received += 1
            else:
                out = np.empty(RUN, dtype=np.int64)
                while received < count:
                    n = queue.pop_into(out)
                    if n == 0:
                        os.sched_yield()
                        continue
                    if started is None:
                        started = time.perf_counter()
                    assert out[0] == received and out[n - 1] == received + n - 1
                    received += n
            elapsed = time.perf_counter() - started
            assert child.wait(timeout=120) == 0
            return count / elapsed
    finally:
        Memory.unlink(segment)


def rust_batches(count: int) -> float:
    """The Rust crate's push_slice/pop_into between two processes, in runs of 256."""
    subprocess.run(
        ["cargo", "build", "--release", "--quiet", "-p", "zeroipc", "--example", "queue_batches"],
        cwd=REPO,
        check=True,
    )
    out = subprocess.run(
        [
            str(REPO / "target" / "release" / "examples" / "queue_batches"),
            f"/zeroipc_bench_{os.getpid()}_rust",
            str(count),
            str(RUN),
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return float(out.split("items_per_s=")[1].split()[0])


def main() -> None:
    segment = f"/zeroipc_bench_{os.getpid()}"
    try:
        with Memory(segment, 16 << 20) as memory:
            for name, count in (("small", SMALL), ("large", LARGE)):
                Array(memory, name, count, np.float64).data[-1] = 1.0

            print("open segment + numpy view of an array (median of 200):")
            opened = {}
            for name, count in (("small", SMALL), ("large", LARGE)):
                opened[count] = median_time(200, lambda name=name: open_and_view(segment, name))
                print(f"  {count:>9,} float64 elements: {opened[count] * 1e6:8.1f} us")
            print(f"  ratio large/small: {opened[LARGE] / opened[SMALL]:.2f}")

            queue = Queue(memory, "queue", CAPACITY, np.int64)
            scratch = mmap.mmap(-1, 8 + 8 * CAPACITY)
            plain = PlainRing(scratch, CAPACITY)
            with_numpy = NumpyRing(mmap.mmap(-1, 8 + 8 * CAPACITY), CAPACITY)
            sequenced = SequencedRing(mmap.mmap(-1, 16 + 12 * CAPACITY), CAPACITY)
            pairs = 300_000
            native = max(pairs_per_second(queue, pairs) for _ in range(3))
            baseline = max(pairs_per_second(plain, pairs) for _ in range(3))
            numpy_ring = max(pairs_per_second(with_numpy, pairs) for _ in range(3))
            upstream = max(pairs_per_second(sequenced, pairs) for _ in range(3))
            print("push + pop pairs per second, one process:")
            print(f"  zeroipc Queue (atomic)                  {native:12,.0f}")
            ratio = native / upstream
            print(f"  upstream's pure-Python queue, as coded  {upstream:12,.0f}   ({ratio:.1f}x)")
            ratio = native / numpy_ring
            print(f"  leaner ring, numpy views (no lock)      {numpy_ring:12,.0f}   ({ratio:.1f}x)")
            print(f"  leaner ring, struct (no lock)           {baseline:12,.0f}   ({native / baseline:.1f}x)")
    finally:
        Memory.unlink(segment)

    single = two_processes("single", 300_000)
    batch = two_processes("batch", 20_000_000)
    rust = rust_batches(20_000_000)
    print("items per second between two processes, queue of 1,024 int64:")
    print(f"  push_wait / pop, one at a time  {single:14,.0f}")
    print(f"  push_array / pop_into, runs of {RUN} {batch:12,.0f}   ({batch / single:.1f}x one at a time)")
    print(f"  Rust push_slice / pop_into, {RUN}  {rust:13,.0f}   (Python at 1/{rust / batch:.2f} of it)")


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--produce":
        produce(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        main()
