"""The Python side of the cross-language synchronisation tests, one process per step.

    python xlang_sync_worker.py lock-increment SEG ROUNDS [--timeout SECS]
    python xlang_sync_worker.py barrier-rounds SEG INDEX GENERATIONS [--timeout SECS]

The same steps and one-line summaries as ``zeroipc/examples/interop.rs``, on the entries its
``create-sync`` step makes (or :func:`create_sync` here): a lock ``lock`` (a semaphore of
count 1 and maximum 1), a uint64 array ``counter`` of one element, a barrier ``phase``, a
uint64 array ``progress`` with one element per participant, and a latch ``start`` that
every worker counts down, then waits for, so that all start together. An error is a
message on stderr and exit status 1.
"""

import argparse
import sys
import time

import numpy as np

from zeroipc import Array, Barrier, Latch, Memory, Semaphore


def create_sync(mem: Memory, participants: int) -> None:
    """The entries of ``interop create-sync``, in its order, written by Python."""
    Semaphore(mem, "lock", 1, 1)
    Array(mem, "counter", 1, np.uint64)
    Barrier(mem, "phase", participants)
    Array(mem, "progress", participants, np.uint64)
    Latch(mem, "start", participants)


def start_together(mem: Memory, timeout: float) -> None:
    """Count ``start`` down and wait for the other workers to do the same."""
    start = Latch(mem, "start")
    start.count_down()
    if not start.wait(timeout):
        raise TimeoutError(f"the other workers did not start within {timeout} s")


def lock_increment(mem: Memory, rounds: int, timeout: float) -> str:
    lock = Semaphore(mem, "lock")
    if lock.max_count != 1:
        raise ValueError(f"lock has max_count {lock.max_count}, not 1: it is not a mutex")
    counter = Array(mem, "counter", dtype=np.uint64).data
    start_together(mem, timeout)
    started = time.perf_counter()
    for round_ in range(rounds):
        if not lock.acquire(timeout):
            raise TimeoutError(f"round {round_} of {rounds}: the lock stayed taken for {timeout} s")
        try:
            # Read, then write: an update is lost if another process is ever in here too.
            value = int(counter[0])
            counter[0] = value + 1
        finally:
            lock.release()
    return f"rounds={rounds} seconds={time.perf_counter() - started:.3f}"


def barrier_rounds(mem: Memory, index: int, generations: int, timeout: float) -> str:
    phase = Barrier(mem, "phase")
    progress = Array(mem, "progress", dtype=np.uint64).data
    if not 0 <= index < progress.size:
        raise ValueError(f"INDEX must be below {progress.size}")
    start_together(mem, timeout)
    for generation in range(1, generations + 1):
        progress[index] = generation
        if not phase.wait(timeout):
            raise TimeoutError(f"generation {generation}: the others did not arrive within {timeout} s")
        behind = np.flatnonzero(progress < generation)
        if behind.size:
            raise AssertionError(
                f"participant {behind[0]} is at {progress[behind[0]]} "
                f"after the barrier of generation {generation}"
            )
        if not phase.wait(timeout):
            raise TimeoutError(f"generation {generation}: the others did not leave within {timeout} s")
    return f"generations={generations}"


def main(argv) -> int:
    parser = argparse.ArgumentParser(prog="xlang_sync_worker")
    parser.add_argument("step", choices=["lock-increment", "barrier-rounds"])
    parser.add_argument("segment")
    parser.add_argument("numbers", nargs="+", type=int, help="ROUNDS, or INDEX GENERATIONS")
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args(argv)
    try:
        with Memory(args.segment) as memory:
            if args.step == "lock-increment":
                (rounds,) = args.numbers
                line = lock_increment(memory, rounds, args.timeout)
            else:
                index, generations = args.numbers
                line = barrier_rounds(memory, index, generations, args.timeout)
    except Exception as error:  # every failure becomes a message and a status
        print(f"xlang_sync_worker {args.step}: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
