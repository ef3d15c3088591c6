//! Queues and stacks shared by real processes: the test binary re-executes itself as the
//! producers and consumers (see `common::spawn_child`).
//!
//! Every child has a deadline on every wait, so a bug shows up as a failed child, never as a
//! hung test; the parent kills and reaps its own children if they overrun.

mod common;

use std::time::{Duration, Instant};

use common::{child_role, spawn_child, unique_name, Children, Cleanup};
use zeroipc::{Array, Error, Memory, Queue, Stack};

/// Names the segment for the children.
const SEGMENT_VAR: &str = "ZEROIPC_TEST_SEGMENT";
/// Tells the children the size of each producer's item space (see [`Items`]).
const SPACE_VAR: &str = "ZEROIPC_TEST_SPACE";
/// Capacity of the queue or stack.
const CAPACITY: usize = 1024;
/// Items in the stress tests, split evenly between two producers.
const ITEMS: u64 = 1_000_000;
/// How long a child may run in all.
const CHILD_DEADLINE: Duration = Duration::from_secs(120);
/// How long the parent waits for its children.
const PARENT_DEADLINE: Duration = Duration::from_secs(150);
/// A producer or consumer that can make no progress for this long fails.
const STALL: Duration = Duration::from_secs(20);

/// Items are `producer << 32 | sequence`; producer `p`'s item `s` has bit `p * space + s` in
/// the consumers' seen-bitmaps.
#[derive(Clone, Copy)]
struct Items {
    space: u64,
}

impl Items {
    fn from_env() -> Items {
        Items {
            space: std::env::var(SPACE_VAR).unwrap().parse().unwrap(),
        }
    }

    /// The bitmap index of `item`, or `None` for a value no producer sends.
    fn bit(self, item: u64) -> Option<usize> {
        let (p, s) = (item >> 32, item & 0xFFFF_FFFF);
        (p < 2 && s < self.space).then(|| (p * self.space + s) as usize)
    }

    fn bitmap_words(self) -> usize {
        (2 * self.space).div_ceil(64) as usize
    }
}

/// Producer `producer`'s item number `seq`.
fn item(producer: u64, seq: u64) -> u64 {
    producer << 32 | seq
}

/// What a consumer reports: `[count, sum, duplicates, out of order, not an item]`.
const RESULT_LEN: usize = 5;

/// The structure under test, as the children use it.
trait Channel: Sized {
    const FIFO: bool;
    fn create(mem: &Memory) -> Self;
    fn open(mem: &Memory) -> Self;
    /// Sends a prefix of `items` (at least one item, or fails after `timeout`); returns how
    /// many were sent.
    fn send(&self, items: &[u64], batched: bool, timeout: Duration) -> Result<usize, ()>;
    /// Receives into `buf`; 0 after `timeout` without an item.
    fn recv(&self, buf: &mut [u64], batched: bool, timeout: Duration) -> usize;
}

impl Channel for Queue<u64> {
    const FIFO: bool = true;

    fn create(mem: &Memory) -> Self {
        Queue::create(mem, "channel", CAPACITY).unwrap()
    }

    fn open(mem: &Memory) -> Self {
        Queue::open(mem, "channel").unwrap()
    }

    fn send(&self, items: &[u64], batched: bool, timeout: Duration) -> Result<usize, ()> {
        if batched {
            let n = self.push_slice(&items[..items.len().min(64)]);
            if n > 0 {
                return Ok(n);
            }
        }
        self.push_timeout(items[0], timeout)
            .map(|()| 1)
            .map_err(drop)
    }

    fn recv(&self, buf: &mut [u64], batched: bool, timeout: Duration) -> usize {
        if batched {
            let n = self.pop_into(buf);
            if n > 0 {
                return n;
            }
        }
        match self.pop_timeout(timeout) {
            Ok(v) => {
                buf[0] = v;
                1
            }
            Err(Error::Timeout) => 0,
            Err(e) => panic!("pop_timeout: {e}"),
        }
    }
}

impl Channel for Stack<u64> {
    const FIFO: bool = false;

    fn create(mem: &Memory) -> Self {
        Stack::create(mem, "channel", CAPACITY).unwrap()
    }

    fn open(mem: &Memory) -> Self {
        Stack::open(mem, "channel").unwrap()
    }

    fn send(&self, items: &[u64], _: bool, timeout: Duration) -> Result<usize, ()> {
        self.push_timeout(items[0], timeout)
            .map(|()| 1)
            .map_err(drop)
    }

    fn recv(&self, buf: &mut [u64], _: bool, timeout: Duration) -> usize {
        match self.pop_timeout(timeout) {
            Ok(v) => {
                buf[0] = v;
                1
            }
            Err(Error::Timeout) => 0,
            Err(e) => panic!("pop_timeout: {e}"),
        }
    }
}

// ---- The children --------------------------------------------------------------------------

/// Runs the child role `role` (`producer-<p>-<count>`, `victim`, `consumer-<c>`).
fn run_child<C: Channel>(role: &str) {
    let mem = Memory::open(&std::env::var(SEGMENT_VAR).unwrap()).unwrap();
    let items = Items::from_env();
    let channel = C::open(&mem);
    wait_for_go(&mem);
    let parts: Vec<&str> = role.split('-').collect();
    match parts[..] {
        ["producer", p, count] => produce(&mem, &channel, items, p.parse().unwrap(), count),
        ["victim"] => produce(&mem, &channel, items, 0, "max"),
        ["consumer", c] => consume(&mem, &channel, items, c.parse().unwrap()),
        _ => panic!("unknown role {role}"),
    }
}

fn wait_for_go(mem: &Memory) {
    let go = Array::<u32>::open(mem, "go").unwrap();
    let deadline = Instant::now() + CHILD_DEADLINE;
    while go.get(0).unwrap() == 0 {
        assert!(Instant::now() < deadline, "never told to start");
        std::thread::sleep(Duration::from_micros(200));
    }
}

/// Sends `count` items (`max`: the whole item space) as producer `p`; producer 1 sends in
/// batches. Records progress in `progress[p]` as it goes. A send that stalls ends the run
/// early if the parent asked for that (`tolerate_stall`), else fails the child.
fn produce<C: Channel>(mem: &Memory, channel: &C, items: Items, p: u64, count: &str) {
    let count = if count == "max" {
        items.space
    } else {
        count.parse().unwrap()
    };
    let progress = Array::<u64>::open(mem, "progress").unwrap();
    let tolerate_stall = Array::<u32>::open(mem, "tolerate_stall")
        .unwrap()
        .get(0)
        .unwrap()
        == 1;
    let deadline = Instant::now() + CHILD_DEADLINE;
    let mut batch = Vec::with_capacity(64);
    let mut sent = 0;
    while sent < count {
        assert!(Instant::now() < deadline, "producer {p} ran out of time");
        batch.clear();
        batch.extend((sent..count.min(sent + 64)).map(|s| item(p, s)));
        match channel.send(&batch, p == 1, STALL) {
            Ok(n) => sent += n as u64,
            Err(()) if tolerate_stall => break,
            Err(()) => panic!("producer {p}: no room for {STALL:?}"),
        }
        progress.set(p as usize, sent).unwrap();
    }
}

/// Receives until the parent says the producers are done and the channel stays empty;
/// consumer 1 receives in batches. Reports counts and a seen-bitmap.
fn consume<C: Channel>(mem: &Memory, channel: &C, items: Items, c: usize) {
    let done = Array::<u32>::open(mem, "done").unwrap();
    let mut seen = vec![0u64; items.bitmap_words()];
    let mut last = [None::<u64>; 2];
    let (mut count, mut sum, mut dups, mut disorder, mut bad) = (0u64, 0u64, 0u64, 0u64, 0u64);
    let mut buf = [0u64; 64];
    let deadline = Instant::now() + CHILD_DEADLINE;
    // Exit: the producers were done before a receive that then found nothing.
    loop {
        let producers_done = done.get(0).unwrap() == 1;
        let n = channel.recv(&mut buf, c == 1, Duration::from_millis(100));
        if n == 0 {
            if producers_done {
                break;
            }
            assert!(Instant::now() < deadline, "consumer {c} ran out of time");
            continue;
        }
        for &v in &buf[..n] {
            let Some(bit) = items.bit(v) else {
                bad += 1;
                continue;
            };
            count += 1;
            sum = sum.wrapping_add(v);
            let (word, mask) = (bit / 64, 1u64 << (bit % 64));
            if seen[word] & mask != 0 {
                dups += 1;
            }
            seen[word] |= mask;
            let (p, s) = ((v >> 32) as usize, v & 0xFFFF_FFFF);
            if last[p].is_some_and(|l| l >= s) {
                disorder += 1;
            }
            last[p] = Some(s);
        }
    }
    Array::<u64>::open(mem, &format!("seen{c}"))
        .unwrap()
        .copy_from_slice(0, &seen)
        .unwrap();
    Array::<u64>::open(mem, &format!("result{c}"))
        .unwrap()
        .copy_from_slice(0, &[count, sum, dups, disorder, bad])
        .unwrap();
}

// ---- The parent ----------------------------------------------------------------------------

/// A segment with the channel and the children's shared bookkeeping, and its guard.
struct Setup<C> {
    mem: Memory,
    cleanup: Cleanup,
    channel: C,
    items: Items,
}

impl<C: Channel> Setup<C> {
    fn new(tag: &str, items: Items, tolerate_stall: bool) -> Setup<C> {
        let name = unique_name(tag);
        let cleanup = Cleanup(name.clone());
        let mem = Memory::create(&name, 4 << 20).unwrap();
        let channel = C::create(&mem);
        Array::<u32>::create(&mem, "go", 1).unwrap();
        Array::<u32>::create(&mem, "done", 1).unwrap();
        Array::<u32>::create(&mem, "tolerate_stall", 1)
            .unwrap()
            .set(0, u32::from(tolerate_stall))
            .unwrap();
        Array::<u64>::create(&mem, "progress", 2).unwrap();
        for c in 0..2 {
            Array::<u64>::create(&mem, &format!("seen{c}"), items.bitmap_words()).unwrap();
            Array::<u64>::create(&mem, &format!("result{c}"), RESULT_LEN).unwrap();
        }
        Setup {
            mem,
            cleanup,
            channel,
            items,
        }
    }

    fn spawn(&self, test: &str, role: &str) -> std::process::Child {
        spawn_child(
            test,
            role,
            &[
                (SEGMENT_VAR, self.cleanup.0.clone()),
                (SPACE_VAR, self.items.space.to_string()),
            ],
        )
    }

    fn array<T: bytemuck::Pod>(&self, name: &str) -> Array<T> {
        Array::open(&self.mem, name).unwrap()
    }

    /// The consumers' reports, summed, and the union of their bitmaps (checked disjoint).
    fn collect(&self) -> ([u64; RESULT_LEN], Vec<u64>) {
        let mut total = [0u64; RESULT_LEN];
        let mut union = vec![0u64; self.items.bitmap_words()];
        for c in 0..2 {
            let result = self.array::<u64>(&format!("result{c}")).to_vec();
            for (t, r) in total.iter_mut().zip(&result) {
                *t = t.wrapping_add(*r);
            }
            let seen = self.array::<u64>(&format!("seen{c}")).to_vec();
            for (u, s) in union.iter_mut().zip(&seen) {
                assert_eq!(*u & s, 0, "an item reached both consumers");
                *u |= s;
            }
        }
        (total, union)
    }
}

/// Whether bit `i` is set.
fn has(bitmap: &[u64], i: u64) -> bool {
    bitmap[(i / 64) as usize] & (1 << (i % 64)) != 0
}

/// Two producers and two consumers, each a process, move [`ITEMS`] items through a channel
/// of capacity 1024; every item arrives exactly once (count, sum, bitmap), and, for a queue,
/// each consumer sees each producer's items in the order they were sent.
fn stress<C: Channel>(test: &str) {
    if let Some(role) = child_role() {
        run_child::<C>(&role);
        return;
    }
    let per_producer = ITEMS / 2;
    let setup = Setup::<C>::new(
        "mpq",
        Items {
            space: per_producer,
        },
        false,
    );
    let mut producers = Children(
        (0..2)
            .map(|p| setup.spawn(test, &format!("producer-{p}-{per_producer}")))
            .collect(),
    );
    let mut consumers = Children(
        (0..2)
            .map(|c| setup.spawn(test, &format!("consumer-{c}")))
            .collect(),
    );
    setup.array::<u32>("go").set(0, 1).unwrap();
    assert!(producers.wait_all(PARENT_DEADLINE), "a producer failed");
    setup.array::<u32>("done").set(0, 1).unwrap();
    assert!(consumers.wait_all(PARENT_DEADLINE), "a consumer failed");

    let ([count, sum, dups, disorder, bad], union) = setup.collect();
    assert_eq!((dups, bad), (0, 0), "duplicates, values no producer sent");
    if C::FIFO {
        assert_eq!(disorder, 0, "items of one producer out of order");
    }
    assert_eq!(count, ITEMS);
    let expected_sum = (0..2u64)
        .flat_map(|p| (0..per_producer).map(move |s| p << 32 | s))
        .fold(0u64, u64::wrapping_add);
    assert_eq!(sum, expected_sum);
    assert!((0..ITEMS).all(|i| has(&union, i)), "an item never arrived");
    assert_eq!(
        setup.channel.recv(&mut [0], false, Duration::ZERO),
        0,
        "left over"
    );
}

#[test]
fn two_producer_and_two_consumer_processes_move_a_million_items_through_a_queue_exactly_once_in_order(
) {
    stress::<Queue<u64>>(
        "two_producer_and_two_consumer_processes_move_a_million_items_through_a_queue_exactly_once_in_order",
    );
}

#[test]
fn two_producer_and_two_consumer_processes_move_a_million_items_through_a_stack_exactly_once() {
    stress::<Stack<u64>>(
        "two_producer_and_two_consumer_processes_move_a_million_items_through_a_stack_exactly_once",
    );
}

#[test]
fn a_producer_killed_mid_stream_leaves_consumers_timing_out_with_every_published_item_delivered() {
    const TEST: &str =
        "a_producer_killed_mid_stream_leaves_consumers_timing_out_with_every_published_item_delivered";
    const SURVIVOR_ITEMS: u64 = 200_000;
    if let Some(role) = child_role() {
        run_child::<Queue<u64>>(&role);
        return;
    }
    // The victim (producer 0) would send 2 million items: it is killed long before.
    let items = Items { space: 2_000_000 };
    let setup = Setup::<Queue<u64>>::new("mpq_kill", items, true);
    let mut victim = Children(vec![setup.spawn(TEST, "victim")]);
    let mut survivor = Children(vec![
        setup.spawn(TEST, &format!("producer-1-{SURVIVOR_ITEMS}"))
    ]);
    let mut consumers = Children(
        (0..2)
            .map(|c| setup.spawn(TEST, &format!("consumer-{c}")))
            .collect(),
    );
    let progress = setup.array::<u64>("progress");
    setup.array::<u32>("go").set(0, 1).unwrap();

    // Let the victim get going, then kill it (SIGKILL) wherever it is.
    let deadline = Instant::now() + PARENT_DEADLINE;
    while progress.get(0).unwrap() < 20_000 {
        assert!(Instant::now() < deadline, "the victim never got going");
        std::thread::sleep(Duration::from_micros(100));
    }
    victim.0[0].kill().unwrap();
    victim.0[0].wait().unwrap();
    let confirmed = progress.get(0).unwrap();
    assert!(
        confirmed < items.space,
        "the victim finished before it was killed"
    );

    assert!(survivor.wait_all(PARENT_DEADLINE), "the survivor failed");
    setup.array::<u32>("done").set(0, 1).unwrap();
    // The consumers end on their own, by pop_timeout errors.
    assert!(
        consumers.wait_all(PARENT_DEADLINE),
        "a consumer failed or hung"
    );

    let ([_, _, dups, disorder, bad], delivered) = setup.collect();
    assert_eq!((dups, disorder, bad), (0, 0, 0));
    // Published items that no consumer could reach: only possible if the victim died
    // between claiming a slot and publishing it, leaving a hole the queue cannot pass.
    let stranded = setup.channel.snapshot();
    let mut published = delivered.clone();
    for v in &stranded {
        let bit = items.bit(*v).expect("an item");
        assert!(!has(&delivered, bit as u64), "stranded and delivered");
        published[bit / 64] |= 1 << (bit % 64);
    }
    if !stranded.is_empty() {
        eprintln!(
            "the victim died inside a push: {} items stranded behind its slot",
            stranded.len()
        );
    }
    // The victim's published items are exactly its first `m`, and include every push it
    // saw succeed.
    let m = (0..items.space).take_while(|&s| has(&published, s)).count() as u64;
    assert!(
        m >= confirmed,
        "{m} items of the victim published, {confirmed} confirmed"
    );
    assert!(
        (m..items.space).all(|s| !has(&published, s)),
        "a gap in the victim's items"
    );
    // The survivor's published items are exactly the ones it sent.
    let sent = progress.get(1).unwrap();
    let survivor_bits = items.space..items.space + SURVIVOR_ITEMS;
    for (s, bit) in survivor_bits.enumerate() {
        assert_eq!(has(&published, bit), (s as u64) < sent, "survivor item {s}");
    }
    if stranded.is_empty() {
        assert_eq!(
            sent, SURVIVOR_ITEMS,
            "the survivor was blocked with no hole"
        );
    }
}
