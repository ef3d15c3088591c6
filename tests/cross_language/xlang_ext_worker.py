"""The Python side of the cross-language Map, Set, Pool and Ring tests, one process per step.

    python xlang_ext_worker.py map-worker SEG ID N SHARED [--timeout SECS]
    python xlang_ext_worker.py set-worker SEG ID N SHARED [--timeout SECS]
    python xlang_ext_worker.py pool-worker SEG ID ROUNDS HOLD
    python xlang_ext_worker.py ring-produce SEG ENTRY COUNT [--timeout SECS]
    python xlang_ext_worker.py ring-consume SEG ENTRY COUNT [--timeout SECS]

The same steps, keys and one-line summaries as ``zeroipc/examples/interop.rs`` (see its
"Map, Set, Pool and Ring workers" part). An error is a message on stderr and exit status 1.
"""

import argparse
import sys
import time

import numpy as np

from zeroipc import Latch, Map, Memory, Pool, Ring, Set

UPDATED = 1_000_000
RING_CHUNK = 4096


def own_key(worker: int, i: int) -> int:
    return worker * 1_000_000 + i


def shared_key(j: int) -> int:
    return 5_000_000 + j


def phase(mem: Memory, latch: str, timeout: float) -> None:
    gate = Latch(mem, latch)
    gate.count_down()
    if not gate.wait(timeout):
        raise TimeoutError(f"the other workers did not reach {latch} in {timeout} s")


def map_worker(mem: Memory, worker: int, n: int, shared: int, timeout: float) -> str:
    m = Map(mem, "map", np.uint64, np.uint64)
    phase(mem, "start", timeout)
    for i in range(n):
        if m.put(own_key(worker, i), i) is not None:
            raise AssertionError(f"own key {i} was there before its insert")
    new_shared = sum(m.put(shared_key(j), j * 7) is None for j in range(shared))
    for i in range(0, n, 2):
        old = m.put(own_key(worker, i), i + UPDATED)
        if old != i:
            raise AssertionError(f"own key {i} held {old} at its update, not {i}")
    phase(mem, "map_phase", timeout)
    for i in range(0, n, 3):
        want = i + UPDATED if i % 2 == 0 else i
        got = m.pop(own_key(worker, i), None)
        if got != want:
            raise AssertionError(f"own key {i} held {got} at its removal, not {want}")
    removed_shared = sum(m.erase(shared_key(j)) for j in range(shared // 2))
    return f"new_shared={new_shared} removed_shared={removed_shared}"


def set_worker(mem: Memory, worker: int, n: int, shared: int, timeout: float) -> str:
    s = Set(mem, "set", np.uint64)
    phase(mem, "start", timeout)
    for i in range(n):
        if not s.insert(own_key(worker, i)):
            raise AssertionError(f"own element {i} was there before its insert")
    new_shared = sum(s.insert(shared_key(j)) for j in range(shared))
    phase(mem, "set_phase", timeout)
    for i in range(0, n, 3):
        if not s.erase(own_key(worker, i)):
            raise AssertionError(f"own element {i} was gone at its removal")
    removed_shared = sum(s.erase(shared_key(j)) for j in range(shared // 2))
    return f"new_shared={new_shared} removed_shared={removed_shared}"


def pool_worker(mem: Memory, worker: int, rounds: int, hold: int) -> str:
    pool = Pool(mem, "pool", np.uint64)
    clashes = allocations = empty = 0
    held = []
    for round_ in range(rounds):
        mark = worker << 32 | round_
        while len(held) < hold:
            node = pool.allocate()
            if node is None:
                empty += 1
                break
            pool[node] = mark
            held.append(node)
            allocations += 1
        time.sleep(0)
        clashes += sum(pool[node] != mark for node in held)
        for node in held:
            pool.free(node)
        held.clear()
    return f"clashes={clashes} allocations={allocations} empty={empty}"


def ring_produce(mem: Memory, entry: str, count: int, timeout: float) -> str:
    ring = Ring(mem, entry, np.uint64)
    values = np.arange(count, dtype=np.uint64)
    started = time.perf_counter()
    at, progress = 0, time.monotonic()
    while at < count:
        n = ring.write(values[at : at + RING_CHUNK])
        if n == 0:
            if time.monotonic() - progress > timeout:
                raise TimeoutError(f"the ring stayed full for {timeout} s at {at}")
            time.sleep(0)
            continue
        at += n
        progress = time.monotonic()
    return f"written={count} seconds={time.perf_counter() - started:.3f}"


def ring_consume(mem: Memory, entry: str, count: int, timeout: float) -> str:
    ring = Ring(mem, entry, np.uint64)
    chunk = np.empty(RING_CHUNK, dtype=np.uint64)
    started = time.perf_counter()
    at, progress = 0, time.monotonic()
    while at < count:
        n = ring.read_into(chunk[: min(RING_CHUNK, count - at)])
        if n == 0:
            if time.monotonic() - progress > timeout:
                raise TimeoutError(f"the ring stayed empty for {timeout} s at {at}")
            time.sleep(0)
            continue
        expected = np.arange(at, at + n, dtype=np.uint64)
        wrong = np.flatnonzero(chunk[:n] != expected)
        if wrong.size:
            raise AssertionError(f"element {at + wrong[0]} is {chunk[wrong[0]]}")
        at += n
        progress = time.monotonic()
    return f"received={count} in_order=true seconds={time.perf_counter() - started:.3f}"


def main(argv) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("step")
    parser.add_argument("operands", nargs="+")
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args(argv)
    try:
        seg, *rest = args.operands
        with Memory(seg) as mem:
            if args.step in ("map-worker", "set-worker"):
                worker, n, shared = map(int, rest)
                run = map_worker if args.step == "map-worker" else set_worker
                line = run(mem, worker, n, shared, args.timeout)
            elif args.step == "pool-worker":
                worker, rounds, hold = map(int, rest)
                line = pool_worker(mem, worker, rounds, hold)
            elif args.step in ("ring-produce", "ring-consume"):
                entry, count = rest[0], int(rest[1])
                run = ring_produce if args.step == "ring-produce" else ring_consume
                line = run(mem, entry, count, args.timeout)
            else:
                print(f"unknown step {args.step!r}", file=sys.stderr)
                return 2
    except Exception as e:
        print(f"xlang_ext_worker {args.step}: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
