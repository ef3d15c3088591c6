//! Stalls and repair: a peer's unfinished claim, made here by writing the shared words
//! directly (as a peer that died in the middle of an operation leaves them), is reported as
//! a stall, not as emptiness; `repair` undoes it when the caller is alone, keeping every
//! element that was fully published, and is refused, changing nothing, while another
//! process is attached.

mod common;

use std::os::unix::fs::FileExt;
use std::time::{Duration, Instant};

use common::{child_role, segment, shm_path, spawn_child, Children};
use zeroipc::layout::{self, fields};
use zeroipc::{Barrier, Error, Memory, Mutex, Queue, Semaphore, Stack};

const SEGMENT: &str = "ZEROIPC_TEST_SEGMENT";
const SHORT: Duration = Duration::from_millis(50);

/// Writes `value` at byte `at` of the segment `name`, through its file, as another process
/// would.
fn poke(name: &str, at: u64, value: u32) {
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(shm_path(name))
        .unwrap();
    file.write_all_at(&value.to_le_bytes(), at).unwrap();
}

fn peek(name: &str, at: u64) -> u32 {
    let file = std::fs::File::open(shm_path(name)).unwrap();
    let mut word = [0; 4];
    file.read_exact_at(&mut word, at).unwrap();
    u32::from_le_bytes(word)
}

/// A queue of 8 `u64`s holding 1, 2, then a slot a producer claimed at position 2 and never
/// published, then 4: the hole a producer that died mid-push leaves.
fn queue_with_a_hole(mem: &Memory, name: &str) -> Queue<u64> {
    let q = Queue::<u64>::create(mem, "jobs", 8).unwrap();
    q.push(1).unwrap();
    q.push(2).unwrap();
    let offset = mem.find("jobs").unwrap().offset();
    // The producer of position 2 moved `tail` on and died: sequence of slot 2 stays 2.
    poke(name, offset + fields::QUEUE_TAIL_OFFSET as u64, 3);
    q.push(4).unwrap();
    q
}

#[test]
fn a_half_written_slot_is_reported_as_a_stall_naming_the_entry_and_position() {
    let (mem, c) = segment("rp_stall", 1 << 16);
    let q = queue_with_a_hole(&mem, &c.0);
    assert_eq!(q.pop(), Some(1));
    assert_eq!(q.pop(), Some(2));
    // The non-waiting call keeps its answer; the handle tells it from an empty queue.
    assert_eq!(q.pop(), None);
    assert!(q.is_stalled());
    match q.pop_timeout(SHORT) {
        Err(Error::Stalled { entry, position }) => {
            assert_eq!((entry.as_str(), position), ("jobs", 2));
        }
        other => panic!("{other:?}"),
    }
    let message = Error::Stalled {
        entry: "jobs".into(),
        position: 2,
    }
    .to_string();
    assert!(
        message.contains("\"jobs\"") && message.contains("position 2"),
        "{message}"
    );
    // An empty queue is no stall: a time-out, as before.
    let empty = Queue::<u64>::create(&mem, "empty", 8).unwrap();
    assert!(!empty.is_stalled());
    assert!(matches!(empty.pop_timeout(SHORT), Err(Error::Timeout)));
}

#[test]
fn a_slot_a_consumer_never_handed_back_is_a_stall_for_producers() {
    let (mem, c) = segment("rp_full", 1 << 16);
    let q = Queue::<u64>::create(&mem, "jobs", 2).unwrap();
    q.push(1).unwrap();
    q.push(2).unwrap();
    let offset = mem.find("jobs").unwrap().offset();
    // A consumer claimed position 0 (moved `head` on) and died before handing slot 0 back.
    poke(&c.0, offset + fields::QUEUE_HEAD_OFFSET as u64, 1);
    assert_eq!(q.push(3), Err(3));
    assert!(q.is_stalled());
    let stalled = q.push_timeout(3, SHORT).unwrap_err();
    assert!(
        matches!(stalled.error(), Error::Stalled { entry, position: 0 } if entry == "jobs"),
        "{stalled:?}"
    );
    assert_eq!(stalled.into_inner(), 3);
    // Repair puts the element back: nobody received it.
    let report = q.repair().unwrap();
    assert_eq!((report.kept, report.returned, report.dropped), (2, 1, 0));
    assert!(!q.is_stalled());
    assert_eq!(q.pop(), Some(1));
    assert_eq!(q.pop(), Some(2));
    assert_eq!(q.pop(), None);
}

#[test]
fn repair_alone_drops_only_the_half_written_slot_and_keeps_the_order() {
    let (mem, c) = segment("rp_queue", 1 << 16);
    let q = queue_with_a_hole(&mem, &c.0);
    let report = q.repair().unwrap();
    assert_eq!(report.entry, "jobs");
    assert_eq!(report.kind, "queue");
    assert_eq!((report.kept, report.returned, report.dropped), (3, 0, 1));
    assert!(report.changed());
    assert!(
        report.reset.iter().any(|r| r.starts_with("head 0 -> 1")),
        "{report:?}"
    );
    assert!(!q.is_stalled());
    assert_eq!(q.pop(), Some(1));
    assert_eq!(q.pop(), Some(2));
    assert_eq!(q.pop(), Some(4));
    assert_eq!(q.pop(), None);
    // It carries new traffic, across more than a lap.
    for i in 0..20 {
        q.push(i).unwrap();
        assert_eq!(q.pop_timeout(SHORT).unwrap(), i);
    }
    // A sound queue: a second repair changes nothing.
    assert!(!q.repair().unwrap().changed());
}

#[test]
fn repair_alone_restores_a_stack_left_mid_push_and_mid_pop() {
    let (mem, c) = segment("rp_stack", 1 << 16);
    let s = Stack::<u32>::create(&mem, "s", 6).unwrap();
    for v in [10, 11, 12, 13] {
        s.push(v).unwrap();
    }
    let offset = mem.find("s").unwrap().offset();
    let states = offset + layout::ring_slots_offset(6, 4) as u64;
    // A pop took `top` from 3 to 2 and died reading slot 3 (READING), and slot 1 is left
    // WRITING, as a push that claimed it and died there leaves it (its element, 11, was
    // being overwritten: never published), under the others.
    poke(&c.0, offset + fields::STACK_TOP_OFFSET as u64, 2);
    poke(&c.0, states + 3 * 4, 3);
    poke(&c.0, states + 4, 1);
    assert!(s.is_stalled());
    assert_eq!(s.pop(), Some(12));
    assert!(matches!(
        s.pop_timeout(SHORT),
        Err(Error::Stalled { position: 1, .. })
    ));
    let report = s.repair().unwrap();
    assert_eq!((report.kept, report.returned, report.dropped), (2, 1, 1));
    assert_eq!(s.snapshot(), vec![10, 13]);
    assert_eq!(s.pop(), Some(13));
    assert_eq!(s.pop(), Some(10));
    assert_eq!(s.pop(), None);
    s.push(1).unwrap();
    assert_eq!(s.pop_timeout(SHORT).unwrap(), 1);
    assert!(!s.repair().unwrap().changed());
}

#[test]
fn repair_unlocks_a_mutex_a_dead_holder_kept_and_resets_what_can_be_known() {
    let (mem, c) = segment("rp_sync", 1 << 16);
    let m = Mutex::create(&mem, "mtx").unwrap();
    std::mem::forget(m.lock());
    assert!(m.is_locked());
    let report = m.repair().unwrap();
    assert_eq!(report.reset, ["count 0 -> 1: unlocked, its holder is gone"]);
    assert!(!m.is_locked());

    let sem = Semaphore::create(&mem, "sem", 1, 3).unwrap();
    assert!(sem.try_wait());
    // Two waiters died waiting.
    let at = mem.find("sem").unwrap().offset() + fields::SEMAPHORE_WAITING_OFFSET as u64;
    poke(&c.0, at, 2);
    let report = sem.repair().unwrap();
    assert_eq!(
        report.reset,
        ["waiting 2 -> 0: nobody is attached, so nobody waits"]
    );
    // The permit taken is not known to be a dead holder's: it stays taken.
    assert_eq!(sem.count(), 0);

    let b = Barrier::create(&mem, "barrier", 3).unwrap();
    let at = mem.find("barrier").unwrap().offset() + fields::BARRIER_ARRIVED_OFFSET as u64;
    poke(&c.0, at, 2);
    let report = b.repair().unwrap();
    assert_eq!(
        report.reset,
        ["arrived 2 -> 0: nobody is attached, so nobody waits"]
    );
    assert_eq!(b.arrived(), 0);
}

#[test]
fn memory_repair_goes_over_every_structure_it_can_tell() {
    let (mem, c) = segment("rp_memory", 1 << 16);
    let q = queue_with_a_hole(&mem, &c.0);
    let m = Mutex::create(&mem, "lock").unwrap();
    std::mem::forget(m.lock());
    zeroipc::Array::<u64>::create(&mem, "numbers", 4).unwrap();
    // Semaphore words under a name that hints at nothing: a mutex, a semaphore and a
    // barrier all fit them.
    Semaphore::create(&mem, "xyz", 0, 1).unwrap();
    let report = mem.repair().unwrap();
    assert_eq!(report.segment, c.0);
    let kinds: Vec<_> = report
        .repaired
        .iter()
        .map(|r| (r.entry.as_str(), r.kind))
        .collect();
    assert_eq!(kinds, [("jobs", "queue"), ("lock", "mutex")]);
    assert_eq!(report.dropped(), 1);
    assert_eq!(report.skipped.len(), 1);
    assert_eq!(report.skipped[0].entry, "xyz");
    assert!(
        report.skipped[0].reason.contains("several"),
        "{:?}",
        report.skipped
    );
    assert!(!m.is_locked());
    assert_eq!(q.snapshot(), vec![1, 2, 4]);
    // One entry only.
    let one = mem.repair_entry("jobs").unwrap();
    assert_eq!(one.repaired.len(), 1);
    assert!(!one.changed());
    assert!(matches!(
        mem.repair_entry("nothing"),
        Err(Error::NotFound { .. })
    ));
}

/// The bytes of segment `name`, read through its file.
fn image(name: &str) -> Vec<u8> {
    std::fs::read(shm_path(name)).unwrap()
}

#[test]
fn repair_is_refused_while_another_process_is_attached_and_changes_nothing() {
    if child_role().is_some() {
        // Attached until the parent kills this process (or half a minute passes).
        let _mem = Memory::open(&std::env::var(SEGMENT).unwrap()).unwrap();
        std::thread::sleep(Duration::from_secs(30));
        return;
    }
    let (mem, c) = segment("rp_refused", 1 << 16);
    let q = queue_with_a_hole(&mem, &c.0);
    let m = Mutex::create(&mem, "lock").unwrap();
    std::mem::forget(m.lock());
    let mut children = Children(vec![spawn_child(
        "repair_is_refused_while_another_process_is_attached_and_changes_nothing",
        "attached",
        &[(SEGMENT, c.0.clone())],
    )]);
    let deadline = Instant::now() + Duration::from_secs(30);
    while !mem.others_attached().unwrap() {
        assert!(Instant::now() < deadline, "the child never attached");
        std::thread::sleep(Duration::from_millis(2));
    }
    let before = image(&c.0);
    for refused in [
        q.repair().map(drop),
        m.repair().map(drop),
        mem.repair().map(drop),
        mem.repair_entry("jobs").map(drop),
    ] {
        match refused {
            Err(Error::InUse { name, reason }) => {
                assert_eq!(name, c.0);
                assert!(reason.contains("attached"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(image(&c.0), before, "a refused repair changed the segment");
    assert!(matches!(q.pop_timeout(SHORT), Ok(1)));

    // Once the other process is gone, the same handle may repair.
    let child = &mut children.0[0];
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(q.repair().unwrap().dropped, 1);
    assert_eq!(q.pop(), Some(2));
    assert_eq!(q.pop(), Some(4));
    // The handle stays attached after a repair: another one in this process is refused
    // too (each `Memory` is its own attachment).
    let other = Memory::open(&c.0).unwrap();
    assert!(matches!(q.repair(), Err(Error::InUse { .. })));
    drop(other);
    assert!(!q.repair().unwrap().changed());
    assert_eq!(peek(&c.0, mem.find("lock").unwrap().offset()), 0);
}
