//! `zeroipc repair`: on a queue that a writer left half-written, on a segment someone else is
//! attached to, and after real processes were killed in the middle of their traffic.
//!
//! The kill tests run rounds of two producer and two consumer processes (this test binary
//! re-run as each of them) on one queue or stack, kill one of the four with SIGKILL at a
//! random moment, let the others run dry, then run `zeroipc repair` and `zeroipc check` on
//! the segment and send new traffic through it. Every worker records what it did in a second
//! segment: a producer marks an item pushed right after its `push` returned, a consumer marks
//! it received right after its `pop` returned. So across the rounds: no item is received
//! twice, and every item marked pushed is received (before the repair, or drained after
//! it), except where the repair report counts it dropped, and except, where the consumer was
//! the one killed, one item it received and was killed before marking (the window is one
//! store long; such rounds are counted and printed).

mod common;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use common::{assert_code, stderr, stdout, zeroipc};
use zeroipc::{Array, Error, Memory, Queue, Stack};

/// Environment of a worker: its role, the segments, and the item count.
const ROLE: &str = "ZEROIPC_CLI_TEST_ROLE";
const SEGMENT: &str = "ZEROIPC_CLI_TEST_SEGMENT";
const RECORDS: &str = "ZEROIPC_CLI_TEST_RECORDS";

/// Items each producer sends in a round.
const ITEMS: usize = 20_000;
/// Words of an element: every word holds the item's number, so a consumer can tell a whole
/// element from a half-written one. Large, so that a worker spends much of its time between
/// claiming a slot and finishing with it, where a kill leaves work for the repair.
const WORDS: usize = 512;
/// An element.
type Item = [u64; WORDS];
/// Slots of the queue or stack: few, so that producers and consumers meet often.
const CAPACITY: usize = 16;
/// Rounds per structure.
const ROUNDS: u64 = 30;
/// How long a worker goes on without progress before it stops.
const IDLE: Duration = Duration::from_millis(150);
/// One wait of a worker.
const STEP: Duration = Duration::from_millis(10);
/// The latest moment of the kill after the workers start.
const KILL_WITHIN_MS: u64 = 40;

/// A segment name unique to this process and call, and its removal when dropped.
struct Seg(String);

impl Seg {
    fn new(tag: &str) -> Seg {
        Seg(format!("/{}_{tag}", common::unique_name()))
    }
}

impl Drop for Seg {
    fn drop(&mut self) {
        let _ = Memory::unlink(&self.0);
    }
}

/// What a worker does with the structure.
trait Channel: Sized {
    /// The entry's name, hinting at its kind: the bytes of a queue or a stack may also fit
    /// a map or a set, and repair acts only on a structure it can tell.
    const NAME: &'static str;
    fn create(mem: &Memory) -> Self;
    fn open(mem: &Memory) -> Self;
    fn push_timeout(&self, v: &Item, t: Duration) -> bool;
    fn pop_timeout(&self, t: Duration) -> Option<Item>;
    fn pop(&self) -> Option<Item>;
    fn push(&self, v: &Item) -> bool;
}

/// The number an element carries; panics on an element whose words differ (torn, or
/// half-written).
fn number(item: &Item) -> u64 {
    assert!(
        item.iter().all(|&w| w == item[0]),
        "an element whose words differ: {:?}",
        &item[..4]
    );
    item[0]
}

impl Channel for Queue<Item> {
    const NAME: &'static str = "job_queue";

    fn create(mem: &Memory) -> Self {
        Queue::create(mem, Self::NAME, CAPACITY).unwrap()
    }
    fn open(mem: &Memory) -> Self {
        Queue::open(mem, Self::NAME).unwrap()
    }
    fn push_timeout(&self, v: &Item, t: Duration) -> bool {
        Queue::push_timeout(self, *v, t).is_ok()
    }
    fn pop_timeout(&self, t: Duration) -> Option<Item> {
        match Queue::pop_timeout(self, t) {
            Ok(v) => Some(v),
            Err(Error::Timeout | Error::Stalled { .. }) => None,
            Err(e) => panic!("pop_timeout: {e}"),
        }
    }
    fn pop(&self) -> Option<Item> {
        Queue::pop(self)
    }
    fn push(&self, v: &Item) -> bool {
        Queue::push(self, *v).is_ok()
    }
}

impl Channel for Stack<Item> {
    const NAME: &'static str = "job_stack";

    fn create(mem: &Memory) -> Self {
        Stack::create(mem, Self::NAME, CAPACITY).unwrap()
    }
    fn open(mem: &Memory) -> Self {
        Stack::open(mem, Self::NAME).unwrap()
    }
    fn push_timeout(&self, v: &Item, t: Duration) -> bool {
        Stack::push_timeout(self, *v, t).is_ok()
    }
    fn pop_timeout(&self, t: Duration) -> Option<Item> {
        match Stack::pop_timeout(self, t) {
            Ok(v) => Some(v),
            Err(Error::Timeout | Error::Stalled { .. }) => None,
            Err(e) => panic!("pop_timeout: {e}"),
        }
    }
    fn pop(&self) -> Option<Item> {
        Stack::pop(self)
    }
    fn push(&self, v: &Item) -> bool {
        Stack::push(self, *v).is_ok()
    }
}

/// The records segment's arrays: `ready` (one word per worker), `go`, `pushed` (an item's
/// mark, set once its push returned) and `received0`/`received1` (set once a consumer's pop
/// returned it), and `twice` (per consumer: items it received that were already marked).
struct Records {
    ready: Array<u32>,
    go: Array<u32>,
    pushed: Array<u8>,
    received: [Array<u8>; 2],
    twice: Array<u64>,
}

impl Records {
    fn create(mem: &Memory) -> Records {
        Records {
            ready: Array::create(mem, "ready", 4).unwrap(),
            go: Array::create(mem, "go", 1).unwrap(),
            pushed: Array::create(mem, "pushed", 2 * ITEMS).unwrap(),
            received: [
                Array::create(mem, "received0", 2 * ITEMS).unwrap(),
                Array::create(mem, "received1", 2 * ITEMS).unwrap(),
            ],
            twice: Array::create(mem, "twice", 2).unwrap(),
        }
    }

    fn open(mem: &Memory) -> Records {
        Records {
            ready: Array::open(mem, "ready").unwrap(),
            go: Array::open(mem, "go").unwrap(),
            pushed: Array::open(mem, "pushed").unwrap(),
            received: [
                Array::open(mem, "received0").unwrap(),
                Array::open(mem, "received1").unwrap(),
            ],
            twice: Array::open(mem, "twice").unwrap(),
        }
    }
}

/// A worker: `producer0`, `producer1`, `consumer0` or `consumer1`. Items are `id + 1` for
/// ids `0..2 * ITEMS`, producer `p` sending ids `p * ITEMS..(p + 1) * ITEMS`.
fn worker<C: Channel>(role: &str) {
    let mem = Memory::open(&std::env::var(SEGMENT).unwrap()).unwrap();
    let rec_mem = Memory::open(&std::env::var(RECORDS).unwrap()).unwrap();
    let rec = Records::open(&rec_mem);
    let ch = C::open(&mem);
    let (kind, n) = role.split_at(role.len() - 1);
    let n: usize = n.parse().unwrap();
    let me = if kind == "producer" { n } else { 2 + n };
    rec.ready.set(me, 1).unwrap();
    let start = Instant::now();
    while rec.go.get(0).unwrap() == 0 {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "never told to go"
        );
        std::thread::yield_now();
    }
    let mut last = Instant::now();
    if kind == "producer" {
        for id in n * ITEMS..(n + 1) * ITEMS {
            while !ch.push_timeout(&[id as u64 + 1; WORDS], STEP) {
                if last.elapsed() > IDLE {
                    return; // wedged: a dead consumer holds the next slot
                }
            }
            rec.pushed.set(id, 1).unwrap();
            last = Instant::now();
        }
    } else {
        let mine = &rec.received[n];
        while last.elapsed() < IDLE {
            if let Some(item) = ch.pop_timeout(STEP) {
                // Marked first, checked after: the window between the pop's return and the
                // mark is as short as can be.
                let id = (item[0] as usize).wrapping_sub(1);
                assert!(id < 2 * ITEMS, "received {}, which nobody sends", item[0]);
                let again = mine.get(id).unwrap() != 0;
                mine.set(id, 1).unwrap();
                if again {
                    rec.twice.set(n, rec.twice.get(n).unwrap() + 1).unwrap();
                }
                number(&item);
                last = Instant::now();
            }
        }
    }
}

/// A small generator for the kill moments and victims, seeded from the clock (the seed is
/// printed, to replay a failure).
struct Rng(u64);

impl Rng {
    fn next(&mut self, below: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % below
    }
}

/// What the rounds add up to.
#[derive(Debug, Default)]
struct Tally {
    /// Rounds whose repair changed something (a dead worker's claim was pending).
    wedged: u64,
    dropped: u64,
    returned: u64,
    /// Rounds where a killed consumer's one unmarked item accounts for a missing one.
    consumer_window: u64,
    pushed: u64,
    received: u64,
}

fn rounds<C: Channel>(test: &str) {
    if let Ok(role) = std::env::var(ROLE) {
        worker::<C>(&role);
        return;
    }
    let seed = std::env::var("ZEROIPC_CLI_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    println!("{test}: seed {seed} (ZEROIPC_CLI_TEST_SEED replays it)");
    let mut rng = Rng(seed);
    let mut tally = Tally::default();
    let started = Instant::now();
    for round in 0..ROUNDS {
        one_round::<C>(test, round, &mut rng, &mut tally);
    }
    println!(
        "{test}: {ROUNDS} rounds in {:.1?}: {tally:?}",
        started.elapsed()
    );
}

fn one_round<C: Channel>(test: &str, round: u64, rng: &mut Rng, tally: &mut Tally) {
    let seg = Seg::new("kill");
    let records = Seg::new("records");
    {
        let mem = Memory::create(&seg.0, 4 << 20).unwrap();
        C::create(&mem);
    } // the parent keeps no handle: `zeroipc repair` must be alone
    let rec_mem = Memory::create(&records.0, 1 << 20).unwrap();
    let rec = Records::create(&rec_mem);
    let victim = run_and_kill(test, round, rng, (&seg, &records, &rec));

    // Every worker is dead: repair, check, drain, new traffic.
    let out = zeroipc(&["repair", &seg.0, "--json"]);
    assert_code(&out, 0);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let entry = &report["repaired"][0];
    assert_eq!(entry["entry"], C::NAME, "{report}");
    let dropped = entry["dropped"].as_u64().unwrap();
    tally.dropped += dropped;
    tally.returned += entry["returned"].as_u64().unwrap();
    if report["changed"] == true {
        tally.wedged += 1;
    }
    assert_code(&zeroipc(&["check", &seg.0]), 0);
    let drained = drain_and_reuse::<C>(&seg, round);
    assert_code(&zeroipc(&["check", &seg.0]), 0);
    account(&rec, round, (victim, dropped), &drained, tally);
}

const ROLES: [&str; 4] = ["producer0", "producer1", "consumer0", "consumer1"];

/// Starts the four workers, kills one at a random moment after they start, and reaps them
/// all; returns which one was killed.
fn run_and_kill(
    test: &str,
    round: u64,
    rng: &mut Rng,
    (seg, records, rec): (&Seg, &Seg, &Records),
) -> usize {
    let roles = ROLES;
    let exe = std::env::current_exe().unwrap();
    let mut children: Vec<std::process::Child> = roles
        .iter()
        .map(|role| {
            std::process::Command::new(&exe)
                .args([test, "--exact", "--nocapture", "--test-threads=1"])
                .env(ROLE, role)
                .env(SEGMENT, &seg.0)
                .env(RECORDS, &records.0)
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    let reap = Reap(&mut children);
    let start = Instant::now();
    while (0..4).any(|i| rec.ready.get(i).unwrap() == 0) {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "workers never ready"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    rec.go.set(0, 1).unwrap();
    let victim = rng.next(4) as usize;
    std::thread::sleep(Duration::from_micros(rng.next(KILL_WITHIN_MS * 1000)));
    reap.0[victim].kill().unwrap(); // SIGKILL, by pid
    reap.0[victim].wait().unwrap();
    for (i, child) in reap.0.iter_mut().enumerate() {
        let status = child.wait().unwrap();
        assert!(
            i == victim || status.success(),
            "round {round}: {} failed: {status:?}",
            roles[i]
        );
    }
    drop(reap);
    victim
}

/// Pops what the repaired structure holds, then sends new traffic through it; returns the
/// ids drained.
fn drain_and_reuse<C: Channel>(seg: &Seg, round: u64) -> Vec<usize> {
    let mem = Memory::open(&seg.0).unwrap();
    let ch = C::open(&mem);
    let mut drained = Vec::new();
    while let Some(item) = ch.pop() {
        drained.push((number(&item) as usize).wrapping_sub(1));
        assert!(
            drained.len() <= CAPACITY,
            "round {round}: more than the capacity"
        );
    }
    for v in 1..=100 {
        assert!(
            ch.push(&[v; WORDS]),
            "round {round}: the repaired structure refused a push"
        );
        assert_eq!(ch.pop(), Some([v; WORDS]), "round {round}");
    }
    assert_eq!(ch.pop(), None);
    drained
}

/// Exactly once: no item received twice, and every item marked pushed received, but for
/// the slots the repair dropped and a killed consumer's one unmarked item.
fn account(
    rec: &Records,
    round: u64,
    (victim, dropped): (usize, u64),
    drained: &[usize],
    tally: &mut Tally,
) {
    let roles = ROLES;
    let mut received = HashSet::new();
    for c in 0..2 {
        assert_eq!(
            rec.twice.get(c).unwrap(),
            0,
            "round {round}: consumer {c} got an item twice"
        );
        for id in 0..2 * ITEMS {
            if rec.received[c].get(id).unwrap() != 0 {
                assert!(
                    received.insert(id),
                    "round {round}: item {id} received twice"
                );
            }
        }
    }
    for &id in drained {
        assert!(id < 2 * ITEMS, "round {round}: drained an item nobody sent");
        assert!(
            received.insert(id),
            "round {round}: item {id} drained and received"
        );
    }
    let pushed: Vec<usize> = (0..2 * ITEMS)
        .filter(|&id| rec.pushed.get(id).unwrap() != 0)
        .collect();
    let missing = pushed.iter().filter(|id| !received.contains(id)).count() as u64;
    let window = u64::from(victim >= 2);
    assert!(
        missing <= dropped + window,
        "round {round}: {missing} pushed items lost, {dropped} dropped, victim {}",
        roles[victim]
    );
    if missing > dropped {
        tally.consumer_window += 1;
    }
    tally.pushed += pushed.len() as u64;
    tally.received += received.len() as u64;
}

/// Kills and reaps the children it holds when dropped while any is left (a failed round
/// leaves none behind).
struct Reap<'a>(&'a mut Vec<std::process::Child>);

impl Drop for Reap<'_> {
    fn drop(&mut self) {
        for child in self.0.iter_mut() {
            if let Ok(None) = child.try_wait() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }
}

#[test]
fn a_queue_whose_worker_was_killed_is_repaired_and_delivers_every_item_once() {
    rounds::<Queue<Item>>(
        "a_queue_whose_worker_was_killed_is_repaired_and_delivers_every_item_once",
    );
}

#[test]
fn a_stack_whose_worker_was_killed_is_repaired_and_delivers_every_item_once() {
    rounds::<Stack<Item>>(
        "a_stack_whose_worker_was_killed_is_repaired_and_delivers_every_item_once",
    );
}

// ---- The command on a segment made by hand -------------------------------------------------

/// A queue of 8 holding 1, 2, a slot claimed at position 2 and never published, then 4.
fn queue_with_a_hole(seg: &Seg) -> Memory {
    let mem = Memory::create(&seg.0, 1 << 16).unwrap();
    let q = Queue::<u64>::create(&mem, "jobs", 8).unwrap();
    q.push(1).unwrap();
    q.push(2).unwrap();
    let tail = mem.find("jobs").unwrap().offset() + 4;
    let path = format!("/dev/shm{}", seg.0);
    let file = std::fs::OpenOptions::new().write(true).open(path).unwrap();
    std::os::unix::fs::FileExt::write_all_at(&file, &3u32.to_le_bytes(), tail).unwrap();
    q.push(4).unwrap();
    mem
}

#[test]
fn repair_prints_what_it_changed_and_leaves_a_sound_queue() {
    let seg = Seg::new("repair_text");
    drop(queue_with_a_hole(&seg));
    let out = zeroipc(&["repair", &seg.0]);
    assert_code(&out, 0);
    let text = stdout(&out);
    assert!(text.contains(&format!("segment {}", seg.0)), "{text}");
    assert!(
        text.contains("jobs (queue): 3 kept (0 put back), 1 half-written dropped; head 0 -> 1"),
        "{text}"
    );
    assert_code(&zeroipc(&["check", &seg.0]), 0);
    // A second run finds it sound.
    let again = zeroipc(&["repair", &seg.0, "jobs"]);
    assert_code(&again, 0);
    assert!(
        stdout(&again).contains("sound, unchanged"),
        "{}",
        stdout(&again)
    );
    let mem = Memory::open(&seg.0).unwrap();
    let q = Queue::<u64>::open(&mem, "jobs").unwrap();
    assert_eq!(q.snapshot(), vec![1, 2, 4]);
}

#[test]
fn repair_json_reports_each_entry() {
    let seg = Seg::new("repair_json");
    drop(queue_with_a_hole(&seg));
    let out = zeroipc(&["repair", &seg.0, "--json"]);
    assert_code(&out, 0);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(v["segment"], seg.0);
    assert_eq!(v["changed"], true);
    let q = &v["repaired"][0];
    assert_eq!(q["entry"], "jobs");
    assert_eq!(q["kind"], "queue");
    assert_eq!(q["kept"], 3);
    assert_eq!(q["returned"], 0);
    assert_eq!(q["dropped"], 1);
    assert_eq!(q["reset"][0], "head 0 -> 1");
    assert_eq!(v["skipped"], serde_json::json!([]));
}

#[test]
fn repair_refuses_while_anyone_is_attached_and_changes_nothing() {
    let seg = Seg::new("repair_refused");
    let mem = queue_with_a_hole(&seg); // this process stays attached
    let path = format!("/dev/shm{}", seg.0);
    let before = std::fs::read(&path).unwrap();
    let out = zeroipc(&["repair", &seg.0]);
    assert_code(&out, 1);
    assert!(stderr(&out).contains("is in use"), "{}", stderr(&out));
    assert!(stderr(&out).contains("changed nothing"), "{}", stderr(&out));
    assert_eq!(std::fs::read(&path).unwrap(), before);
    drop(mem);
    assert_code(&zeroipc(&["repair", &seg.0]), 0);
}

#[test]
fn repair_of_a_missing_entry_or_segment_is_an_error() {
    let seg = Seg::new("repair_missing");
    drop(queue_with_a_hole(&seg));
    let out = zeroipc(&["repair", &seg.0, "nothing"]);
    assert_code(&out, 1);
    assert!(
        stderr(&out).contains("\"nothing\" does not exist"),
        "{}",
        stderr(&out)
    );
    let out = zeroipc(&["repair", "/zeroipc_cli_no_such_segment"]);
    assert_code(&out, 1);
}
