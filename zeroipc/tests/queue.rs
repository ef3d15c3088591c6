//! `Queue<T>` in real segments: behaviour, the reference segments, the wrap of the counters,
//! and segments written by something that does not follow the format.

// The scenario's values are exact in binary floating point.
#![allow(clippy::cast_precision_loss, clippy::float_cmp)]

mod common;

use std::fs::OpenOptions;
use std::os::unix::fs::FileExt;
use std::sync::Arc;
use std::time::Duration;

use common::{golden, raw_segment, scenario, segment, shm_path, GOLDEN_FILES};
use zeroipc::{layout, Error, Memory, Queue};

/// Where the reference segments keep the queue `events` (capacity 128 of `i32`).
const EVENTS_OFFSET: usize = 7416;
/// Where the table entry of `events` is (entry 3).
const EVENTS_ENTRY: usize = 176;

#[test]
fn create_rounds_the_capacity_up_to_a_power_of_two() {
    let (mem, _c) = segment("q_cap", 1 << 16);
    assert_eq!(
        Queue::<u32>::create(&mem, "a", 100).unwrap().capacity(),
        128
    );
    assert_eq!(Queue::<u32>::create(&mem, "b", 64).unwrap().capacity(), 64);
    // One slot cannot tell full from empty: the smallest queue has two.
    assert_eq!(Queue::<u32>::create(&mem, "c", 1).unwrap().capacity(), 2);
    let entry = mem.find("a").unwrap();
    assert_eq!(entry.size(), layout::ring_size(128, 4) as u64);
}

#[test]
fn a_capacity_above_2_31_is_out_of_space_not_a_panic() {
    let (mem, _c) = segment("q_huge", 1 << 16);
    assert!(matches!(
        Queue::<u8>::create(&mem, "q", (1 << 31) + 1),
        Err(Error::OutOfSpace { .. })
    ));
    assert!(matches!(
        Queue::<u64>::create(&mem, "q", usize::MAX),
        Err(Error::OutOfSpace { .. })
    ));
}

#[test]
fn elements_come_out_in_the_order_they_went_in() {
    let (mem, _c) = segment("q_fifo", 1 << 16);
    let q = Queue::<u64>::create(&mem, "q", 8).unwrap();
    assert!(q.is_empty());
    for i in 0..5 {
        q.push(i).unwrap();
    }
    assert_eq!(q.len(), 5);
    for i in 0..5 {
        assert_eq!(q.pop(), Some(i));
    }
    assert_eq!(q.pop(), None);
    assert!(q.is_empty());
}

#[test]
fn push_hands_value_back_when_full() {
    let (mem, _c) = segment("q_full", 1 << 16);
    let q = Queue::<u32>::create(&mem, "q", 4).unwrap();
    for i in 0..4 {
        q.push(i).unwrap();
    }
    assert!(q.is_full());
    assert_eq!(q.push(99), Err(99));
    assert_eq!(q.pop(), Some(0));
    q.push(4).unwrap();
    assert_eq!(
        (0..4).map(|_| q.pop().unwrap()).collect::<Vec<_>>(),
        [1, 2, 3, 4]
    );
}

#[test]
fn push_slice_pushes_the_prefix_that_fits_and_pop_into_takes_what_is_there() {
    let (mem, _c) = segment("q_batch", 1 << 16);
    let q = Queue::<u32>::create(&mem, "q", 8).unwrap();
    assert_eq!(q.push_slice(&[]), 0);
    assert_eq!(q.push_slice(&[1, 2, 3]), 3);
    assert_eq!(q.push_slice(&(10..20).collect::<Vec<_>>()), 5);
    assert!(q.is_full());
    assert_eq!(q.push_slice(&[7]), 0);

    let mut out = [0; 4];
    assert_eq!(q.pop_into(&mut out), 4);
    assert_eq!(out, [1, 2, 3, 10]);
    let mut out = [0; 16];
    assert_eq!(q.pop_into(&mut out), 4);
    assert_eq!(&out[..4], [11, 12, 13, 14]);
    assert_eq!(q.pop_into(&mut out), 0);
    assert_eq!(q.pop_into(&mut []), 0);
}

#[test]
fn batched_and_single_calls_share_one_order() {
    let (mem, _c) = segment("q_mix", 1 << 16);
    let q = Queue::<u32>::create(&mem, "q", 16).unwrap();
    q.push(0).unwrap();
    q.push_slice(&[1, 2, 3]);
    q.push(4).unwrap();
    assert_eq!(q.pop(), Some(0));
    let mut out = [0; 3];
    assert_eq!(q.pop_into(&mut out), 3);
    assert_eq!(out, [1, 2, 3]);
    assert_eq!(q.pop(), Some(4));
}

#[test]
fn another_mapping_sees_the_same_queue() {
    let (mem, c) = segment("q_open", 1 << 16);
    let q = Queue::<[u8; 3]>::create(&mem, "bytes", 5).unwrap();
    q.push(*b"abc").unwrap();
    let other = Queue::<[u8; 3]>::open(&Memory::open(&c.0).unwrap(), "bytes").unwrap();
    assert_eq!(other.capacity(), 8);
    assert_eq!(other.len(), 1);
    other.push(*b"def").unwrap();
    assert_eq!(q.pop(), Some(*b"abc"));
    assert_eq!(q.pop(), Some(*b"def"));
    assert_eq!(other.name(), "bytes");
}

#[test]
fn the_handle_outlives_the_memory_it_came_from() {
    let (mem, _c) = segment("q_outlive", 1 << 16);
    let q = Queue::<u16>::create(&mem, "q", 4).unwrap();
    drop(mem);
    q.push(7).unwrap();
    assert_eq!(q.clone().pop(), Some(7));
}

#[test]
fn waits_time_out_and_hand_the_value_back() {
    let (mem, _c) = segment("q_timeout", 1 << 16);
    let q = Queue::<u32>::create(&mem, "q", 1).unwrap();
    assert!(matches!(
        q.pop_timeout(Duration::from_millis(20)),
        Err(Error::Timeout)
    ));
    q.push_timeout(1, Duration::ZERO).unwrap();
    q.push_timeout(2, Duration::ZERO).unwrap();
    let full = q.push_timeout(3, Duration::from_millis(20)).unwrap_err();
    assert!(matches!(full.error(), Error::Timeout), "{full:?}");
    assert!(!full.is_stalled());
    assert_eq!(full.into_inner(), 3);
    assert_eq!(q.pop_timeout(Duration::ZERO).unwrap(), 1);
}

#[test]
fn a_waiting_pop_gets_what_another_thread_pushes_meanwhile() {
    let (mem, _c) = segment("q_wake", 1 << 16);
    let q = Arc::new(Queue::<u32>::create(&mem, "q", 2).unwrap());
    let consumer = {
        let q = Arc::clone(&q);
        std::thread::spawn(move || q.pop_timeout(Duration::from_secs(30)))
    };
    std::thread::sleep(Duration::from_millis(30));
    q.push(42).unwrap();
    assert_eq!(consumer.join().unwrap().unwrap(), 42);
    // And a waiting push gets the room a pop makes.
    q.push_slice(&[1, 2]);
    let producer = {
        let q = Arc::clone(&q);
        std::thread::spawn(move || q.push_timeout(3, Duration::from_secs(30)))
    };
    std::thread::sleep(Duration::from_millis(30));
    assert_eq!(q.pop(), Some(1));
    producer.join().unwrap().unwrap();
    assert_eq!(q.snapshot(), [2, 3]);
}

#[test]
fn snapshot_shows_the_contents_without_consuming_them() {
    let (mem, _c) = segment("q_snap", 1 << 16);
    let q = Queue::<u32>::create(&mem, "q", 4).unwrap();
    assert!(q.snapshot().is_empty());
    q.push_slice(&[1, 2, 3, 4]);
    q.pop();
    q.push(5).unwrap();
    assert_eq!(q.snapshot(), [2, 3, 4, 5]);
    assert_eq!(q.len(), 4);
}

#[test]
fn threads_pushing_and_popping_at_once_deliver_each_element_once_in_producer_order() {
    let (mem, _c) = segment("q_threads", 1 << 16);
    let q = Arc::new(Queue::<u64>::create(&mem, "q", 64).unwrap());
    let per_producer: u64 = if cfg!(miri) { 100 } else { 50_000 };
    run_threads(&q, per_producer, 0);
}

// ---- The wrap of the counters at 2^32 ------------------------------------------------------

#[test]
fn counters_near_2_32_keep_fifo_order_across_the_wrap() {
    let (mem, _c) = segment("q_wrap", 1 << 16);
    let q = Queue::<u32>::create_at(&mem, "q", 8, u32::MAX - 20).unwrap();
    let mut next_in = 0;
    let mut next_out = 0;
    // Cross the wrap several times with every fill level.
    for round in 0..50 {
        for _ in 0..(round % 9) {
            if q.push(next_in).is_ok() {
                next_in += 1;
            }
        }
        assert!(q.len() <= 8);
        for _ in 0..(round % 5) {
            if let Some(v) = q.pop() {
                assert_eq!(v, next_out);
                next_out += 1;
            }
        }
    }
    while let Some(v) = q.pop() {
        assert_eq!(v, next_out);
        next_out += 1;
    }
    assert_eq!(next_out, next_in);
    assert!(next_in > 100);
}

/// Sets the empty queue `name` of 4-byte elements as if `pos` elements had passed through
/// (`head` and `tail` at `pos`, each slot's sequence number to match), by writing the
/// segment's words directly, as other handles over 2^31 operations would have left them.
fn set_counters(mem: &Memory, name: &str, pos: u32) {
    let entry = mem.find(name).unwrap();
    let q = Queue::<u32>::open(mem, name).unwrap();
    let capacity = q.capacity() as u32;
    let file = OpenOptions::new()
        .write(true)
        .open(shm_path(mem.name()))
        .unwrap();
    let at = |offset: usize| entry.offset() + offset as u64;
    file.write_at(&pos.to_le_bytes(), at(layout::fields::QUEUE_HEAD_OFFSET))
        .unwrap();
    file.write_at(&pos.to_le_bytes(), at(layout::fields::QUEUE_TAIL_OFFSET))
        .unwrap();
    let sequence = layout::ring_slots_offset(capacity as usize, 4);
    for i in 0..capacity {
        let position = pos.wrapping_add(i);
        let slot = (position & (capacity - 1)) as usize;
        file.write_at(&position.to_le_bytes(), at(sequence + 4 * slot))
            .unwrap();
    }
}

#[test]
fn a_handle_whose_last_positions_are_far_behind_still_pushes_and_pops() {
    let (mem, _c) = segment("q_far", 1 << 16);
    let q = Queue::<u32>::create(&mem, "q", 4).unwrap();
    // `stale` remembers positions 0 and 1; the counters then jump a long way (as after
    // 2^31 operations through other handles).
    let stale = q.clone();
    stale.push(1).unwrap();
    assert_eq!(stale.pop(), Some(1));
    for far in [u32::MAX - 5000, 1 << 31, (1 << 31) + 3] {
        set_counters(&mem, "q", far);
        let q = Queue::<u32>::open(&mem, "q").unwrap();
        stale.push(2).unwrap();
        assert_eq!(stale.push_slice(&[3, 4]), 2);
        assert_eq!(q.pop(), Some(2));
        let mut out = [0; 4];
        assert_eq!(stale.pop_into(&mut out), 2);
        assert_eq!(out[..2], [3, 4]);
        assert_eq!(stale.pop(), None);
    }
}

#[test]
fn batched_calls_keep_fifo_order_across_the_wrap() {
    let (mem, _c) = segment("q_wrap_batch", 1 << 16);
    let q = Queue::<u32>::create_at(&mem, "q", 8, u32::MAX - 2).unwrap();
    let mut next_in = 0u32;
    let mut next_out = 0u32;
    for round in 0..40usize {
        let run: Vec<u32> = (next_in..=next_in + (round % 7) as u32).collect();
        next_in += q.push_slice(&run) as u32;
        let mut out = vec![0; round % 6 + 1];
        let n = q.pop_into(&mut out);
        for &v in &out[..n] {
            assert_eq!(v, next_out);
            next_out += 1;
        }
    }
    let mut out = [0; 8];
    let n = q.pop_into(&mut out);
    for &v in &out[..n] {
        assert_eq!(v, next_out);
        next_out += 1;
    }
    assert_eq!(next_out, next_in);
    assert!(q.is_empty());
}

#[test]
fn threads_keep_producer_order_across_the_wrap() {
    let (mem, _c) = segment("q_wrap_threads", 1 << 16);
    let q = Arc::new(Queue::<u64>::create_at(&mem, "q", 16, u32::MAX - 5_000).unwrap());
    run_threads(&q, if cfg!(miri) { 100 } else { 10_000 }, 1);
}

/// Two producers (one single-item, one batched) and two consumers (one single-item, one
/// batched) on threads; checks exactly-once delivery and each producer's order.
fn run_threads(q: &Arc<Queue<u64>>, per_producer: u64, seed: u64) {
    let timeout = Duration::from_secs(30);
    let producers: Vec<_> = (0..2u64)
        .map(|p| {
            let q = Arc::clone(q);
            std::thread::spawn(move || {
                let items: Vec<u64> = (0..per_producer).map(|i| p << 32 | i).collect();
                let mut rest = &items[..];
                while let Some((&first, tail)) = rest.split_first() {
                    if (p + seed) % 2 == 0 {
                        q.push_timeout(first, timeout).expect("room within 30 s");
                        rest = tail;
                    } else {
                        let n = q.push_slice(&rest[..rest.len().min(7)]);
                        if n == 0 {
                            q.push_timeout(first, timeout).expect("room within 30 s");
                            rest = tail;
                        } else {
                            rest = &rest[n..];
                        }
                    }
                }
            })
        })
        .collect();
    let consumers: Vec<_> = (0..2u64)
        .map(|c| {
            let q = Arc::clone(q);
            std::thread::spawn(move || {
                let mut got = Vec::new();
                let mut buf = [0u64; 5];
                // Exit: the queue stayed empty for 300 ms (the producers are done).
                loop {
                    if (c + seed) % 2 == 1 {
                        let n = q.pop_into(&mut buf);
                        got.extend_from_slice(&buf[..n]);
                        if n > 0 {
                            continue;
                        }
                    }
                    match q.pop_timeout(Duration::from_millis(300)) {
                        Ok(v) => got.push(v),
                        Err(_) => return got,
                    }
                }
            })
        })
        .collect();
    for p in producers {
        p.join().unwrap();
    }
    let mut all = Vec::new();
    for c in consumers {
        let got = c.join().unwrap();
        // Each consumer sees each producer's elements in the order they were pushed.
        for p in 0..2u64 {
            let seq: Vec<u64> = got.iter().filter(|&&v| v >> 32 == p).copied().collect();
            assert!(
                seq.windows(2).all(|w| w[0] < w[1]),
                "producer {p} out of order"
            );
        }
        all.extend(got);
    }
    all.extend(std::iter::from_fn(|| q.pop()));
    all.sort_unstable();
    let expected: Vec<u64> = (0..2u64)
        .flat_map(|p| (0..per_producer).map(move |i| p << 32 | i))
        .collect();
    assert_eq!(all, expected);
}

// ---- The reference segments ----------------------------------------------------------------

#[test]
fn reference_queues_hold_11_to_50() {
    for file in GOLDEN_FILES {
        let (name, _c) = raw_segment("q_golden", &golden(file));
        let mem = Memory::open(&name).unwrap();
        let events = Queue::<i32>::open(&mem, "events").unwrap();
        assert_eq!(events.capacity(), 128, "{file}");
        assert_eq!(events.len(), 40, "{file}");
        assert_eq!(events.snapshot(), (11..=50).collect::<Vec<_>>(), "{file}");
        let popped: Vec<i32> = std::iter::from_fn(|| events.pop()).collect();
        assert_eq!(popped, (11..=50).collect::<Vec<_>>(), "{file}");
        // It keeps working as a queue: the next push lands at position 50.
        events.push(51).unwrap();
        assert_eq!(events.pop(), Some(51));
    }
}

#[test]
fn reference_queues_refuse_another_element_size() {
    let (name, _c) = raw_segment("q_golden_elem", &golden(GOLDEN_FILES[0]));
    let mem = Memory::open(&name).unwrap();
    match Queue::<u64>::open(&mem, "events") {
        Err(Error::ElementSizeMismatch {
            name,
            expected: 8,
            found: 4,
        }) => assert_eq!(name, "events"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn writing_the_scenario_gives_the_reference_bytes_for_queue_and_stack() {
    let reference = golden(GOLDEN_FILES[0]);
    let (mem, c) = segment("q_golden_write", 1 << 20);
    scenario::write_arrays(&mem);
    scenario::write_queue_and_stack(&mem);

    let written = std::fs::read(shm_path(&c.0)).unwrap();
    assert_eq!(written.len(), reference.len());
    // Header: all but entry_count and next_offset, which count only the five entries
    // written (the reference also has three synchronisation primitives).
    assert_eq!(written[0..8], reference[0..8], "magic and version");
    assert_eq!(
        written[12..24],
        reference[12..24],
        "max_entries, memory_size"
    );
    assert_eq!(written[8..12], 5u32.to_le_bytes(), "entry_count");
    assert_eq!(written[24..32], 9240u64.to_le_bytes(), "next_offset");
    let end_of_entries = layout::table_entry_offset(5);
    assert_eq!(written[32..end_of_entries], reference[32..end_of_entries]);
    assert!(written[end_of_entries..3104].iter().all(|&b| b == 0));
    // Queue (7416..8456) and stack (8456..9240), byte for byte, after the arrays.
    assert_eq!(written[3104..7416], reference[3104..7416], "arrays");
    assert_eq!(written[7416..8456], reference[7416..8456], "queue events");
    assert_eq!(written[8456..9240], reference[8456..9240], "stack");
    assert!(written[9240..].iter().all(|&b| b == 0));
}

// ---- Segments that break the rules ---------------------------------------------------------

/// The reference segment with `patch` applied, opened; `events` opened as `Queue<i32>`.
fn open_patched(patch: impl FnOnce(&mut [u8])) -> Result<Queue<i32>, Error> {
    let mut image = golden(GOLDEN_FILES[0]);
    patch(&mut image);
    let (name, _c) = raw_segment("q_hostile", &image);
    let mem = Memory::open(&name).unwrap();
    Queue::<i32>::open(&mem, "events")
}

fn put_u32(image: &mut [u8], at: usize, v: u32) {
    image[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

#[test]
fn opening_refuses_a_capacity_that_is_not_a_power_of_two_of_at_least_2_and_says_which() {
    let cases: [(u32, &str); 5] = [
        (0, "capacity 0 is below 2"),
        // A power of two, but one slot cannot tell full from empty.
        (1, "capacity 1 is below 2"),
        (100, "capacity 100 is not a power of two"),
        (129, "capacity 129 is not a power of two"),
        (u32::MAX, "is not a power of two"),
    ];
    for (cap, says) in cases {
        match open_patched(|img| put_u32(img, EVENTS_OFFSET + 8, cap)) {
            Err(Error::Corrupt { name, what }) => {
                assert_eq!(name, "events");
                assert!(what.contains(says), "{cap}: {what}");
            }
            other => panic!("{cap}: {other:?}"),
        }
    }
}

#[test]
fn opening_refuses_a_capacity_the_entry_cannot_hold() {
    for cap in [256, 64, 1 << 31] {
        match open_patched(|img| put_u32(img, EVENTS_OFFSET + 8, cap)) {
            Err(Error::CapacityMismatch {
                name,
                capacity,
                entry_size: 1040,
            }) => {
                assert_eq!(name, "events");
                assert_eq!(capacity, u64::from(cap));
            }
            other => panic!("{cap}: {other:?}"),
        }
    }
}

#[test]
fn opening_refuses_a_recorded_element_size_other_than_the_types() {
    for elem in [0, 8, u32::MAX] {
        match open_patched(|img| put_u32(img, EVENTS_OFFSET + 12, elem)) {
            Err(Error::ElementSizeMismatch {
                expected: 4, found, ..
            }) => assert_eq!(found, u64::from(elem)),
            other => panic!("{elem}: {other:?}"),
        }
    }
}

#[test]
fn opening_refuses_an_entry_too_small_for_its_header() {
    for size in [0u64, 8, 15, 1039] {
        let r = open_patched(|img| {
            img[EVENTS_ENTRY + 40..EVENTS_ENTRY + 48].copy_from_slice(&size.to_le_bytes());
        });
        assert!(
            matches!(r, Err(Error::CapacityMismatch { .. })),
            "{size}: {r:?}"
        );
    }
}

#[test]
fn counters_and_sequence_numbers_of_any_value_never_panic_or_hang() {
    let (mem, c) = segment("q_garbage", 1 << 16);
    let q = Queue::<u32>::create(&mem, "q", 8).unwrap();
    let offset = mem.find("q").unwrap().offset();
    let file = OpenOptions::new().write(true).open(shm_path(&c.0)).unwrap();
    let words = 4 + 8 + 8; // header, data, sequence numbers
    let mut rng = 0x9E37_79B9_7F4A_7C15_u64;
    for _ in 0..500 {
        let garbage: Vec<u8> = (0..words * 4)
            .map(|_| {
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                rng as u8
            })
            .collect();
        // Keep capacity and element size (validated once at open); everything else is
        // anyone's guess, as if another process wrote it.
        file.write_at(&garbage[..8], offset).unwrap();
        file.write_at(&garbage[16..], offset + 16).unwrap();
        assert!(q.len() <= 8);
        let _ = q.push(1);
        let _ = q.pop();
        let _ = q.push_slice(&[1, 2, 3]);
        let _ = q.pop_into(&mut [0; 4]);
        assert!(q.snapshot().len() <= 8);
        let _ = q.pop_timeout(Duration::ZERO);
        let _ = q.push_timeout(1, Duration::ZERO);
    }
}
