"""Event, RWLock, Monitor and Signal; upstream's method names of Mutex and Once; waits that
release the GIL and give way to Ctrl-C."""

import os
import signal
import threading
import time

import numpy as np
import pytest

from zeroipc import Event, EventMode, Monitor, Mutex, NotFound, Once, RWLock, Semaphore, Signal


def test_a_manual_reset_event_stays_set_until_reset(mem):
    event = Event(mem, "ev", manual_reset=True)
    assert not event.is_set() and not event.wait(timeout=0.01)
    event.set()
    assert event.wait(timeout=0) and event.wait(timeout=0) and event.is_set()
    Event(mem, "ev").clear()
    assert not event.is_set() and event.manual_reset


def test_an_auto_reset_event_lets_one_waiter_through_per_set(mem):
    event = Event(mem, "ev", manual_reset=False)
    event.set()
    assert event.try_wait()
    assert not event.try_wait()
    threading.Timer(0.05, event.set).start()
    assert event.wait(timeout=10)
    with pytest.raises(NotFound):
        Event(mem, "absent")


def test_an_rwlock_admits_readers_together_and_a_writer_alone(mem):
    lock = RWLock(mem, "rw", create=True)
    other = RWLock(mem, "rw")
    assert lock.read_lock() and other.read_lock(timeout=0)
    assert lock.readers == 2
    assert not other.try_write_lock() and not other.write_lock(timeout=0.02)
    lock.read_unlock()
    other.read_unlock()
    with lock.write():
        assert lock.is_write_locked() and not other.try_read_lock()
        assert not other.read_lock(timeout=0.02)
    with other.read():
        assert lock.readers == 1
    assert lock.readers == 0 and not lock.is_write_locked()
    with pytest.raises(RuntimeError):
        lock.write_unlock()


def test_a_monitor_waiter_wakes_on_notify_with_the_lock_held(mem):
    monitor = Monitor(mem, "mon", create=True)
    ready = []

    def notifier():
        time.sleep(0.05)
        with Monitor(mem, "mon") as m:
            ready.append(1)
            m.notify_all()

    thread = threading.Thread(target=notifier)
    thread.start()
    with monitor:
        deadline = time.monotonic() + 10
        while not ready and time.monotonic() < deadline:
            monitor.wait(timeout=1)
        assert ready and not monitor.try_lock()  # held again after the wait
    thread.join()
    assert monitor.try_lock()
    monitor.unlock()


def test_a_signal_carries_a_versioned_value(mem):
    setpoint = Signal(mem, "sp", np.float64, 20.0)
    reader = Signal(mem, "sp", np.float64)
    assert reader.get_versioned() == (0, 20.0) and reader.get() == 20.0
    threading.Timer(0.05, setpoint.set, args=(21.5,)).start()
    assert reader.wait_change(0, timeout=10) == (1, 21.5)
    assert reader.wait_change(1, timeout=0.02) is None and reader.version == 1
    assert reader.has_changed(0) and not reader.has_changed(1)
    assert not reader.wait_for_change(1, timeout=0.02)
    record = np.dtype([("x", "<f4"), ("y", "<f4")])
    pos = Signal(mem, "pos", record, (1.0, 2.0))
    version, value = pos.get_versioned()
    assert version == 0 and (value["x"], value["y"]) == (1.0, 2.0)
    with pytest.raises(ValueError, match="bytes"):
        Signal(mem, "odd", np.dtype("V5"), b"12345")


def test_mutex_and_once_answer_to_upstream_names(mem):
    mutex = Mutex(mem, "m", create=True)
    assert mutex.lock() and mutex.is_locked and not mutex.try_lock()
    assert "status=locked" in repr(mutex)
    mutex.unlock()
    assert not mutex.is_locked and "unlocked" in repr(mutex)
    with pytest.raises(RuntimeError):
        mutex.unlock()
    with pytest.raises(OverflowError):  # what upstream's users catch
        mutex.unlock()
    assert Mutex(mem, "m2", create_if_missing=True).try_lock()
    once = Once(mem, "o", create=True)
    calls = []
    assert once.call(lambda: calls.append(1)) and not once.call(lambda: calls.append(2))
    assert once.is_called and calls == [1] and once.state == 2


def test_ctrl_c_interrupts_a_semaphore_wait(mem):
    sem = Semaphore(mem, "sem", initial_count=0)
    timer = threading.Timer(0.1, os.kill, args=(os.getpid(), signal.SIGINT))
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            sem.acquire()
    finally:
        timer.cancel()
    assert sem.waiting == 0


def test_event_rwlock_monitor_and_signal_answer_to_upstream_names(mem):
    ready = Event(mem, "ready", EventMode.MANUAL_RESET)
    assert ready.manual_reset and not ready.is_signaled
    ready.signal()
    assert ready.is_signaled and ready.wait(timeout=0)
    auto = Event(mem, "auto", EventMode.AUTO_RESET)
    assert not auto.manual_reset

    lock = RWLock(mem, "rw", create_if_missing=True)
    lock.reader_lock()
    assert lock.readers == 1 and not lock.writer_active
    lock.reader_unlock()
    assert lock.writer_lock(timeout=1) and lock.writer_active
    lock.writer_unlock()
    with lock.reader():
        assert lock.readers == 1
    with lock.writer():
        assert lock.writer_active

    monitor = Monitor(mem, "mon", create_if_missing=True)
    state = []
    threading.Timer(0.05, lambda: (state.append(1), Monitor(mem, "mon").notify_all())).start()
    with monitor:
        assert monitor.wait(lambda: bool(state), timeout=10)
        assert not monitor.wait(lambda: False, timeout=0.05)
    assert monitor.waiting_count == 0


def test_a_signal_update_is_an_atomic_read_modify_write(mem):
    counter = Signal(mem, "counter", dtype=np.int32, initial_value=0)
    assert "int32" in repr(counter) and "version=0" in repr(counter)
    assert counter.update(lambda x: x + 5) == 5 and counter.version == 1

    def increment():
        other = Signal(mem, "counter", dtype=np.int32, create_if_missing=False)
        for _ in range(100):
            other.update(lambda x: x + 1)

    threads = [threading.Thread(target=increment) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert counter.get() == 405 and counter.version == 401

    def fails(_):
        raise KeyError("no")

    with pytest.raises(KeyError):
        counter.update(fails)
    assert counter.get_versioned() == (401, 405)
    with pytest.raises(NotFound):
        Signal(mem, "absent", dtype=np.int32, initial_value=1, create_if_missing=False)
