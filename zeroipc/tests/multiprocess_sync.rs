//! The synchronisation primitives shared by real processes: the test binary re-executes
//! itself as the children (see `common::spawn_child`).
//!
//! Every wait, in the parent and in the children, has a deadline, so a bug shows up as a
//! failed child or a failed assertion, never as a hung test; the parent kills and reaps its
//! children if they overrun, and its guard removes the segment.

#![cfg(not(loom))]

mod common;

use std::time::Duration;

use common::{child_role, segment, spawn_child, Children};
use zeroipc::{Array, Barrier, Error, Latch, Memory, Mutex, Once};

/// Names the segment for the children.
const SEGMENT_VAR: &str = "ZEROIPC_TEST_SEGMENT";
/// Tells each child its index.
const INDEX_VAR: &str = "ZEROIPC_TEST_INDEX";
/// Longer than any live process needs for one wait.
const DEADLINE: Duration = Duration::from_secs(30);
/// How long the parent waits for all its children.
const CHILDREN_DEADLINE: Duration = Duration::from_secs(60);

/// The segment a child was given, opened.
fn child_segment() -> Memory {
    Memory::open(&std::env::var(SEGMENT_VAR).unwrap()).unwrap()
}

/// The index a child was given.
fn child_index() -> usize {
    std::env::var(INDEX_VAR).unwrap().parse().unwrap()
}

/// Starts `count` children running `test` with the segment `name`, each with its index.
fn spawn(test: &str, name: &str, count: usize) -> Children {
    Children(
        (0..count)
            .map(|i| {
                spawn_child(
                    test,
                    "child",
                    &[(SEGMENT_VAR, name.to_owned()), (INDEX_VAR, i.to_string())],
                )
            })
            .collect(),
    )
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_mutex_shared_by_three_processes_loses_no_update() {
    const PROCESSES: usize = 3;
    const ROUNDS: u64 = 2000;
    if child_role().is_some() {
        let mem = child_segment();
        let lock = Mutex::open(&mem, "lock").unwrap();
        let total = Array::<u64>::open(&mem, "total").unwrap();
        let start = Latch::open(&mem, "start").unwrap();
        start.wait_timeout(DEADLINE).unwrap();
        for _ in 0..ROUNDS {
            let _guard = lock.lock_timeout(DEADLINE).unwrap();
            // Read, then write: an update is lost if two processes ever overlap here.
            let v = total.get(0).unwrap();
            total.set(0, v + 1).unwrap();
        }
        return;
    }
    let (mem, c) = segment("mp_sync_mutex", 1 << 16);
    let lock = Mutex::create(&mem, "lock").unwrap();
    let total = Array::<u64>::create(&mem, "total", 1).unwrap();
    let start = Latch::create(&mem, "start", 1).unwrap();
    let mut children = spawn(
        "a_mutex_shared_by_three_processes_loses_no_update",
        &c.0,
        PROCESSES,
    );
    start.count_down(1);
    assert!(children.wait_all(CHILDREN_DEADLINE), "a child failed");
    assert_eq!(total.get(0).unwrap(), PROCESSES as u64 * ROUNDS);
    assert!(!lock.is_locked());
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_barrier_keeps_three_processes_in_step_over_many_generations() {
    const PROCESSES: usize = 3;
    const GENERATIONS: u64 = 30;
    if child_role().is_some() {
        let mem = child_segment();
        let me = child_index();
        let phase = Barrier::open(&mem, "phase").unwrap();
        let progress = Array::<u64>::open(&mem, "progress").unwrap();
        let leads = Array::<u64>::open(&mem, "leads").unwrap();
        let mut led = 0;
        for g in 1..=GENERATIONS {
            progress.set(me, g).unwrap();
            led += u64::from(phase.wait_timeout(DEADLINE).unwrap());
            // Everyone has finished generation `g` before anyone goes on...
            for other in 0..PROCESSES {
                assert!(
                    progress.get(other).unwrap() >= g,
                    "process {other} is behind"
                );
            }
            // ...and no one starts the next before everyone has looked.
            led += u64::from(phase.wait_timeout(DEADLINE).unwrap());
        }
        leads.set(me, led).unwrap();
        return;
    }
    let (mem, c) = segment("mp_sync_barrier", 1 << 16);
    let phase = Barrier::create(&mem, "phase", PROCESSES as i32).unwrap();
    Array::<u64>::create(&mem, "progress", PROCESSES).unwrap();
    let leads = Array::<u64>::create(&mem, "leads", PROCESSES).unwrap();
    let mut children = spawn(
        "a_barrier_keeps_three_processes_in_step_over_many_generations",
        &c.0,
        PROCESSES,
    );
    assert!(children.wait_all(CHILDREN_DEADLINE), "a child failed");
    // Exactly one leader per generation, two generations per round.
    assert_eq!(leads.iter().sum::<u64>(), 2 * GENERATIONS);
    assert_eq!(phase.generation(), 2 * GENERATIONS as i32);
    assert_eq!(phase.arrived(), 0);
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_latch_counted_down_by_child_processes_opens_for_the_parent() {
    const PROCESSES: usize = 3;
    if child_role().is_some() {
        let mem = child_segment();
        let me = child_index();
        let results = Array::<u64>::open(&mem, "results").unwrap();
        results.set(me, 100 + me as u64).unwrap();
        Latch::open(&mem, "done").unwrap().count_down(1);
        return;
    }
    let (mem, c) = segment("mp_sync_latch", 1 << 16);
    let done = Latch::create(&mem, "done", PROCESSES as i32).unwrap();
    let results = Array::<u64>::create(&mem, "results", PROCESSES).unwrap();
    let mut children = spawn(
        "a_latch_counted_down_by_child_processes_opens_for_the_parent",
        &c.0,
        PROCESSES,
    );
    done.wait_timeout(DEADLINE).unwrap();
    // What each child wrote before counting down is there once the latch is open.
    assert_eq!(results.to_vec(), [100, 101, 102]);
    assert!(children.wait_all(CHILDREN_DEADLINE), "a child failed");
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_holder_killed_with_sigkill_times_the_others_out_instead_of_hanging() {
    if child_role().is_some() {
        let mem = child_segment();
        let holding = Latch::open(&mem, "holding").unwrap();
        let guard = Mutex::open(&mem, "lock").unwrap();
        let _guard = guard.lock_timeout(DEADLINE).unwrap();
        let once = Once::open(&mem, "init").unwrap();
        // Hold the lock, and run the once-function, until killed (or for a minute, should
        // the parent die first).
        let _ = once.call_once(|| {
            holding.count_down(1);
            std::thread::sleep(Duration::from_secs(60));
        });
        return;
    }
    let (mem, c) = segment("mp_sync_kill", 1 << 16);
    let lock = Mutex::create(&mem, "lock").unwrap();
    let init = Once::create(&mem, "init").unwrap();
    let holding = Latch::create(&mem, "holding", 1).unwrap();
    let barrier = Barrier::create(&mem, "barrier", 2).unwrap();
    let mut children = spawn(
        "a_holder_killed_with_sigkill_times_the_others_out_instead_of_hanging",
        &c.0,
        1,
    );
    holding.wait_timeout(DEADLINE).unwrap();
    // `Child::kill` sends SIGKILL: no destructor runs, the lock stays taken and the once flag
    // stays running.
    children.0[0].kill().unwrap();
    let status = children.0[0].wait().unwrap();
    assert!(!status.success());

    let short = Duration::from_millis(200);
    assert!(lock.is_locked());
    assert!(matches!(lock.lock_timeout(short), Err(Error::Timeout)));
    assert!(lock.try_lock().is_none());
    assert!(matches!(
        init.call_once_timeout(|| unreachable!("the dead runner keeps the flag"), short),
        Err(Error::Timeout)
    ));
    assert!(matches!(init.wait_timeout(short), Err(Error::Timeout)));
    // A participant that died before arriving: the other one times out, and its arrival is
    // taken back.
    assert!(matches!(barrier.wait_timeout(short), Err(Error::Timeout)));
    assert_eq!(barrier.arrived(), 0);
}
