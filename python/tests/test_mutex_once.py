"""Mutex and Once: in one process, and in real (spawned) processes."""

import multiprocessing
import struct
import threading
import time

import numpy as np
import process_bodies
import pytest

from zeroipc import Array, Barrier, Corrupt, Memory, Mutex, NotFound, Once, Semaphore, Timeout

# ---- Mutex -----------------------------------------------------------------------------------


def test_a_mutex_is_a_semaphore_of_count_1_and_max_1(mem):
    lock = Mutex(mem, "lock", create=True)
    sem = Semaphore(mem, "lock")
    assert (sem.count, sem.max_count) == (1, 1)
    assert mem.table.find("lock").size == 16
    assert not lock.locked()
    assert lock.acquire(timeout=0)
    assert lock.locked() and sem.count == 0
    lock.release()
    assert not lock.locked()


def test_a_mutex_excludes_and_times_out(mem):
    lock = Mutex(mem, "lock", create=True)
    other = Mutex(mem, "lock")
    assert lock.try_acquire()
    assert not other.try_acquire()
    started = time.monotonic()
    assert not other.acquire(timeout=0.05)
    assert time.monotonic() - started >= 0.05
    lock.release()
    assert other.acquire(timeout=1)
    other.release()


def test_a_waiting_acquire_gets_the_lock_once_released(mem):
    lock = Mutex(mem, "lock", create=True)
    lock.acquire()
    threading.Timer(0.05, lock.release).start()
    assert Mutex(mem, "lock").acquire(timeout=10)
    assert lock.locked()


def test_a_mutex_is_a_context_manager(mem):
    lock = Mutex(mem, "lock", create=True)
    with lock as held:
        assert held is lock and lock.locked()
    assert not lock.locked()
    with pytest.raises(KeyError):
        with lock:
            raise KeyError("released on the way out")
    assert not lock.locked()


def test_releasing_an_unlocked_mutex_raises(mem):
    lock = Mutex(mem, "lock", create=True)
    with pytest.raises(RuntimeError):
        lock.release()
    assert not lock.locked()


def test_create_opens_an_existing_mutex_and_keeps_its_state(mem):
    lock = Mutex(mem, "lock", create=True)
    lock.acquire()
    assert Mutex(mem, "lock", create=True).locked()


def test_opening_checks_that_the_semaphore_is_a_mutex(mem):
    with pytest.raises(NotFound):
        Mutex(mem, "lock")
    Semaphore(mem, "counting", initial_count=1, max_count=2)
    with pytest.raises(Corrupt, match="max_count 1"):
        Mutex(mem, "counting")
    Semaphore(mem, "unbounded", initial_count=1)
    with pytest.raises(Corrupt, match="max_count 1"):
        Mutex(mem, "unbounded", create=True)
    sem = Semaphore(mem, "bad_count", initial_count=1, max_count=1)
    struct.pack_into("<i", mem.data, mem.table.find("bad_count").offset, 2)
    assert sem.count == 2
    with pytest.raises(Corrupt, match="(count is 0 or 1|count -?[0-9]+ is not from 0 to its max_count 1)"):
        Mutex(mem, "bad_count")
    struct.pack_into("<i", mem.data, mem.table.find("bad_count").offset, -1)
    with pytest.raises(Corrupt, match="(count is 0 or 1|count -?[0-9]+ is not from 0 to its max_count 1)"):
        Mutex(mem, "bad_count")


# ---- Once ------------------------------------------------------------------------------------


def test_once_runs_the_function_once(mem):
    once = Once(mem, "init", create=True)
    assert mem.table.find("init").size == 4
    assert once.state == 0 and not once.done() and not once.is_completed()
    calls = []
    assert once.call_once(lambda: calls.append(1)) is True
    assert once.done() and once.is_completed() and once.state == 2
    assert once.call_once(lambda: calls.append(2)) is False
    assert Once(mem, "init").call_once(lambda: calls.append(3)) is False
    assert Once(mem, "init", create=True).done()
    assert calls == [1]
    assert once.wait(timeout=0)


def test_a_function_that_raises_leaves_the_flag_pending(mem):
    once = Once(mem, "init", create=True)

    def fail():
        raise ValueError("the first attempt fails")

    with pytest.raises(ValueError):
        once.call_once(fail)
    assert once.state == 0 and not once.done()
    assert once.call_once(lambda: None) is True
    assert once.done()


def test_callers_wait_while_another_runs_the_function(mem):
    once = Once(mem, "init", create=True)
    running = threading.Event()
    results = []

    def slow():
        running.set()
        time.sleep(0.1)
        results.append("ran")

    thread = threading.Thread(target=lambda: results.append(once.call_once(slow)))
    thread.start()
    assert running.wait(10)
    other = Once(mem, "init")
    assert other.state == 1
    assert other.call_once(lambda: results.append("not run"), timeout=10) is False
    assert results[0] == "ran"  # the function finished before the waiter returned
    thread.join()
    assert results == ["ran", True]


def test_a_runner_that_died_makes_waiters_time_out(mem):
    once = Once(mem, "init", create=True)
    struct.pack_into("<I", mem.data, mem.table.find("init").offset, 1)  # running, for ever
    started = time.monotonic()
    with pytest.raises(Timeout) as raised:
        once.call_once(lambda: pytest.fail("must not run"), timeout=0.05)
    assert isinstance(raised.value, TimeoutError)
    assert time.monotonic() - started >= 0.05
    assert once.state == 1
    assert not once.wait(timeout=0.02)


def test_opening_checks_the_once_flag(mem):
    with pytest.raises(NotFound):
        Once(mem, "init")
    Array(mem, "wide", 4, np.uint32)
    with pytest.raises(Corrupt, match="4 bytes"):
        Once(mem, "wide")
    once = Once(mem, "init", create=True)
    struct.pack_into("<I", mem.data, mem.table.find("init").offset, 3)
    with pytest.raises(Corrupt, match="once state 3"):
        Once(mem, "init")
    with pytest.raises(Corrupt, match="once state 3"):
        once.call_once(lambda: None)


# ---- In real processes -----------------------------------------------------------------------

PROCESSES = 4


def _run(processes):
    for process in processes:
        process.start()
    try:
        for process in processes:
            process.join(timeout=process_bodies.DEADLINE)
    finally:
        for process in processes:
            if process.is_alive():
                process.kill()
                process.join()
    assert [process.exitcode for process in processes] == [0] * len(processes)


def test_a_mutex_protects_a_counter_across_processes(shm_name):
    context = multiprocessing.get_context("spawn")
    rounds = 300
    with Memory(shm_name, 1 << 16) as memory:
        Mutex(memory, "lock", create=True)
        counter = Array(memory, "counter", 1, np.int64)
        Barrier(memory, "start", num_participants=PROCESSES)
        _run(
            [
                context.Process(target=process_bodies.lock_and_increment, args=(shm_name, rounds))
                for _ in range(PROCESSES)
            ]
        )
        assert counter[0] == PROCESSES * rounds
        assert not Mutex(memory, "lock").locked()


def test_once_runs_in_exactly_one_process(shm_name):
    context = multiprocessing.get_context("spawn")
    with Memory(shm_name, 1 << 16) as memory:
        runs = Array(memory, "runs", 1, np.int64)
        Barrier(memory, "start", num_participants=PROCESSES)
        results = context.Queue()
        processes = [
            context.Process(target=process_bodies.run_once, args=(shm_name, results))
            for _ in range(PROCESSES)
        ]
        _run(processes)
        reported = [results.get(timeout=process_bodies.DEADLINE) for _ in range(PROCESSES)]
        assert sorted(ran for ran, _ in reported) == [False] * (PROCESSES - 1) + [True]
        assert all(done for _, done in reported)
        assert runs[0] == 1
        assert Once(memory, "init").done()
