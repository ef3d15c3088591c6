//! The composite synchronisation structures shared by real processes: the test binary
//! re-executes itself as the children (see `common::spawn_child`).
//!
//! Every wait has a deadline, so a bug shows up as a failed child or assertion, never as a
//! hung test; the parent kills and reaps its children if they overrun.

#![cfg(not(loom))]

mod common;

use std::time::Duration;

use common::{child_role, segment, spawn_child, Children};
use zeroipc::{Array, Error, Event, Memory, Monitor, RwLock, Semaphore, Signal};

/// Names the segment for the children.
const SEGMENT_VAR: &str = "ZEROIPC_TEST_SEGMENT";
/// Longer than any live process needs for one wait.
const DEADLINE: Duration = Duration::from_secs(30);
/// How long the parent waits for all its children.
const CHILDREN_DEADLINE: Duration = Duration::from_secs(60);

/// The segment a child was given, opened.
fn child_segment() -> Memory {
    Memory::open(&std::env::var(SEGMENT_VAR).unwrap()).unwrap()
}

/// Starts `count` children running `test` with the segment `name`.
fn spawn(test: &str, name: &str, count: usize) -> Children {
    Children(
        (0..count)
            .map(|_| spawn_child(test, "child", &[(SEGMENT_VAR, name.to_owned())]))
            .collect(),
    )
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_manual_reset_event_set_by_the_parent_releases_every_child() {
    const PROCESSES: usize = 3;
    if child_role().is_some() {
        let mem = child_segment();
        let go = Event::open(&mem, "go").unwrap();
        let ready = Semaphore::open(&mem, "ready").unwrap();
        ready.post().unwrap();
        go.wait_timeout(DEADLINE).unwrap();
        // Each child answers on the auto-reset event when the parent gives it a turn (a
        // permit of `ready`), and the parent consumes each answer before the next turn.
        let done = Event::open(&mem, "done").unwrap();
        ready.wait_timeout(DEADLINE).unwrap();
        done.set();
        return;
    }
    let (mem, c) = segment("mp_comp_event", 1 << 16);
    let go = Event::create(&mem, "go", true).unwrap();
    let done = Event::create(&mem, "done", false).unwrap();
    let ready = Semaphore::create(&mem, "ready", 0, 0).unwrap();
    let mut children = spawn(
        "a_manual_reset_event_set_by_the_parent_releases_every_child",
        &c.0,
        PROCESSES,
    );
    for _ in 0..PROCESSES {
        ready.wait_timeout(DEADLINE).unwrap();
    }
    go.set();
    for _ in 0..PROCESSES {
        ready.post().unwrap();
        done.wait_timeout(DEADLINE).unwrap();
    }
    assert!(children.wait_all(CHILDREN_DEADLINE), "a child failed");
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_writer_process_that_exits_holding_the_lock_times_the_parent_out() {
    if child_role().is_some() {
        let mem = child_segment();
        let lock = RwLock::open(&mem, "lock").unwrap();
        std::mem::forget(lock.write_timeout(DEADLINE).unwrap());
        // Ends without releasing it, as a process that crashed would.
        std::process::exit(0);
    }
    let (mem, c) = segment("mp_comp_rwlock_dead", 1 << 16);
    let lock = RwLock::create(&mem, "lock").unwrap();
    let mut children = spawn(
        "a_writer_process_that_exits_holding_the_lock_times_the_parent_out",
        &c.0,
        1,
    );
    assert!(children.wait_all(CHILDREN_DEADLINE), "the child failed");
    assert!(lock.is_write_locked());
    let short = Duration::from_millis(20);
    assert!(matches!(lock.read_timeout(short), Err(Error::Timeout)));
    assert!(matches!(lock.write_timeout(short), Err(Error::Timeout)));
    assert!(lock.try_read().is_none());
}

#[test]
#[cfg_attr(miri, ignore)]
fn child_processes_follow_a_signal_and_report_through_a_monitor() {
    const PROCESSES: usize = 2;
    const SETS: u64 = 200;
    if child_role().is_some() {
        let mem = child_segment();
        let sig = Signal::<[u64; 2]>::open(&mem, "sig").unwrap();
        let mon = Monitor::open(&mem, "mon").unwrap();
        let done = Array::<u64>::open(&mem, "done").unwrap();
        let mut seen = 0;
        while seen < SETS {
            let (version, value) = sig.wait_change_timeout(seen, DEADLINE).unwrap();
            assert!(version > seen && value == [version, !version]);
            seen = version;
        }
        let _g = mon.lock_timeout(DEADLINE).unwrap();
        done.set(0, done.get(0).unwrap() + 1).unwrap();
        mon.notify_all();
        return;
    }
    let (mem, c) = segment("mp_comp_signal", 1 << 16);
    let sig = Signal::<[u64; 2]>::create(&mem, "sig", [0, !0]).unwrap();
    let mon = Monitor::create(&mem, "mon").unwrap();
    let done = Array::<u64>::create(&mem, "done", 1).unwrap();
    let mut children = spawn(
        "child_processes_follow_a_signal_and_report_through_a_monitor",
        &c.0,
        PROCESSES,
    );
    for n in 1..=SETS {
        sig.set_timeout([n, !n], DEADLINE).unwrap();
    }
    let end = std::time::Instant::now() + DEADLINE;
    let mut g = mon.lock_timeout(DEADLINE).unwrap();
    while done.get(0).unwrap() < PROCESSES as u64 {
        assert!(
            std::time::Instant::now() < end,
            "the children did not report"
        );
        g = mon.wait_timeout(g, Duration::from_millis(50)).unwrap().0;
    }
    drop(g);
    assert!(children.wait_all(CHILDREN_DEADLINE), "a child failed");
}
