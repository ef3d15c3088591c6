"""Semaphore, Latch and Barrier."""

import struct
import threading
import time

import pytest

from zeroipc import Barrier, CountAtMaximum, Latch, NotFound, Semaphore, ZeroIPCError


def test_a_semaphore_counts_permits(mem):
    sem = Semaphore(mem, "sem", initial_count=2, max_count=2)
    assert (sem.count, sem.max_count, sem.waiting) == (2, 2, 0)
    assert sem.try_acquire() and sem.acquire(timeout=0)
    assert not sem.try_acquire()
    assert not sem.acquire(timeout=0.02)
    assert sem.waiting == 0
    sem.release()
    sem.release()
    with pytest.raises(CountAtMaximum) as caught:
        sem.release()
    assert isinstance(caught.value, OverflowError)  # what code written for earlier versions catches
    assert (caught.value.name, caught.value.max) == ("sem", 2) and sem.count == 2
    with sem:
        assert sem.count == 1
    assert sem.count == 2


def test_an_unbounded_semaphore_releases_without_limit(mem):
    sem = Semaphore(mem, "sem", initial_count=0)
    for _ in range(5):
        sem.release()
    assert Semaphore(mem, "sem").count == 5


I32_MAX = 2**31 - 1


def test_an_unbounded_semaphore_stops_at_the_largest_i32(mem):
    sem = Semaphore(mem, "sem", initial_count=I32_MAX - 1)
    sem.release()
    with pytest.raises(CountAtMaximum) as caught:
        sem.release()
    assert isinstance(caught.value, ZeroIPCError) and caught.value.max == I32_MAX
    assert sem.count == I32_MAX


def test_a_count_written_at_the_largest_i32_is_refused_not_overflowed(mem):
    sem = Semaphore(mem, "sem", initial_count=0)
    offset = mem.table.find("sem").offset
    struct.pack_into("<i", mem.data, offset, I32_MAX)  # as another process could leave it
    with pytest.raises(CountAtMaximum, match="""['"]sem['"]"""):
        sem.release()
    assert struct.unpack_from("<i", mem.data, offset)[0] == I32_MAX
    assert sem.try_acquire() and sem.count == I32_MAX - 1
    sem.release()
    assert sem.count == I32_MAX


def test_words_at_the_largest_i32_wrap_where_the_format_wraps(mem):
    sem = Semaphore(mem, "sem", initial_count=1)
    struct.pack_into("<i", mem.data, mem.table.find("sem").offset + 4, I32_MAX)  # waiting
    assert sem.acquire(timeout=0)
    assert sem.waiting == I32_MAX
    barrier = Barrier(mem, "barrier", num_participants=1)
    struct.pack_into("<i", mem.data, mem.table.find("barrier").offset + 4, I32_MAX)  # generation
    assert barrier.wait(timeout=0)
    assert barrier.generation == -(2**31)
    latch = Latch(mem, "latch", count=1)
    struct.pack_into("<i", mem.data, mem.table.find("latch").offset, I32_MAX)
    latch.count_down(2**40)
    assert latch.count == 0


def test_a_waiting_acquire_gets_a_later_release(mem):
    sem = Semaphore(mem, "sem", initial_count=0)
    threading.Timer(0.05, sem.release).start()
    assert sem.acquire(timeout=10)


def test_semaphore_arguments_are_checked(mem):
    with pytest.raises(ValueError):
        Semaphore(mem, "sem", initial_count=3, max_count=2)
    with pytest.raises(ValueError):
        Semaphore(mem, "sem", initial_count=-1)
    with pytest.raises(NotFound):
        Semaphore(mem, "sem")


def test_a_latch_opens_when_counted_down(mem):
    latch = Latch(mem, "latch", count=3)
    assert (latch.count, latch.initial_count) == (3, 3)
    assert not latch.try_wait() and not latch.wait(timeout=0.01)
    latch.count_down()
    latch.count_down(5)
    assert latch.count == 0 and latch.try_wait() and latch.wait(timeout=0)
    latch.count_down()
    assert latch.count == 0
    with pytest.raises(ValueError):
        latch.count_down(0)


def test_a_barrier_releases_all_participants_together(mem):
    barrier = Barrier(mem, "barrier", num_participants=3)
    results = []

    def arrive():
        results.append(Barrier(mem, "barrier").wait(timeout=10))

    threads = [threading.Thread(target=arrive) for _ in range(2)]
    for thread in threads:
        thread.start()
    assert barrier.wait(timeout=10)
    for thread in threads:
        thread.join()
    assert results == [True, True]
    assert (barrier.arrived, barrier.generation) == (0, 1)


def test_a_barrier_wait_that_times_out_withdraws_its_arrival(mem):
    barrier = Barrier(mem, "barrier", num_participants=2)
    assert not barrier.wait(timeout=0.02)
    assert barrier.arrived == 0 and barrier.generation == 0
    with pytest.raises(ValueError):
        Barrier(mem, "other", num_participants=0)


def _arrive_in_thread(barrier, timeout):
    """Start a participant waiting at ``barrier``; returns its thread and the list its result goes to."""
    result = []
    thread = threading.Thread(target=lambda: result.append(barrier.wait(timeout=timeout)))
    thread.start()
    deadline = time.monotonic() + 10
    while barrier.arrived == 0:
        assert time.monotonic() < deadline, "the participant never arrived"
        time.sleep(0.001)
    return thread, result


def test_a_timed_out_wait_keeps_its_arrival_when_the_barrier_is_opening(mem):
    barrier = Barrier(mem, "barrier", num_participants=3)
    thread, result = _arrive_in_thread(Barrier(mem, "barrier"), timeout=0.02)
    offset = mem.table.find("barrier").offset  # arrived at +0, generation at +4
    # The two others arrive; the leader is slow to reset the count and bump the generation.
    struct.pack_into("<i", mem.data, offset, 3)
    time.sleep(0.2)  # the waiter has timed out meanwhile, and must not take its arrival back
    assert barrier.arrived == 3
    struct.pack_into("<ii", mem.data, offset, 0, 1)
    thread.join()
    assert result == [True]
    assert (barrier.arrived, barrier.generation) == (0, 1)


def test_a_timed_out_wait_reports_a_leader_that_never_opens(mem):
    barrier = Barrier(mem, "barrier", num_participants=2)
    thread, result = _arrive_in_thread(Barrier(mem, "barrier"), timeout=0.02)
    # The leader arrived and died before opening (the waiter's patience for an opening is
    # the crate's, about a second).
    struct.pack_into("<i", mem.data, mem.table.find("barrier").offset, 2)
    thread.join()
    assert result == [False]
    assert (barrier.arrived, barrier.generation) == (2, 0)  # the arrival counted: not taken back
