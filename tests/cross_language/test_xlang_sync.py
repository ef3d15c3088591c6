"""One lock and one barrier, Rust and Python processes at once.

The entries are those of ``interop create-sync`` (``zeroipc/examples/interop.rs``): a lock ``lock``
(a semaphore of count 1 and maximum 1, what the format calls a mutex), a uint64 ``counter``,
a barrier ``phase``, a uint64 array ``progress`` with one element per participant, and a
latch ``start`` through which the three workers of a case start together (a Python
interpreter takes far longer to start than a Rust program). Each case is run on a segment
created by Rust and on one created by Python.

- Mutual exclusion: two Rust processes and a Python one increment ``counter`` many times
  each, reading and writing it while they hold the lock (the Rust ones more times, so that
  all three run about as long); no update may be lost, and the lock ends free with no
  waiter counted.
- Barrier: three participants (two Rust, one Python) go through GENERATIONS rounds of two
  barrier waits, checking after the first that everyone has reached the round; exactly one
  Rust or Python participant leads each opening, and the generation counts them all.

Every process has a deadline and every wait a time limit: a hang is a failure, not a stuck run.
"""

import sys
from pathlib import Path

import numpy as np
import pytest
from xlang_support import OP_TIMEOUT, summary
from xlang_sync_worker import create_sync

from zeroipc import Array, Barrier, Latch, Memory, Semaphore

PYTHON_ROUNDS = 2000  # a Python round takes ten times a Rust one: these run about as long
RUST_ROUNDS = 20000
GENERATIONS = 40  # two barrier openings each
PARTICIPANTS = 3
DEADLINE = 120.0
WORKER = Path(__file__).resolve().with_name("xlang_sync_worker.py")


def rust(interop, *args):
    return [interop, *map(str, args), "--timeout", str(OP_TIMEOUT)]


def python(*args):
    return [sys.executable, str(WORKER), *map(str, args), "--timeout", str(OP_TIMEOUT)]


def create(creator, interop, processes, name):
    if creator == "rust":
        argv = [interop, "create-sync", name, PARTICIPANTS]
        assert summary(processes(argv, 60, "rust_create").wait()) == {"participants": str(PARTICIPANTS)}
    else:
        with Memory(name, 1 << 16) as mem:
            create_sync(mem, PARTICIPANTS)


@pytest.mark.parametrize("creator", ["rust", "python"])
def test_a_lock_shared_by_rust_and_python_loses_no_update(creator, interop, segment, processes):
    name = segment()
    create(creator, interop, processes, name)
    workers = [
        (processes(rust(interop, "lock-increment", name, RUST_ROUNDS), DEADLINE, "rust_0"), RUST_ROUNDS),
        (processes(rust(interop, "lock-increment", name, RUST_ROUNDS), DEADLINE, "rust_1"), RUST_ROUNDS),
        (processes(python("lock-increment", name, PYTHON_ROUNDS), DEADLINE, "python"), PYTHON_ROUNDS),
    ]
    for worker, rounds in workers:
        assert summary(worker.wait())["rounds"] == str(rounds)
    with Memory(name) as mem:
        assert Latch(mem, "start").count == 0
        counter = Array(mem, "counter", dtype=np.uint64)
        assert int(counter.data[0]) == 2 * RUST_ROUNDS + PYTHON_ROUNDS
        lock = Semaphore(mem, "lock")
        assert (lock.count, lock.waiting, lock.max_count) == (1, 0, 1)
        del counter, lock


@pytest.mark.parametrize("creator", ["rust", "python"])
def test_a_barrier_keeps_rust_and_python_in_step(creator, interop, segment, processes):
    name = segment()
    create(creator, interop, processes, name)
    rust_workers = [
        processes(rust(interop, "barrier-rounds", name, i, GENERATIONS), DEADLINE, f"rust_{i}")
        for i in range(PARTICIPANTS - 1)
    ]
    python_worker = processes(
        python("barrier-rounds", name, PARTICIPANTS - 1, GENERATIONS), DEADLINE, "python"
    )
    assert summary(python_worker.wait()) == {"generations": str(GENERATIONS)}
    rust_leads = sum(int(summary(worker.wait())["leads"]) for worker in rust_workers)
    openings = 2 * GENERATIONS
    # Python does not say whether it led; the Rust participants led at most every opening.
    assert rust_leads <= openings
    with Memory(name) as mem:
        phase = Barrier(mem, "phase")
        assert phase.generation == openings
        assert phase.arrived == 0
        assert np.all(Array(mem, "progress", dtype=np.uint64).data == GENERATIONS)
        del phase
