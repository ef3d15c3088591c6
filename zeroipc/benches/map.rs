//! `Map::get` and `Map::insert` per operation, two threads at once, each as a ratio to
//! `std::collections::HashMap` behind a `std::sync::Mutex` doing the same in the same run.
//!
//! ```text
//! cargo bench -p zeroipc --bench map
//! ```
//!
//! Each thread works on keys of its own among 4096 (a map of 8192 slots, half full), so
//! the figure is the cost of the operations and their sharing, not of contention on one key.
//! The median of many timed batches is reported; the ratio is what to compare.

// Timings become f64 for medians and ratios; nanosecond counts of a bench fit easily.
#![allow(clippy::cast_precision_loss, clippy::disallowed_types)]

use std::collections::HashMap;
use std::hint::black_box;
use std::sync::{Barrier, Mutex};
use std::time::{Duration, Instant};

use zeroipc::{Map, Memory};

const THREADS: u64 = 2;
const KEYS: u64 = 4096;
const OPS: u64 = 20_000;

/// Runs `op(thread, i)` `OPS` times on each of two threads at once, repeatedly for about
/// `budget`; the median wall time per operation (per thread) in nanoseconds.
fn median_ns(budget: Duration, op: &(dyn Fn(u64, u64) + Sync)) -> f64 {
    let mut samples = Vec::new();
    let start = Instant::now();
    while start.elapsed() < budget || samples.len() < 11 {
        let barrier = Barrier::new(THREADS as usize);
        let t = std::thread::scope(|s| {
            let handles: Vec<_> = (0..THREADS)
                .map(|thread| {
                    let barrier = &barrier;
                    s.spawn(move || {
                        barrier.wait();
                        let t = Instant::now();
                        for i in 0..OPS {
                            op(thread, i);
                        }
                        t.elapsed()
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap())
                .max()
                .unwrap()
        });
        samples.push(t.as_nanos() as f64 / OPS as f64);
    }
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

/// Thread `thread`'s `i`-th key: threads own alternate keys.
fn key(thread: u64, i: u64) -> u64 {
    (i % (KEYS / THREADS)) * THREADS + thread
}

fn main() {
    let quick = !std::env::args().any(|a| a == "--bench");
    let budget = if quick {
        Duration::from_millis(20)
    } else {
        Duration::from_secs(2)
    };
    let name = format!("/zeroipc_bench_map_{}", std::process::id());
    let mem = Memory::create(&name, 8 << 20).expect("create the bench segment");
    let result = std::panic::catch_unwind(|| run(&mem, budget));
    let _ = Memory::unlink(&name);
    let rows = match result {
        Ok(rows) => rows,
        Err(panic) => std::panic::resume_unwind(panic),
    };
    println!(
        "{:<12} {:>10} {:>18} {:>8}",
        "operation", "Map ns", "Mutex<HashMap> ns", "ratio"
    );
    for (what, ours, theirs) in rows {
        println!(
            "{what:<12} {ours:>10.1} {theirs:>18.1} {:>8.2}",
            ours / theirs
        );
    }
}

fn run(mem: &Memory, budget: Duration) -> Vec<(&'static str, f64, f64)> {
    let map = Map::<u64, u64>::create(mem, "bench", 2 * KEYS as usize).unwrap();
    let std_map = Mutex::new(HashMap::with_capacity(2 * KEYS as usize));
    for k in 0..KEYS {
        map.insert(k, k).unwrap();
        std_map.lock().unwrap().insert(k, k);
    }
    let ours_insert = median_ns(budget, &|t, i| {
        black_box(map.insert(key(t, i), i).unwrap());
    });
    let theirs_insert = median_ns(budget, &|t, i| {
        black_box(std_map.lock().unwrap().insert(key(t, i), i));
    });
    let ours_get = median_ns(budget, &|t, i| {
        black_box(map.get(&key(t, i)).unwrap());
    });
    let theirs_get = median_ns(budget, &|t, i| {
        black_box(std_map.lock().unwrap().get(&key(t, i)).copied());
    });
    vec![
        ("insert", ours_insert, theirs_insert),
        ("get", ours_get, theirs_get),
    ]
}
