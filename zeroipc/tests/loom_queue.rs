//! Model checking of the queue's algorithm: `QueueView`, the code `Queue` runs, built over
//! loom's atomics on the heap (`loom_util::heap`).
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test --release --target-dir target/loom -p zeroipc
//! --test loom_queue`.

#![cfg(loom)]

mod loom_util;

use loom::thread;
use loom_util::check;
use loom_util::heap::HeapQueue;

// Each thread works through its own clone of the queue, as threads and processes do with
// `Queue`: the clones share the queue and keep their own guesses at `head` and `tail`,
// which each clone's view uses.

/// Pushes `value`, yielding to the other threads until there is room.
fn push(q: &HeapQueue, value: u32) {
    while q.view().push(value).is_err() {
        thread::yield_now();
    }
}

/// Pops one element, yielding to the other threads until there is one.
fn pop(q: &HeapQueue) -> u32 {
    loop {
        if let Some(v) = q.view().pop() {
            return v;
        }
        thread::yield_now();
    }
}

/// Everything left in the queue, once the other threads are done.
fn drain(q: &HeapQueue) -> Vec<u32> {
    std::iter::from_fn(|| q.view().pop()).collect()
}

#[test]
fn two_producers_and_a_consumer_deliver_each_element_once() {
    check(|| {
        let q = HeapQueue::new(2);
        let producers: Vec<_> = [1, 2]
            .into_iter()
            .map(|v| {
                let q = q.clone();
                thread::spawn(move || q.view().push(v).is_ok())
            })
            .collect();
        let consumer = {
            let q = q.clone();
            thread::spawn(move || q.view().pop())
        };
        for p in producers {
            assert!(p.join().unwrap(), "two elements fit a queue of two");
        }
        let mut seen: Vec<u32> = consumer.join().unwrap().into_iter().collect();
        seen.extend(drain(&q));
        seen.sort_unstable();
        assert_eq!(seen, [1, 2]);
        assert_eq!(q.view().len(), 0);
    });
}

#[test]
fn slots_are_reused_lap_after_lap_in_fifo_order() {
    check(|| {
        let q = HeapQueue::new(2);
        let producer = {
            let q = q.clone();
            thread::spawn(move || {
                for v in 1..=3 {
                    push(&q, v);
                }
            })
        };
        let got: Vec<u32> = (0..3).map(|_| pop(&q)).collect();
        producer.join().unwrap();
        assert_eq!(got, [1, 2, 3]);
    });
}

#[test]
fn a_full_queue_hands_values_back_and_loses_nothing() {
    check(|| {
        let q = HeapQueue::new(2);
        let producer = {
            let q = q.clone();
            thread::spawn(move || {
                (1..=3)
                    .filter(|&v| q.view().push(v).is_ok())
                    .collect::<Vec<u32>>()
            })
        };
        let first = q.view().pop();
        let pushed = producer.join().unwrap();
        let mut seen: Vec<u32> = first.into_iter().collect();
        seen.extend(drain(&q));
        // Exactly what was accepted comes out, in the order it went in.
        assert_eq!(seen, pushed);
        assert!(pushed.len() >= 2);
    });
}

#[test]
fn batched_claims_mix_with_single_item_peers() {
    check(|| {
        let q = HeapQueue::new(4);
        let batch = {
            let q = q.clone();
            thread::spawn(move || q.view().push_slice(&[1, 2, 3]))
        };
        let single = {
            let q = q.clone();
            thread::spawn(move || q.view().push(10).is_ok())
        };
        let mut out = [0; 2];
        let n = q.view().pop_into(&mut out);
        let batched = batch.join().unwrap();
        let single_ok = single.join().unwrap();
        let mut seen = out[..n].to_vec();
        seen.extend(drain(&q));

        let mut expected: Vec<u32> = [1, 2, 3][..batched].to_vec();
        if single_ok {
            expected.push(10);
        }
        // The batch's elements stay in order among themselves.
        let from_batch: Vec<u32> = seen.iter().copied().filter(|&v| v != 10).collect();
        assert_eq!(from_batch, [1, 2, 3][..batched]);
        seen.sort_unstable();
        expected.sort_unstable();
        assert_eq!(seen, expected);
        // Four slots: the batch and the single push both fit whatever the order.
        assert_eq!(batched, 3);
        assert!(single_ok);
    });
}

#[test]
fn counters_that_wrap_at_2_32_keep_fifo_order() {
    check(|| {
        let q = HeapQueue::starting_at(2, u32::MAX);
        let producer = {
            let q = q.clone();
            thread::spawn(move || {
                push(&q, 1);
                q.view().push_slice(&[2, 3])
            })
        };
        let mut got = vec![pop(&q)];
        let batched = producer.join().unwrap();
        got.extend(drain(&q));
        assert_eq!(got, [1, 2, 3][..=batched]);
        assert!(batched >= 1);
    });
}
