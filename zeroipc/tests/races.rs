//! Threads of one process sharing handles and segments, as the tests of data races see them.
//!
//! Each test here is correct under Rust's memory model only if every access to mapped bytes
//! is atomic: run them under `ThreadSanitizer` (README, "Checking for data races") to check
//! that. Run normally, they check what a reader may rely on while others write: an element
//! whose size is its alignment (`u64` here) is copied by one atomic access and never torn,
//! and every value a reader sees is one that somebody wrote.

// A test's stop flag is not an algorithm that loom checks.
#![allow(clippy::disallowed_types)]

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Barrier;
use std::thread;

use zeroipc::{Array, Queue, Stack};

/// The values the writers store: each byte of value `k` is `k`, so a torn value (bytes of
/// two values) is told from a whole one.
fn pattern(k: u8) -> u64 {
    u64::from_ne_bytes([k; 8])
}

fn is_pattern(v: u64) -> bool {
    v == 0 || v == pattern(v.to_ne_bytes()[0])
}

const ROUNDS: usize = if cfg!(miri) { 10 } else { 2_000 };

/// Pushes `ROUNDS` values on `queue` and `stack`, popping one of each every `pop_every`
/// rounds (and checking it is whole), then raises `done`.
fn churn(queue: &Queue<u64>, stack: &Stack<u64>, pop_every: usize, done: &AtomicBool) {
    for round in 0..ROUNDS {
        let k = (round % 255) as u8 + 1;
        let _ = queue.push(pattern(k));
        let _ = stack.push(pattern(k));
        if round % pop_every == 0 {
            if let Some(v) = queue.pop() {
                assert!(is_pattern(v), "torn queue element {v:#x}");
            }
            if let Some(v) = stack.pop() {
                assert!(is_pattern(v), "torn stack element {v:#x}");
            }
        }
    }
    done.store(true, Ordering::Relaxed);
}

#[test]
#[cfg_attr(miri, ignore)]
fn two_threads_on_one_array_handle_see_whole_values() {
    let (mem, _guard) = common::segment("race_array", 1 << 20);
    let array = Array::<u64>::create(&mem, "a", 64).unwrap();
    let start = Barrier::new(2);
    thread::scope(|s| {
        s.spawn(|| {
            start.wait();
            let mut run = [0u64; 64];
            for round in 0..ROUNDS {
                let k = (round % 255) as u8 + 1;
                array.set(round % 64, pattern(k)).unwrap();
                run.fill(pattern(k));
                array.copy_from_slice(0, &run[..32]).unwrap();
                array.fill(pattern(k));
            }
        });
        s.spawn(|| {
            start.wait();
            let mut out = [0u64; 64];
            for round in 0..ROUNDS {
                let v = array.get(round % 64).unwrap();
                assert!(is_pattern(v), "torn element {v:#x}");
                array.copy_to_slice(0, &mut out).unwrap();
                assert!(out.iter().all(|&v| is_pattern(v)), "torn run {out:x?}");
                assert!(array.iter().all(is_pattern));
            }
        });
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn opening_races_with_pushes_and_pops() {
    let (mem, _guard) = common::segment("race_open", 1 << 20);
    let queue = Queue::<u64>::create(&mem, "q", 16).unwrap();
    let stack = Stack::<u64>::create(&mem, "s", 16).unwrap();
    let done = AtomicBool::new(false);
    thread::scope(|s| {
        s.spawn(|| churn(&queue, &stack, 1, &done));
        s.spawn(|| {
            let mut opened = 0;
            // Exit: the other thread finished (and at least a few opens were made).
            while !done.load(Ordering::Relaxed) || opened < 10 {
                let q = Queue::<u64>::open(&mem, "q").unwrap();
                let st = Stack::<u64>::open(&mem, "s").unwrap();
                assert_eq!((q.capacity(), st.capacity()), (16, 16));
                opened += 1;
            }
        });
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn snapshots_race_with_pushes_and_pops() {
    let (mem, _guard) = common::segment("race_snapshot", 1 << 20);
    let queue = Queue::<u64>::create(&mem, "q", 16).unwrap();
    let stack = Stack::<u64>::create(&mem, "s", 16).unwrap();
    let done = AtomicBool::new(false);
    thread::scope(|s| {
        s.spawn(|| churn(&queue, &stack, 3, &done));
        s.spawn(|| {
            let mut looked = 0;
            // Exit: the other thread finished (and at least a few snapshots were taken).
            while !done.load(Ordering::Relaxed) || looked < 10 {
                let q = queue.snapshot();
                assert!(q.len() <= 16 && q.iter().all(|&v| is_pattern(v)), "{q:x?}");
                let st = stack.snapshot();
                assert!(
                    st.len() <= 16 && st.iter().all(|&v| is_pattern(v)),
                    "{st:x?}"
                );
                if let Some(v) = stack.peek() {
                    assert!(is_pattern(v), "torn peek {v:#x}");
                }
                looked += 1;
            }
        });
    });
}

/// Values of 32 bytes, which no single access copies: a read of a map's value claims its
/// slot, as an update does, so a reader never sees half of one value and half of another.
#[test]
#[cfg_attr(miri, ignore)]
fn threads_updating_and_reading_one_map_handle_see_whole_values() {
    let (mem, _guard) = common::segment("race_map", 1 << 20);
    let map = zeroipc::Map::<u32, [u64; 4]>::create(&mem, "m", 16).unwrap();
    for key in 0..4 {
        map.insert(key, [0; 4]).unwrap();
    }
    // More rounds than the other tests: a torn read needs a reader and a writer on one slot
    // at the same instant.
    let rounds = ROUNDS * 50;
    let start = Barrier::new(3);
    thread::scope(|s| {
        for writer in 0..2u8 {
            let (map, start) = (&map, &start);
            s.spawn(move || {
                start.wait();
                for round in 0..rounds {
                    let k = (round % 127) as u8 * 2 + writer + 1;
                    map.insert(round as u32 % 4, [pattern(k); 4]).unwrap();
                }
            });
        }
        s.spawn(|| {
            start.wait();
            for round in 0..rounds {
                let v = map.get(&(round as u32 % 4)).unwrap().unwrap();
                assert!(
                    v.iter().all(|&w| w == v[0] && is_pattern(w)),
                    "torn value {v:x?}"
                );
                for (_, v) in &map {
                    assert!(v.iter().all(|&w| w == v[0]), "torn value {v:x?}");
                }
            }
        });
    });
    assert_eq!(map.len(), 4);
}
