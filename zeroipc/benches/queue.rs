//! Queue and stack throughput and latency between processes, each as a ratio to a baseline
//! measured in the same run.
//!
//! ```text
//! cargo bench -p zeroipc --bench queue
//! ```
//!
//! The bench re-executes itself as the peer process (an environment variable names the
//! role). Every figure is the median of several runs; the ratios are what to compare between
//! machines and runs. `ZEROIPC_BENCH_ONLY=spsc,rt,mpmc,stack` runs only the groups named.
//!
//! Run it on a quiet machine. On a busy one, the two processes of a run often share one core
//! and hand items over in bursts through that core's cache, which makes single-item
//! throughput look several times better than it is between cores (and the round trips
//! several times worse).
//!
//! - SPSC: one producer process, one consumer process, `Queue<u64>` of capacity 1024, items
//!   one at a time and in runs of 64; baseline `crossbeam_queue::ArrayQueue<u64>` between two
//!   threads (the same algorithm in one process, head and tail on separate cache lines).
//! - Round trip: a ping-pong through two queues between two processes; baseline a ping-pong
//!   on one shared atomic word (the cost of moving a cache line there and back).
//! - MPMC: two producer and two consumer processes on one queue; stack push/pop pairs.

// Timings become f64 for medians and ratios; counts of a bench fit easily.
#![allow(clippy::cast_precision_loss)]

use std::hint::spin_loop;
use std::process::{Child, Command};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_queue::ArrayQueue;
use zeroipc::{Array, Memory, Queue, Stack};

const ROLE_VAR: &str = "ZEROIPC_BENCH_ROLE";
const SEGMENT_VAR: &str = "ZEROIPC_BENCH_SEGMENT";
const COUNT_VAR: &str = "ZEROIPC_BENCH_COUNT";
const CAPACITY: usize = 1024;
const BATCH: usize = 64;
/// An item no producer sends: tells a consumer to stop.
const STOP: u64 = u64::MAX;
/// How long any wait of the bench may take before it counts as a failure.
const WAIT: Duration = Duration::from_secs(30);

/// Sizes of one run.
#[derive(Clone, Copy)]
struct Sizes {
    items: u64,
    round_trips: u64,
    pairs: u64,
    runs: usize,
}

fn main() {
    if let Ok(role) = std::env::var(ROLE_VAR) {
        child(&role);
        return;
    }
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing and wants a quick
    // run.
    let quick = !std::env::args().any(|a| a == "--bench");
    let sizes = if quick {
        Sizes {
            items: 20_000,
            round_trips: 2_000,
            pairs: 20_000,
            runs: 1,
        }
    } else {
        Sizes {
            items: 4_000_000,
            round_trips: 200_000,
            pairs: 4_000_000,
            runs: 7,
        }
    };
    let name = format!("/zeroipc_bench_queue_{}", std::process::id());
    // Every run adds its own entries (the table only grows): room for all of them.
    let mem = Memory::options()
        .max_entries(1024)
        .create(&name, 16 << 20)
        .expect("create the bench segment");
    let result = std::panic::catch_unwind(|| run(&mem, &name, sizes));
    let _ = Memory::unlink(&name);
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}

fn run(mem: &Memory, name: &str, sizes: Sizes) {
    let bench = Bench { mem, name, sizes };

    let only = std::env::var("ZEROIPC_BENCH_ONLY").ok();
    let wants = |group: &str| {
        only.as_deref()
            .map_or(true, |o| o.split(',').any(|g| g == group))
    };
    if wants("spsc") {
        spsc(&bench);
    }
    if wants("rt") {
        round_trip(&bench);
    }
    if wants("mpmc") {
        mpmc(&bench);
    }
    if wants("stack") {
        stack(&bench);
    }
}

fn spsc(bench: &Bench<'_>) {
    let sizes = bench.sizes;
    let n = sizes.items as f64;
    let crossbeam = median(sizes.runs, || crossbeam_spsc(sizes.items));
    let single = median(sizes.runs, || bench.spsc("spsc", false));
    let batched = median(sizes.runs, || bench.spsc("spsc_b", true));
    println!(
        "SPSC, {} items, capacity {CAPACITY} (items/s, higher is better)",
        sizes.items
    );
    println!(
        "  crossbeam ArrayQueue, 2 threads      {:>12.0}  {:>7.1} ns/item",
        n / crossbeam,
        ns(crossbeam, n)
    );
    println!(
        "  Queue, 2 processes, single items     {:>12.0}  {:>7.1} ns/item  {:.2}x crossbeam's rate",
        n / single,
        ns(single, n),
        crossbeam / single
    );
    println!(
        "  Queue, 2 processes, runs of {BATCH}       {:>12.0}  {:>7.1} ns/item  {:.2}x crossbeam's rate",
        n / batched,
        ns(batched, n),
        crossbeam / batched
    );
}

fn round_trip(bench: &Bench<'_>) {
    let sizes = bench.sizes;
    let rt = sizes.round_trips as f64;
    let raw = median(sizes.runs, || bench.ping_pong("raw"));
    let queues = median(sizes.runs, || bench.ping_pong("pingq"));
    println!(
        "Round trip between 2 processes, {} round trips (lower is better)",
        sizes.round_trips
    );
    println!(
        "  one shared atomic word               {:>7.0} ns",
        ns(raw, rt)
    );
    println!(
        "  two Queue<u64>, push and pop         {:>7.0} ns  {:.2}x the atomic word",
        ns(queues, rt),
        queues / raw
    );
}

fn mpmc(bench: &Bench<'_>) {
    let sizes = bench.sizes;
    let n = sizes.items as f64;
    let mpmc = median(sizes.runs, || bench.mpmc());
    println!(
        "MPMC, 2 producer + 2 consumer processes, {} items",
        sizes.items
    );
    println!(
        "  Queue, single items                  {:>12.0} items/s  {:>7.1} ns/item",
        n / mpmc,
        ns(mpmc, n)
    );
}

fn stack(bench: &Bench<'_>) {
    let sizes = bench.sizes;
    let pairs = sizes.pairs as f64;
    let stack_one = median(sizes.runs, || bench.stack_pairs(1));
    let stack_two = median(sizes.runs, || bench.stack_pairs(2));
    println!("Stack<u64> push/pop pairs, {} per process", sizes.pairs);
    println!(
        "  1 process                            {:>12.0} pairs/s  {:>7.1} ns/pair",
        pairs / stack_one,
        ns(stack_one, pairs)
    );
    println!(
        "  2 processes at once                  {:>12.0} pairs/s  {:>7.1} ns/pair",
        2.0 * pairs / stack_two,
        ns(stack_two, 2.0 * pairs)
    );
}

fn ns(seconds: f64, count: f64) -> f64 {
    seconds * 1e9 / count
}

/// The median, in seconds, of `runs` runs of `f` (which returns seconds), after one warm-up.
fn median(runs: usize, mut f: impl FnMut() -> f64) -> f64 {
    f();
    let mut samples: Vec<f64> = (0..runs).map(|_| f()).collect();
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

/// Calls `attempt` until it returns a value, spinning a little between attempts (1, 2, 4 ...
/// up to 64 spin hints, as `crossbeam_utils::Backoff` does), then yielding (on two cores a
/// pure spin can keep the peer it waits for off the CPU). The baselines wait this way, and
/// so do the batched calls, which have no waiting variants; single items use the queue's own
/// `push_timeout` and `pop_timeout`.
fn retry<R>(mut attempt: impl FnMut() -> Option<R>) -> R {
    let mut step = 0u32;
    loop {
        if let Some(r) = attempt() {
            return r;
        }
        if step <= 6 {
            for _ in 0..1u32 << step {
                spin_loop();
            }
            step += 1;
        } else {
            std::thread::yield_now();
        }
    }
}

fn crossbeam_spsc(items: u64) -> f64 {
    let q = Arc::new(ArrayQueue::<u64>::new(CAPACITY));
    let producer = {
        let q = Arc::clone(&q);
        std::thread::spawn(move || {
            for i in 0..items {
                retry(|| q.push(i).ok());
            }
        })
    };
    let start = Instant::now();
    for i in 0..items {
        assert_eq!(retry(|| q.pop()), i);
    }
    let elapsed = start.elapsed();
    producer.join().unwrap();
    elapsed.as_secs_f64()
}

struct Bench<'a> {
    mem: &'a Memory,
    name: &'a str,
    sizes: Sizes,
}

impl Bench<'_> {
    /// A fresh structure name for one run (the segment's table only grows).
    fn fresh(&self, tag: &str) -> String {
        let n = self.mem.entries().unwrap().len();
        format!("{tag}{n}")
    }

    /// Starts child number `index` (of those sharing `structure`'s start flag) in `role`.
    fn spawn(&self, role: &str, structure: &str, index: usize, count: u64) -> Child {
        Command::new(std::env::current_exe().unwrap())
            .env(ROLE_VAR, format!("{role}:{structure}:{index}"))
            .env(SEGMENT_VAR, self.name)
            .env(COUNT_VAR, count.to_string())
            .spawn()
            .expect("start a bench child")
    }

    /// The start flags of `children` children: word 0 is the start, word `1 + k` child `k`'s
    /// "ready".
    fn go_flag(&self, structure: &str, children: usize) -> Array<u32> {
        Array::create(self.mem, &format!("{structure}_go"), 1 + children).unwrap()
    }

    fn spsc(&self, tag: &str, batched: bool) -> f64 {
        let structure = self.fresh(tag);
        let q = Queue::<u64>::create(self.mem, &structure, CAPACITY).unwrap();
        let go = self.go_flag(&structure, 1);
        let role = if batched {
            "produce_batched"
        } else {
            "produce"
        };
        let mut child = self.spawn(role, &structure, 0, self.sizes.items);
        let start = start(&go);
        let mut next = 0;
        let mut buf = [0u64; BATCH];
        while next < self.sizes.items {
            let n = if batched {
                retry(|| Some(q.pop_into(&mut buf)).filter(|&n| n > 0))
            } else {
                buf[0] = q.pop_timeout(WAIT).unwrap();
                1
            };
            for &v in &buf[..n] {
                assert_eq!(v, next);
                next += 1;
            }
        }
        let elapsed = start.elapsed();
        assert!(child.wait().unwrap().success());
        elapsed.as_secs_f64()
    }

    fn ping_pong(&self, tag: &str) -> f64 {
        let structure = self.fresh(tag);
        let round_trips = self.sizes.round_trips;
        let go = self.go_flag(&structure, 1);
        if tag == "raw" {
            let word = Array::<u64>::create(self.mem, &structure, 1).unwrap();
            let word = shared_atomic(&word);
            let mut child = self.spawn("pong_raw", &structure, 0, round_trips);
            let start = start(&go);
            for i in 0..round_trips {
                // Release/Acquire: the ping-pong pair with the child's loads and stores.
                word.store(2 * i + 1, std::sync::atomic::Ordering::Release);
                retry(|| {
                    (word.load(std::sync::atomic::Ordering::Acquire) == 2 * i + 2).then_some(())
                });
            }
            let elapsed = start.elapsed();
            assert!(child.wait().unwrap().success());
            return elapsed.as_secs_f64();
        }
        let there = Queue::<u64>::create(self.mem, &format!("{structure}_ping"), CAPACITY).unwrap();
        let back = Queue::<u64>::create(self.mem, &format!("{structure}_pong"), CAPACITY).unwrap();
        let mut child = self.spawn("pong_queue", &structure, 0, round_trips);
        let start = start(&go);
        for i in 0..round_trips {
            there.push(i).unwrap();
            assert_eq!(back.pop_timeout(WAIT).unwrap(), i);
        }
        let elapsed = start.elapsed();
        assert!(child.wait().unwrap().success());
        elapsed.as_secs_f64()
    }

    fn mpmc(&self) -> f64 {
        let structure = self.fresh("mpmc");
        Queue::<u64>::create(self.mem, &structure, CAPACITY).unwrap();
        let go = self.go_flag(&structure, 4);
        let per_producer = self.sizes.items / 2;
        let mut children: Vec<Child> = (0..2)
            .map(|k| self.spawn("produce_stop", &structure, k, per_producer))
            .chain((2..4).map(|k| self.spawn("consume_stop", &structure, k, 0)))
            .collect();
        let start = start(&go);
        for child in &mut children {
            assert!(child.wait().unwrap().success());
        }
        start.elapsed().as_secs_f64()
    }

    fn stack_pairs(&self, processes: usize) -> f64 {
        let structure = self.fresh("stack");
        Stack::<u64>::create(self.mem, &structure, CAPACITY).unwrap();
        let go = self.go_flag(&structure, processes);
        let mut children: Vec<Child> = (0..processes)
            .map(|k| self.spawn("stack_pairs", &structure, k, self.sizes.pairs))
            .collect();
        let start = start(&go);
        for child in &mut children {
            assert!(child.wait().unwrap().success());
        }
        start.elapsed().as_secs_f64()
    }
}

/// The shared atomic word of the raw ping-pong, in the segment (an `Array<u64>` of one).
#[allow(clippy::disallowed_types)] // the baseline is a plain atomic, on purpose
fn shared_atomic(word: &Array<u64>) -> &std::sync::atomic::AtomicU64 {
    // SAFETY: the array's one element is 8-aligned, in a mapping that `word` keeps alive for
    // the returned lifetime; in this bench it is only ever accessed atomically (here and in
    // the child), so no non-atomic access races with it.
    let slice = unsafe { word.as_mut_slice() };
    // SAFETY: as above: valid, aligned and only accessed atomically while the reference lives.
    unsafe { std::sync::atomic::AtomicU64::from_ptr(slice.as_mut_ptr()) }
}

/// Waits until every child has set its "ready" word, then starts them all and the clock.
fn start(go: &Array<u32>) -> Instant {
    let deadline = Instant::now() + Duration::from_secs(30);
    while (1..go.len()).any(|k| go.get(k).unwrap() == 0) {
        assert!(Instant::now() < deadline, "bench children never got ready");
        std::thread::sleep(Duration::from_micros(100));
    }
    go.set(0, 1).unwrap();
    Instant::now()
}

// ---- The children --------------------------------------------------------------------------

fn child(role: &str) {
    let mut parts = role.split(':');
    let (role, structure, index) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap().parse::<usize>().unwrap(),
    );
    let mem = Memory::open(&std::env::var(SEGMENT_VAR).unwrap()).unwrap();
    let count: u64 = std::env::var(COUNT_VAR).unwrap().parse().unwrap();
    let go = Array::<u32>::open(&mem, &format!("{structure}_go")).unwrap();
    go.set(1 + index, 1).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    // Exit: the parent started the run.
    while go.get(0).unwrap() == 0 {
        assert!(Instant::now() < deadline, "never told to start");
        spin_loop();
    }
    match role {
        "produce" | "produce_batched" => {
            let q = Queue::<u64>::open(&mem, structure).unwrap();
            produce(&q, count, role == "produce_batched", false);
        }
        "produce_stop" => {
            let q = Queue::<u64>::open(&mem, structure).unwrap();
            produce(&q, count, false, true);
        }
        "consume_stop" => {
            let q = Queue::<u64>::open(&mem, structure).unwrap();
            // Exit: a stop item (each producer sends one after its items).
            loop {
                match q.pop_timeout(WAIT) {
                    Ok(STOP) => break,
                    Ok(_) => {}
                    Err(e) => panic!("consumer: {e}"),
                }
            }
        }
        "pong_queue" => {
            let there = Queue::<u64>::open(&mem, &format!("{structure}_ping")).unwrap();
            let back = Queue::<u64>::open(&mem, &format!("{structure}_pong")).unwrap();
            for _ in 0..count {
                back.push(there.pop_timeout(WAIT).unwrap()).unwrap();
            }
        }
        "pong_raw" => {
            let word = Array::<u64>::open(&mem, structure).unwrap();
            let word = shared_atomic(&word);
            for i in 0..count {
                // Acquire/Release: the other half of the parent's ping-pong.
                retry(|| {
                    (word.load(std::sync::atomic::Ordering::Acquire) == 2 * i + 1).then_some(())
                });
                word.store(2 * i + 2, std::sync::atomic::Ordering::Release);
            }
        }
        "stack_pairs" => {
            let s = Stack::<u64>::open(&mem, structure).unwrap();
            for i in 0..count {
                s.push_timeout(i, WAIT).unwrap();
                s.pop_timeout(WAIT).unwrap();
            }
        }
        _ => panic!("unknown bench role {role}"),
    }
}

fn produce(q: &Queue<u64>, count: u64, batched: bool, stop: bool) {
    if batched {
        let mut buf = [0u64; BATCH];
        let mut next = 0;
        while next < count {
            let n = (count - next).min(BATCH as u64) as usize;
            for (k, slot) in buf[..n].iter_mut().enumerate() {
                *slot = next + k as u64;
            }
            next += retry(|| Some(q.push_slice(&buf[..n])).filter(|&k| k > 0)) as u64;
        }
    } else {
        for i in 0..count {
            q.push_timeout(i, WAIT).unwrap();
        }
    }
    if stop {
        q.push_timeout(STOP, WAIT).unwrap();
    }
}
