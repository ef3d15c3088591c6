"""The stack: LIFO order, bounds, slot states, waiting, and peers that die half-way."""

import struct
import threading
import time

import numpy as np
import pytest

from zeroipc import ElementSizeMismatch, NotFound, SlotStuck, Stack

EMPTY, WRITING, READY, READING = 0, 1, 2, 3


def states(mem, stack):
    base = stack.offset + 16 + ((stack.capacity * stack.elem_size + 7) & ~7)
    return list(struct.unpack_from(f"<{stack.capacity}I", mem.data, base))


def test_elements_come_out_last_in_first_out(mem):
    stack = Stack(mem, "s", 8, np.float64)
    assert stack.empty() and not stack and len(stack) == 0 and stack.top() is None
    for value in (1.0, 2.0, 3.0):
        assert stack.push(value)
    assert len(stack) == 3 and stack and stack.top() == 3.0
    assert [stack.pop(), stack.pop(), stack.pop()] == [3.0, 2.0, 1.0]
    assert stack.pop() is None


def test_a_full_stack_refuses_a_push(mem):
    stack = Stack(mem, "s", 3, np.int32)  # any capacity, not only powers of two
    assert all(stack.push(v) for v in range(3))
    assert stack.full() and not stack.push(9)
    assert stack.pop() == 2


def test_slots_move_through_their_states(mem):
    stack = Stack(mem, "s", 4, np.int16)
    entry = mem.table.find("s")
    assert entry.size == 16 + 8 + 16
    assert struct.unpack_from("<iIII", mem.data, entry.offset) == (-1, 4, 2, 0)
    stack.push(1)
    stack.push(2)
    assert states(mem, stack) == [READY, READY, EMPTY, EMPTY]
    assert struct.unpack_from("<i", mem.data, entry.offset)[0] == 1
    stack.pop()
    assert states(mem, stack) == [READY, EMPTY, EMPTY, EMPTY]


def test_a_slot_left_writing_by_a_dead_pusher_is_reported_not_waited_on_for_ever(mem):
    stack = Stack(mem, "s", 4, np.int32, slot_timeout=0.05)
    stack.push(1)
    # A peer moved top to 1 and died before publishing slot 1.
    struct.pack_into("<i", mem.data, stack.offset, 1)
    base = stack.offset + 16 + 16
    struct.pack_into("<I", mem.data, base + 4, WRITING)
    with pytest.raises(SlotStuck):
        stack.top()
    started = time.monotonic()
    with pytest.raises(SlotStuck) as caught:
        stack.pop()
    assert time.monotonic() - started < 5
    assert (caught.value.index, caught.value.state) == (1, WRITING)


def test_a_slot_left_reading_by_a_dead_popper_is_reported(mem):
    stack = Stack(mem, "s", 4, np.int32, slot_timeout=0.05)
    base = stack.offset + 16 + 16
    struct.pack_into("<I", mem.data, base, READING)  # slot 0 never released
    with pytest.raises(SlotStuck) as caught:
        stack.push(5)
    assert (caught.value.index, caught.value.state) == (0, READING)


def top_word(mem, stack):
    return struct.unpack_from("<i", mem.data, stack.offset)[0]


def set_state(mem, stack, index, state):
    base = stack.offset + 16 + ((stack.capacity * stack.elem_size + 7) & ~7)
    struct.pack_into("<I", mem.data, base + 4 * index, state)


def test_a_pop_that_finds_its_slot_stuck_gives_its_index_back(mem):
    stack = Stack(mem, "s", 4, np.int32, slot_timeout=0.05)
    stack.push(1)
    # A peer moved top to 1 and stopped before publishing slot 1.
    struct.pack_into("<i", mem.data, stack.offset, 1)
    set_state(mem, stack, 1, WRITING)
    with pytest.raises(SlotStuck):
        stack.pop()
    assert top_word(mem, stack) == 1 and len(stack) == 2
    # Once the peer finishes, both elements are there, in order.
    struct.pack_into("<i", mem.data, stack.offset + 16 + 4, 2)
    set_state(mem, stack, 1, READY)
    assert [stack.pop(), stack.pop(), stack.pop()] == [2, 1, None]
    assert states(mem, stack) == [EMPTY] * 4


def test_a_push_that_finds_its_slot_stuck_gives_its_index_back(mem):
    stack = Stack(mem, "s", 4, np.int32, slot_timeout=0.05)
    stack.push(1)
    set_state(mem, stack, 1, READING)  # a peer popping slot 1 has not finished
    with pytest.raises(SlotStuck) as caught:
        stack.push(2)
    assert (caught.value.index, caught.value.state) == (1, READING)
    assert top_word(mem, stack) == 0 and len(stack) == 1
    set_state(mem, stack, 1, EMPTY)
    assert stack.push(3)
    assert [stack.pop(), stack.pop(), stack.pop()] == [3, 1, None]


def test_an_operation_waiting_for_a_busy_slot_has_claimed_nothing(mem):
    # The crate's stack looks at the slot before it moves `top`, so a push that waits for a
    # peer still popping that slot has not claimed it: `top` never needs moving back (the
    # earlier Python code claimed first and moved `top` back on giving up).
    stack = Stack(mem, "s", 4, np.int32, slot_timeout=5.0)
    stack.push(1)
    set_state(mem, stack, 1, READING)  # a peer popping slot 1 has not finished
    outcome = []
    pusher = threading.Thread(target=lambda: outcome.append(stack.push(2)))
    pusher.start()
    time.sleep(0.1)
    assert top_word(mem, stack) == 0 and len(stack) == 1
    set_state(mem, stack, 1, EMPTY)  # the peer finishes
    pusher.join()
    assert outcome == [True]
    assert [stack.pop(), stack.pop(), stack.pop()] == [2, 1, None]


def test_a_value_that_does_not_convert_fails_before_taking_a_slot(mem):
    stack = Stack(mem, "s", 4, np.int32)
    with pytest.raises(ValueError):
        stack.push("x")
    assert stack.empty() and states(mem, stack) == [EMPTY] * 4


def test_waiting_variants_give_up_at_the_timeout(mem):
    stack = Stack(mem, "s", 1, np.int32)
    assert stack.pop_wait(timeout=0.02) is None
    assert stack.push_wait(1, timeout=0.02)
    assert not stack.push_wait(2, timeout=0.02)
    threading.Timer(0.05, stack.pop).start()
    assert stack.push_wait(3, timeout=10)
    assert stack.pop_wait(timeout=0) == 3


def test_opening_checks_the_entry(mem):
    Stack(mem, "s", 5, np.int32)
    assert Stack(mem, "s", dtype=np.int32).capacity == 5
    with pytest.raises(ValueError, match="has capacity 5, not 6"):
        Stack(mem, "s", 6, np.int32)
    with pytest.raises(ElementSizeMismatch):
        Stack(mem, "s", dtype=np.float64)
    with pytest.raises(NotFound):
        Stack(mem, "absent", dtype=np.int32)


def test_threads_deliver_every_item_exactly_once(mem):
    stack = Stack(mem, "s", 8, np.int64)
    per_thread = 300
    received = []
    lock = threading.Lock()

    def produce(base):
        for i in range(per_thread):
            assert stack.push_wait(base + i, timeout=30)

    def consume():
        got = [stack.pop_wait(timeout=30) for _ in range(per_thread)]
        with lock:
            received.extend(got)

    threads = [threading.Thread(target=produce, args=(p * 10_000,)) for p in range(3)]
    threads += [threading.Thread(target=consume) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(received) == sorted(p * 10_000 + i for p in range(3) for i in range(per_thread))
    assert stack.empty() and states(mem, stack) == [EMPTY] * 8
