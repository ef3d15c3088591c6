//! Array and segment-opening costs, each as a ratio to a baseline measured in the same run.
//!
//! ```text
//! cargo bench -p zeroipc --bench array
//! ```
//!
//! Every figure is the median of many timed batches; the ratio is what to compare between
//! machines and runs, not the absolute time.

// Timings become f64 for medians and ratios; nanosecond counts of a bench fit easily.
#![allow(clippy::cast_precision_loss)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use zeroipc::{Array, Memory};

/// Runs `batch` (which does `ops` operations) repeatedly for about `budget`, returning the
/// median time per operation in nanoseconds.
fn median_ns_per_op(ops: usize, budget: Duration, mut batch: impl FnMut()) -> f64 {
    // Warm up: caches, page tables, branch predictors.
    let warm = Instant::now();
    while warm.elapsed() < budget / 10 {
        batch();
    }
    let mut samples = Vec::new();
    let start = Instant::now();
    while start.elapsed() < budget || samples.len() < 11 {
        let t = Instant::now();
        batch();
        samples.push(t.elapsed().as_nanos() as f64 / ops as f64);
    }
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

struct Row {
    what: &'static str,
    ns: f64,
    baseline: &'static str,
    baseline_ns: f64,
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing and wants a quick run.
    let quick = !std::env::args().any(|a| a == "--bench");
    let budget = if quick {
        Duration::from_millis(20)
    } else {
        Duration::from_secs(2)
    };
    let name = format!("/zeroipc_bench_array_{}", std::process::id());
    let mem = Memory::create(&name, 8 << 20).expect("create the bench segment");
    let result = std::panic::catch_unwind(|| run(&mem, &name, budget));
    let _ = Memory::unlink(&name);
    let rows = match result {
        Ok(rows) => rows,
        Err(panic) => std::panic::resume_unwind(panic),
    };
    println!(
        "{:<34} {:>12} {:<34} {:>12} {:>7}",
        "operation", "ns/op", "baseline", "ns/op", "ratio"
    );
    for r in rows {
        println!(
            "{:<34} {:>12.3} {:<34} {:>12.3} {:>6.2}x",
            r.what,
            r.ns,
            r.baseline,
            r.baseline_ns,
            r.ns / r.baseline_ns
        );
    }
}

fn run(mem: &Memory, name: &str, budget: Duration) -> Vec<Row> {
    const N: usize = 4096;
    const MIB_ELEMS: usize = (1 << 20) / 8;
    let mut rows = Vec::new();

    let a = Array::<u64>::create(mem, "elements", N).unwrap();
    let raw: *mut u64 = {
        // The baseline: the same elements through a raw pointer, as a program that trusts the
        // segment would reach them. Found through the public API, so no layout is repeated.
        let entry = mem.find("elements").unwrap();
        let base = unsafe_base(&a);
        debug_assert_eq!(entry.size(), 8 + 8 * N as u64);
        base
    };

    let get = median_ns_per_op(N, budget, || {
        let mut sum = 0u64;
        for i in 0..N {
            sum = sum.wrapping_add(a.get(black_box(i)).unwrap());
        }
        black_box(sum);
    });
    let raw_get = median_ns_per_op(N, budget, || {
        let mut sum = 0u64;
        for i in 0..N {
            let p = raw.wrapping_add(black_box(i));
            // SAFETY: `p` is one of the `N` elements of the live array.
            sum = sum.wrapping_add(unsafe { p.read_volatile() });
        }
        black_box(sum);
    });
    rows.push(Row {
        what: "Array::get",
        ns: get,
        baseline: "raw pointer read_volatile",
        baseline_ns: raw_get,
    });

    let set = median_ns_per_op(N, budget, || {
        for i in 0..N {
            a.set(black_box(i), i as u64).unwrap();
        }
    });
    let raw_set = median_ns_per_op(N, budget, || {
        for i in 0..N {
            let p = raw.wrapping_add(black_box(i));
            // SAFETY: `p` is one of the `N` elements of the live array.
            unsafe { p.write_volatile(i as u64) };
        }
    });
    rows.push(Row {
        what: "Array::set",
        ns: set,
        baseline: "raw pointer write_volatile",
        baseline_ns: raw_set,
    });

    // 1 MiB copied out of the segment.
    let big = Array::<u64>::create(mem, "mebibyte", MIB_ELEMS).unwrap();
    big.fill(7);
    let big_raw = unsafe_base(&big);
    let mut dst = vec![0u64; MIB_ELEMS];
    let copy = median_ns_per_op(1, budget, || {
        big.copy_to_slice(0, black_box(&mut dst)).unwrap();
    });
    let memcpy = median_ns_per_op(1, budget, || {
        // SAFETY: `MIB_ELEMS` elements of the live array into a private buffer as long.
        unsafe { big_raw.copy_to_nonoverlapping(black_box(dst.as_mut_ptr()), MIB_ELEMS) };
    });
    rows.push(Row {
        what: "Array::copy_to_slice (1 MiB)",
        ns: copy,
        baseline: "memcpy from the mapping (1 MiB)",
        baseline_ns: memcpy,
    });

    // Opening a segment whose table holds 64 entries: every check of the table, then one
    // array's check against its entry.
    let full_name = format!("{name}_64");
    let full = Memory::create(&full_name, 1 << 20).unwrap();
    for i in 0..64 {
        Array::<u32>::create(&full, &format!("entry_{i}"), 16).unwrap();
    }
    let open = median_ns_per_op(1, budget, || {
        let m = Memory::open(black_box(&full_name)).unwrap();
        black_box(Array::<u32>::open(&m, "entry_63").unwrap());
    });
    let open_empty_name = format!("{name}_0");
    let empty = Memory::create(&open_empty_name, 1 << 20).unwrap();
    let open_empty = median_ns_per_op(1, budget, || {
        black_box(Memory::open(black_box(&open_empty_name)).unwrap());
    });
    drop((full, empty));
    let _ = Memory::unlink(&full_name);
    let _ = Memory::unlink(&open_empty_name);
    rows.push(Row {
        what: "Memory::open, 64 entries + 1 Array",
        ns: open,
        baseline: "Memory::open, empty table",
        baseline_ns: open_empty,
    });
    rows
}

/// The first element of an array, for the raw-pointer baselines.
fn unsafe_base(a: &Array<u64>) -> *mut u64 {
    // SAFETY: a mutable view exists only for this statement, and no other access to the
    // array happens meanwhile; only its address is kept.
    unsafe { a.as_mut_slice().as_mut_ptr() }
}
