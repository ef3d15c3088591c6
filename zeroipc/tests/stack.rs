//! `Stack<T>` in real segments: behaviour, the reference segments, and segments written by
//! something that does not follow the format.

// The scenario's values are exact in binary floating point.
#![allow(clippy::float_cmp)]

mod common;

use std::os::unix::fs::FileExt;
use std::sync::Arc;
use std::time::Duration;

use common::{golden, raw_segment, segment, shm_path, GOLDEN_FILES};
use zeroipc::{layout, Error, Memory, Stack};

/// Where the reference segments keep the stack `stack` (capacity 64 of `f64`).
const STACK_OFFSET: usize = 8456;

#[test]
fn elements_come_out_last_in_first_out() {
    let (mem, _c) = segment("s_lifo", 1 << 16);
    let s = Stack::<u64>::create(&mem, "s", 5).unwrap();
    assert_eq!(s.capacity(), 5);
    assert_eq!(
        mem.find("s").unwrap().size(),
        layout::ring_size(5, 8) as u64
    );
    assert!(s.is_empty());
    for i in 0..3 {
        s.push(i).unwrap();
    }
    assert_eq!(s.len(), 3);
    assert_eq!(s.peek(), Some(2));
    assert_eq!(s.pop(), Some(2));
    assert_eq!(s.pop(), Some(1));
    assert_eq!(s.pop(), Some(0));
    assert_eq!(s.pop(), None);
    assert_eq!(s.peek(), None);
}

#[test]
fn push_hands_value_back_when_full() {
    let (mem, _c) = segment("s_full", 1 << 16);
    let s = Stack::<u32>::create(&mem, "s", 3).unwrap();
    for i in 0..3 {
        s.push(i).unwrap();
    }
    assert!(s.is_full());
    assert_eq!(s.push(9), Err(9));
    assert_eq!(s.snapshot(), [0, 1, 2]);
}

#[test]
fn a_capacity_above_i32_max_is_out_of_space_not_a_panic() {
    let (mem, _c) = segment("s_huge", 1 << 16);
    assert!(matches!(
        Stack::<u8>::create(&mem, "s", 1 << 31),
        Err(Error::OutOfSpace { .. })
    ));
    assert!(matches!(
        Stack::<u64>::create(&mem, "s", usize::MAX),
        Err(Error::OutOfSpace { .. })
    ));
}

#[test]
fn another_mapping_sees_the_same_stack() {
    let (mem, c) = segment("s_open", 1 << 16);
    let s = Stack::<i16>::create(&mem, "s", 7).unwrap();
    s.push(-3).unwrap();
    let other = Stack::<i16>::open(&Memory::open(&c.0).unwrap(), "s").unwrap();
    assert_eq!(other.capacity(), 7);
    assert_eq!(other.pop(), Some(-3));
    assert!(s.is_empty());
    assert!(format!("{other:?}").contains("\"s\""));
}

#[test]
fn waits_time_out_and_hand_the_value_back() {
    let (mem, _c) = segment("s_timeout", 1 << 16);
    let s = Stack::<u32>::create(&mem, "s", 1).unwrap();
    assert!(matches!(
        s.pop_timeout(Duration::from_millis(20)),
        Err(Error::Timeout)
    ));
    s.push_timeout(1, Duration::ZERO).unwrap();
    let full = s.push_timeout(2, Duration::from_millis(20)).unwrap_err();
    assert!(matches!(full.error(), Error::Timeout), "{full:?}");
    assert_eq!(full.into_inner(), 2);
    assert_eq!(s.pop_timeout(Duration::ZERO).unwrap(), 1);
}

#[test]
fn a_waiting_pop_gets_what_another_thread_pushes_meanwhile() {
    let (mem, _c) = segment("s_wake", 1 << 16);
    let s = Arc::new(Stack::<u32>::create(&mem, "s", 1).unwrap());
    let consumer = {
        let s = Arc::clone(&s);
        std::thread::spawn(move || s.pop_timeout(Duration::from_secs(30)))
    };
    std::thread::sleep(Duration::from_millis(30));
    s.push(42).unwrap();
    assert_eq!(consumer.join().unwrap().unwrap(), 42);
    s.push(1).unwrap();
    let producer = {
        let s = Arc::clone(&s);
        std::thread::spawn(move || s.push_timeout(2, Duration::from_secs(30)))
    };
    std::thread::sleep(Duration::from_millis(30));
    assert_eq!(s.pop(), Some(1));
    producer.join().unwrap().unwrap();
    assert_eq!(s.pop(), Some(2));
}

#[test]
fn threads_pushing_and_popping_at_once_deliver_each_element_once() {
    let (mem, _c) = segment("s_threads", 1 << 16);
    let s = Arc::new(Stack::<u64>::create(&mem, "s", 16).unwrap());
    let per_thread: u64 = if cfg!(miri) { 100 } else { 20_000 };
    let threads: Vec<_> = (0..4u64)
        .map(|t| {
            let s = Arc::clone(&s);
            std::thread::spawn(move || {
                // Each thread pushes its own elements, in runs of 1 to 3, and pops as many,
                // whatever it finds.
                let mut got = Vec::new();
                let mut i = 0;
                while i < per_thread {
                    let run = (i % 3 + 1).min(per_thread - i);
                    for _ in 0..run {
                        s.push_timeout(t << 32 | i, Duration::from_secs(30))
                            .expect("room within 30 s");
                        i += 1;
                    }
                    for _ in 0..run {
                        got.push(s.pop_timeout(Duration::from_secs(30)).unwrap());
                    }
                }
                got
            })
        })
        .collect();
    let mut all: Vec<u64> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    all.extend(std::iter::from_fn(|| s.pop()));
    all.sort_unstable();
    let expected: Vec<u64> = (0..4u64)
        .flat_map(|t| (0..per_thread).map(move |i| t << 32 | i))
        .collect();
    assert_eq!(all, expected);
}

// ---- The reference segments ----------------------------------------------------------------

#[test]
fn reference_stacks_hold_1_to_20() {
    for file in GOLDEN_FILES {
        let (name, _c) = raw_segment("s_golden", &golden(file));
        let mem = Memory::open(&name).unwrap();
        let stack = Stack::<f64>::open(&mem, "stack").unwrap();
        assert_eq!(stack.capacity(), 64, "{file}");
        assert_eq!(stack.len(), 20, "{file}");
        assert_eq!(stack.peek(), Some(20.0), "{file}");
        let bottom_up: Vec<f64> = (1..=20).map(f64::from).collect();
        assert_eq!(stack.snapshot(), bottom_up, "{file}");
        let popped: Vec<f64> = std::iter::from_fn(|| stack.pop()).collect();
        let top_down: Vec<f64> = (1..=20).rev().map(f64::from).collect();
        assert_eq!(popped, top_down, "{file}");
        stack.push(0.5).unwrap();
        assert_eq!(stack.pop(), Some(0.5));
    }
}

#[test]
fn reference_stacks_refuse_another_element_size() {
    let (name, _c) = raw_segment("s_golden_elem", &golden(GOLDEN_FILES[0]));
    let mem = Memory::open(&name).unwrap();
    match Stack::<f32>::open(&mem, "stack") {
        Err(Error::ElementSizeMismatch {
            name,
            expected: 4,
            found: 8,
        }) => assert_eq!(name, "stack"),
        other => panic!("{other:?}"),
    }
}

// ---- Segments that break the rules ---------------------------------------------------------

/// The reference segment with the stack header word at `at` (from the stack's start) set
/// to `v`, opened; `stack` opened as `Stack<f64>`.
fn open_patched(at: usize, v: u32) -> Result<Stack<f64>, Error> {
    let mut image = golden(GOLDEN_FILES[0]);
    image[STACK_OFFSET + at..STACK_OFFSET + at + 4].copy_from_slice(&v.to_le_bytes());
    let (name, _c) = raw_segment("s_hostile", &image);
    let mem = Memory::open(&name).unwrap();
    Stack::<f64>::open(&mem, "stack")
}

#[test]
fn opening_refuses_a_capacity_of_zero_or_above_i32_max() {
    for cap in [0, 1 << 31, u32::MAX] {
        match open_patched(layout::fields::STACK_CAPACITY_OFFSET, cap) {
            Err(Error::Corrupt { name, what }) => {
                assert_eq!(name, "stack");
                assert!(what.contains("capacity"), "{what}");
            }
            other => panic!("{cap}: {other:?}"),
        }
    }
}

#[test]
fn opening_refuses_a_capacity_the_entry_cannot_hold() {
    for cap in [63, 65, i32::MAX as u32] {
        match open_patched(layout::fields::STACK_CAPACITY_OFFSET, cap) {
            Err(Error::CapacityMismatch {
                capacity,
                entry_size: 784,
                ..
            }) => assert_eq!(capacity, u64::from(cap)),
            other => panic!("{cap}: {other:?}"),
        }
    }
}

#[test]
fn opening_refuses_a_recorded_element_size_other_than_the_types() {
    for elem in [0, 4, u32::MAX] {
        assert!(matches!(
            open_patched(layout::fields::STACK_ELEM_SIZE_OFFSET, elem),
            Err(Error::ElementSizeMismatch { expected: 8, .. })
        ));
    }
}

#[test]
fn opening_refuses_a_top_out_of_range() {
    for top in [64, 1000, i32::MAX, -2, i32::MIN] {
        match open_patched(layout::fields::STACK_TOP_OFFSET, top as u32) {
            Err(Error::Corrupt { name, what }) => {
                assert_eq!(name, "stack");
                assert!(what.contains(&format!("top is {top}")), "{what}");
            }
            other => panic!("{top}: {other:?}"),
        }
    }
}

#[test]
fn a_top_corrupted_after_open_fails_operations_instead_of_indexing_with_it() {
    let (mem, c) = segment("s_top", 1 << 16);
    let s = Stack::<u64>::create(&mem, "s", 8).unwrap();
    s.push(1).unwrap();
    let offset = mem.find("s").unwrap().offset();
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(shm_path(&c.0))
        .unwrap();
    for top in [8, 9, i32::MAX, -2, i32::MIN] {
        file.write_at(&top.to_le_bytes(), offset).unwrap();
        assert_eq!(s.push(5), Err(5));
        assert_eq!(s.pop(), None);
        assert_eq!(s.peek(), None);
        assert!(s.len() <= 8);
        assert!(matches!(
            s.pop_timeout(Duration::from_secs(10)),
            Err(Error::Corrupt { .. })
        ));
        let refused = s.push_timeout(5, Duration::from_secs(10)).unwrap_err();
        assert!(
            matches!(refused.error(), Error::Corrupt { .. }),
            "{refused:?}"
        );
        assert_eq!(refused.into_inner(), 5);
    }
    // Put right, it works again, with the element it held.
    file.write_at(&0i32.to_le_bytes(), offset).unwrap();
    assert_eq!(s.pop(), Some(1));
}
