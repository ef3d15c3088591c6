"""Map, Set, Pool and Ring shared by Rust and Python processes at once.

- Map and Set: 4 workers (2 Rust, 2 Python), started together by a latch, insert, update and remove disjoint keys (their
  own) and overlapping ones (the same shared keys, inserted by all, then half of them removed
  by all); the final contents equal a sequential model, and over all workers each shared key
  was found new exactly once and removed exactly once (a key held twice would be counted
  twice, a lost one not at all).
- Pool: 4 workers allocate and free nodes of a small pool, marking each node they hold; no
  mark is ever overwritten (no node held twice), and every node comes back.
- Ring: one Rust and one Python process, a million elements in order, each way.

The workers are ``interop`` (``zeroipc/examples/interop.rs``) and ``xlang_ext_worker.py``.
"""

import sys
from pathlib import Path

import numpy as np
import pytest
from xlang_support import OP_TIMEOUT, summary

from zeroipc import Latch, Map, Memory, Pool, Ring, Set

WORKER = Path(__file__).resolve().with_name("xlang_ext_worker.py")
DEADLINE = 300.0
OWN = 3000  # keys of each worker's own
SHARED = 2000  # keys every worker inserts
UPDATED = 1_000_000
RING_ELEMENTS = 1_000_000


def rust(interop, *args):
    return [interop, *map(str, args), "--timeout", str(OP_TIMEOUT)]


def python(*args):
    return [sys.executable, str(WORKER), *map(str, args), "--timeout", str(OP_TIMEOUT)]


def own_key(worker: int, i: int) -> int:
    return worker * 1_000_000 + i


def shared_key(j: int) -> int:
    return 5_000_000 + j


def run_workers(interop, processes, step, name, *args):
    """Workers 0 and 1 in Rust, 2 and 3 in Python, all at once; their summaries."""
    started = [
        processes(rust(interop, step, name, 0, *args), DEADLINE, "rust0"),
        processes(python(step, name, 2, *args), DEADLINE, "py2"),
        processes(rust(interop, step, name, 1, *args), DEADLINE, "rust1"),
        processes(python(step, name, 3, *args), DEADLINE, "py3"),
    ]
    return [summary(p.wait()) for p in started]


def model_map():
    """What the map holds after every worker's steps, whatever their interleaving."""
    model = {}
    for worker in range(4):
        for i in range(OWN):
            if i % 3 != 0:
                model[own_key(worker, i)] = i + UPDATED if i % 2 == 0 else i
    for j in range(SHARED // 2, SHARED):
        model[shared_key(j)] = j * 7
    return model


def check_counts(summaries):
    assert sum(int(s["new_shared"]) for s in summaries) == SHARED, summaries
    assert sum(int(s["removed_shared"]) for s in summaries) == SHARED // 2, summaries


def test_four_processes_of_two_languages_share_one_map(interop, segment, processes):
    name = segment()
    capacity = 4 * OWN + SHARED + 1024
    with Memory(name, 4 << 20) as mem:
        Map(mem, "map", np.uint64, np.uint64, capacity)
        Latch(mem, "start", 4)
        Latch(mem, "map_phase", 4)
        summaries = run_workers(interop, processes, "map-worker", name, OWN, SHARED)
        check_counts(summaries)
        m = Map(mem, "map", np.uint64, np.uint64)
        model = model_map()
        items = m.items()
        assert len(items) == len(set(k for k, _ in items)), "a key held in two slots"
        assert dict(items) == model
        assert len(m) == len(model)


def test_four_processes_of_two_languages_share_one_set(interop, segment, processes):
    name = segment()
    capacity = 4 * OWN + SHARED + 1024
    with Memory(name, 4 << 20) as mem:
        Set(mem, "set", np.uint64, capacity)
        Latch(mem, "start", 4)
        Latch(mem, "set_phase", 4)
        summaries = run_workers(interop, processes, "set-worker", name, OWN, SHARED)
        check_counts(summaries)
        s = Set(mem, "set", np.uint64)
        elements = list(s)
        assert len(elements) == len(set(elements)), "an element held in two slots"
        assert set(elements) == set(model_map())
        assert len(s) == len(elements)


def test_four_processes_of_two_languages_never_hold_one_pool_node_twice(interop, segment, processes):
    name = segment()
    capacity, rounds, hold = 16, 3000, 3
    with Memory(name, 1 << 20) as mem:
        pool = Pool(mem, "pool", np.uint64, capacity)
        summaries = run_workers(interop, processes, "pool-worker", name, rounds, hold)
        assert [s["clashes"] for s in summaries] == ["0"] * 4, summaries
        assert all(int(s["allocations"]) > rounds for s in summaries), summaries
        assert len(pool) == 0
        # Every node came back to the free list, once.
        nodes = [pool.allocate() for _ in range(capacity)]
        assert sorted(nodes) == list(range(capacity))
        assert pool.allocate() is None


@pytest.mark.parametrize("producer", ["rust", "python"])
def test_a_million_ring_elements_arrive_in_order_across_languages(interop, segment, processes, producer):
    name = segment()
    with Memory(name, 1 << 20) as mem:
        Ring(mem, "ring", np.uint64, 8192)
        make = {"rust": lambda *a: rust(interop, *a), "python": python}
        consumer_lang = "python" if producer == "rust" else "rust"
        consumer = processes(make[consumer_lang]("ring-consume", name, "ring", RING_ELEMENTS), DEADLINE, "consumer")
        produced = processes(make[producer]("ring-produce", name, "ring", RING_ELEMENTS), DEADLINE, "producer")
        assert summary(produced.wait())["written"] == str(RING_ELEMENTS)
        consumed = summary(consumer.wait())
        assert consumed == {**consumed, "received": str(RING_ELEMENTS), "in_order": "true"}
        wall = max(produced.seconds, consumer.seconds)
        print(f"\nRing {producer} -> {consumer_lang}: {RING_ELEMENTS:,} elements in {wall:.2f} s")
