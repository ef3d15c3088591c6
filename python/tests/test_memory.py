"""Creating, opening, closing and removing segments; names; adding entries."""

import fcntl
import os
import stat
import threading

import numpy as np
import pytest
from shm_helpers import read_raw_segment, write_raw_segment

from zeroipc import (
    AlreadyExists,
    Array,
    InvalidName,
    Memory,
    NotFound,
    OutOfSpace,
    Queue,
    TableFull,
    Timeout,
    ZeroIPCError,
)


def test_a_created_segment_opens_with_its_header(shm_name):
    with Memory(shm_name, 65536, max_entries=8) as created:
        assert created.owner
        assert (created.size, created.max_entries) == (65536, 8)
        assert created.table.entry_count() == 0
        assert created.table.next_offset() == 32 + 48 * 8
        with Memory(shm_name, max_entries=64) as opened:  # max_entries is read, not assumed
            assert not opened.owner
            assert (opened.size, opened.max_entries) == (65536, 8)


def test_the_header_is_written_as_the_format_says(shm_name):
    with Memory(shm_name, 4096, max_entries=2):
        raw = read_raw_segment(shm_name)
    magic, version, entry_count, max_entries = "4d50495a", "02000000", "00000000", "02000000"
    memory_size, next_offset = "0010000000000000", "8000000000000000"  # 4096, 128
    assert raw[:32] == bytes.fromhex(magic + version + entry_count + max_entries + memory_size + next_offset)
    assert raw[32:] == bytes(4096 - 32)


def test_the_size_comes_from_the_system_not_the_header(shm_name):
    with Memory(shm_name, 8192):
        os.truncate("/dev/shm/" + shm_name[1:], 16384)
        with Memory(shm_name) as opened:
            assert opened.size == 16384


def test_a_new_segment_is_private_to_its_owner_by_default(shm_name):
    with Memory(shm_name, 4096):
        mode = stat.S_IMODE(os.stat("/dev/shm/" + shm_name[1:]).st_mode)
    assert mode == 0o600


def test_the_mode_asked_for_is_the_mode_given_whatever_the_umask(shm_name):
    previous = os.umask(0o077)
    try:
        with Memory(shm_name, 4096, mode=0o640):
            mode = stat.S_IMODE(os.stat("/dev/shm/" + shm_name[1:]).st_mode)
    finally:
        os.umask(previous)
    assert mode == 0o640


def test_creating_over_a_live_segment_fails_and_leaves_it_unchanged(shm_name):
    with Memory(shm_name, 8192) as first:
        Array(first, "values", 4, np.int64).data[:] = [1, 2, 3, 4]
        before = read_raw_segment(shm_name)
        with pytest.raises(AlreadyExists):
            Memory(shm_name, 8192)
        with pytest.raises(FileExistsError):  # what the other Python implementation's users catch
            Memory(shm_name, 4096, max_entries=1)
        assert read_raw_segment(shm_name) == before
        assert Array(first, "values", dtype=np.int64).data.tolist() == [1, 2, 3, 4]


def test_creating_over_a_foreign_file_fails_and_leaves_it_unchanged(shm_name):
    write_raw_segment(shm_name, b"not ours")
    with pytest.raises(AlreadyExists):
        Memory(shm_name, 4096)
    assert read_raw_segment(shm_name) == b"not ours"


def test_a_failed_create_leaves_nothing_behind(shm_name):
    with pytest.raises(OutOfSpace):
        Memory(shm_name, 100)  # smaller than the table
    assert not os.path.exists("/dev/shm/" + shm_name[1:])


def test_opening_a_missing_segment_fails(shm_name):
    with pytest.raises(NotFound):
        Memory(shm_name)
    with pytest.raises(FileNotFoundError):
        Memory(shm_name)


@pytest.mark.parametrize(
    "name",
    [
        "",
        "/",
        "/a/b",
        "//a",
        "/.",
        "/..",
        "/a\0b",
        "/" + "x" * 256,
        "/\udcff",
        42,
        None,
    ],
)
def test_an_invalid_segment_name_fails_before_any_system_call(name):
    with pytest.raises(InvalidName):
        Memory(name, 4096)
    with pytest.raises(InvalidName):
        Memory(name)
    with pytest.raises(InvalidName):
        Memory.unlink(name)


def test_a_name_without_the_leading_slash_gets_one_as_in_multiprocessing(new_name):
    name = new_name()
    with Memory(name[1:], 4096) as created:
        assert created.name == name
        with Memory(name[1:]) as opened:
            assert opened.name == name and opened.size == 4096
    assert Memory.unlink(name[1:]) and not os.path.exists("/dev/shm/" + name[1:])


def test_the_longest_segment_name_is_accepted(new_name):
    name = new_name()
    name = name + "x" * (256 - len(name))
    with Memory(name, 4096) as memory:
        assert memory.name == name
    assert Memory.unlink(name)


@pytest.mark.parametrize("name", ["", "x" * 32, "é" * 16, "a\0b", "\udcff", 7])
def test_an_invalid_entry_name_fails(mem, name):
    with pytest.raises(InvalidName):
        Array(mem, name, 4, np.int32)
    assert mem.table.entry_count() == 0


def test_an_entry_name_of_31_utf8_bytes_is_accepted(mem):
    name = "é" * 15 + "x"
    Array(mem, name, 4, np.int32)
    assert mem.table.find(name).size == 24


def test_unlink_works_by_name_and_on_an_instance(new_name):
    first, second = new_name(), new_name()
    Memory(first, 4096).close()
    assert Memory.unlink(first) is True
    assert Memory.unlink(first) is False
    memory = Memory(second, 4096)
    assert memory.unlink() is True
    memory.close()
    assert not os.path.exists("/dev/shm/" + second[1:])


def test_structures_outlive_a_closed_segment_safely(shm_name):
    memory = Memory(shm_name, 65536)
    values = Array(memory, "values", 8, np.float64)
    queue = Queue(memory, "queue", 4, np.int32)
    memory.close()
    values[3] = 2.5
    assert values[3] == 2.5
    assert queue.push(7) and queue.pop() == 7
    with pytest.raises(ValueError, match="closed"):
        memory.allocate("late", 8)
    memory.close()  # closing twice is harmless


def test_allocate_adds_a_zeroed_entry(mem):
    offset = mem.allocate("raw", 100)
    assert offset == 32 + 48 * 64
    assert mem.table.find("raw") == ("raw", offset, 100)
    assert mem.allocate("next", 8) == offset + 104  # 8-aligned after the first
    assert mem.table.next_offset() == offset + 112


def test_a_full_table_refuses_an_entry_and_changes_nothing(shm_name):
    with Memory(shm_name, 4096, max_entries=2) as memory:
        memory.allocate("a", 8)
        memory.allocate("b", 8)
        before = read_raw_segment(shm_name)
        with pytest.raises(TableFull):
            memory.allocate("c", 8)
        assert read_raw_segment(shm_name) == before


def test_too_big_an_entry_is_refused_and_changes_nothing(shm_name):
    with Memory(shm_name, 4096, max_entries=2) as memory:
        memory.allocate("a", 8)
        before = read_raw_segment(shm_name)
        with pytest.raises(OutOfSpace) as caught:
            Array(memory, "big", 4096, np.uint8)
        assert (caught.value.requested, caught.value.available) == (4104, 4096 - 128 - 8)
        with pytest.raises(RuntimeError):  # what the other Python implementation's users catch
            memory.allocate("huge", 2**64)
        assert read_raw_segment(shm_name) == before


def test_a_duplicate_entry_name_is_refused_and_changes_nothing(shm_name):
    with Memory(shm_name, 4096) as memory:
        memory.allocate("a", 8)
        before = read_raw_segment(shm_name)
        with pytest.raises(AlreadyExists):
            memory.allocate("a", 8)
        assert read_raw_segment(shm_name) == before


def test_entries_added_from_many_threads_and_handles_never_collide(shm_name):
    with Memory(shm_name, 1 << 20, max_entries=128) as memory, Memory(shm_name) as other:
        errors = []

        def add(handle, prefix):
            try:
                for i in range(30):
                    handle.allocate(f"{prefix}{i}", 8 + i)
            except ZeroIPCError as error:  # pragma: no cover - reported below
                errors.append(error)

        threads = [
            threading.Thread(target=add, args=(handle, f"t{n}_"))
            for n, handle in enumerate([memory, memory, other, other])
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors
        entries = Memory(shm_name).table.entries()  # every entry checked, overlaps included
        assert len(entries) == 120


def test_the_table_lock_waits_at_most_10_s_by_default(shm_name):
    with Memory(shm_name, 65536) as memory:
        assert memory.lock_timeout == 10.0
    for bad in (-1, float("inf"), float("nan"), None):
        with pytest.raises(ValueError):
            Memory(shm_name, lock_timeout=bad)


def test_adding_an_entry_gives_up_on_a_lock_held_elsewhere_and_changes_nothing(shm_name):
    with Memory(shm_name, 65536, lock_timeout=0.2) as memory:
        memory.allocate("first", 8)
        before = read_raw_segment(shm_name)
        # flock locks belong to an open file description: this one is not the segment's.
        holder = os.open("/dev/shm/" + shm_name[1:], os.O_RDWR)
        released = threading.Event()

        def release():
            if not released.is_set():
                released.set()
                fcntl.flock(holder, fcntl.LOCK_UN)

        # A safety net: an add that waits without a limit gets the lock after 5 s, and the test fails.
        net = threading.Timer(5.0, release)
        try:
            fcntl.flock(holder, fcntl.LOCK_EX)
            net.start()
            with pytest.raises(Timeout, match=shm_name) as caught:
                memory.allocate("second", 8)
            assert caught.value.name == shm_name and isinstance(caught.value, TimeoutError)
            with pytest.raises(Timeout):
                Array(memory, "array", 4, np.int32)
            assert read_raw_segment(shm_name) == before
            assert memory.table.find("second") is None
        finally:
            net.cancel()
            release()
            os.close(holder)
        assert memory.allocate("second", 8) > 0  # the lock, once free, is taken again


def test_repr_names_the_segment(shm_name):
    memory = Memory(shm_name, 4096)
    assert repr(memory) == f"Memory(name={shm_name!r}, size=4096, max_entries=64)"
    memory.close()
    assert repr(memory) == f"Memory(name={shm_name!r}, closed)"


def test_a_second_handle_is_seen_as_attached_until_it_is_closed(shm_name):
    with Memory(shm_name, 1 << 16) as mem:
        assert not mem.others_attached()
        other = Memory(shm_name)
        assert mem.others_attached() and other.others_attached()
        other.close()
        assert not mem.others_attached()
