//! Model checking of the synchronisation algorithms: `SemaphoreView`, `LatchView`,
//! `BarrierView` and `OnceView`, the code `Semaphore`, `Mutex`, `Latch`, `Barrier` and `Once`
//! run, built over loom's atomics on the heap (`loom_util::heap`). Every wait is bounded
//! (`Wait::for_slot`: a few yields under loom), so a wait can give up in these models.
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test --release --target-dir target/loom -p zeroipc
//! --test loom_sync`.
//!
//! Data handed from one thread to another goes through loom's `UnsafeCell`, so loom reports
//! any access that the algorithm's orderings do not put after the one before it.

#![cfg(loom)]

use loom::sync::Arc;
use loom::thread;
mod loom_util;

use loom_util::heap::{HeapBarrier, HeapLatch, HeapOnce, HeapSemaphore};
use loom_util::{check, check_bounded, Shared};
use zeroipc::__loom::{Passage, Wait};

/// Arrives at `barrier` and waits, boundedly, for the others.
fn arrive(barrier: &HeapBarrier) -> Passage {
    barrier.view().wait(&mut Wait::for_slot())
}

#[test]
fn a_semaphore_of_one_permit_excludes_and_orders_two_threads() {
    check(|| {
        let sem = Arc::new(HeapSemaphore::new(1, 1));
        let data = Arc::new(Shared::new());
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let (sem, data) = (Arc::clone(&sem), Arc::clone(&data));
                thread::spawn(move || {
                    while !sem.view().wait(&mut Wait::for_slot()) {}
                    data.add(1);
                    sem.view().post().unwrap();
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(data.get(), 2);
        assert_eq!(sem.view().count(), 1);
        assert_eq!(sem.view().waiting(), 0);
    });
}

#[test]
fn posts_beyond_the_maximum_are_refused_exactly() {
    check(|| {
        let sem = Arc::new(HeapSemaphore::new(0, 1));
        let posters: Vec<_> = (0..2)
            .map(|_| {
                let sem = Arc::clone(&sem);
                thread::spawn(move || sem.view().post().is_ok())
            })
            .collect();
        let taker = {
            let sem = Arc::clone(&sem);
            thread::spawn(move || sem.view().try_wait())
        };
        let accepted = posters
            .into_iter()
            .map(|t| t.join().unwrap())
            .filter(|&ok| ok)
            .count() as i32;
        let took = i32::from(taker.join().unwrap());
        // Every permit posted is either taken or still there, and the count never passed 1.
        assert!((1..=2).contains(&accepted));
        assert_eq!(sem.view().count(), accepted - took);
        assert!((0..=1).contains(&sem.view().count()));
    });
}

#[test]
fn a_latch_opens_after_every_count_down_and_orders_what_came_before() {
    check(|| {
        let latch = Arc::new(HeapLatch::new(2));
        let data = Arc::new(Shared::new());
        // One counter writes before counting down, the other only counts down: the write
        // must be seen after the wait, whichever of the two counts down last.
        let writer = {
            let (latch, data) = (Arc::clone(&latch), Arc::clone(&data));
            thread::spawn(move || {
                data.add(1);
                latch.view().count_down(1);
            })
        };
        let counter = {
            let latch = Arc::clone(&latch);
            thread::spawn(move || latch.view().count_down(1))
        };
        while !latch.view().wait(&mut Wait::for_slot()) {}
        assert_eq!(
            data.get(),
            1,
            "the write before a count-down is seen after the wait"
        );
        assert_eq!(latch.view().count(), 0);
        writer.join().unwrap();
        counter.join().unwrap();
        assert!(latch.view().try_wait());
    });
}

#[test]
fn a_barrier_of_two_has_one_leader_and_orders_both_sides() {
    check(|| {
        let barrier = Arc::new(HeapBarrier::new(2));
        let before = Arc::new(Shared::new());
        let other = {
            let (barrier, before) = (Arc::clone(&barrier), Arc::clone(&before));
            thread::spawn(move || {
                before.add(1);
                // Exit: passed (as the leader or not); a wait that gave up arrives again.
                loop {
                    let passage = arrive(&barrier);
                    if passage != Passage::TimedOut {
                        return passage;
                    }
                }
            })
        };
        let here = loop {
            let passage = arrive(&barrier);
            if passage != Passage::TimedOut {
                break passage;
            }
        };
        // The other thread's write, made before it arrived, is ordered before this read.
        assert_eq!(before.get(), 1);
        let there = other.join().unwrap();
        assert!(here != there, "exactly one leader");
        assert_eq!(barrier.view().generation(), 1);
        assert_eq!(barrier.view().arrived(), 0);
    });
}

#[test]
fn a_barrier_wait_that_gives_up_leaves_the_barrier_as_it_found_it() {
    check(|| {
        let barrier = Arc::new(HeapBarrier::new(2));
        let other = {
            let barrier = Arc::clone(&barrier);
            thread::spawn(move || arrive(&barrier))
        };
        let here = arrive(&barrier);
        let there = other.join().unwrap();
        match (here, there) {
            // Both gave up: no generation, no arrival left behind.
            (Passage::TimedOut, Passage::TimedOut) => {
                assert_eq!(barrier.view().generation(), 0);
            }
            (a @ Passage::TimedOut, b) | (a, b @ Passage::TimedOut) => {
                panic!("one passed and one did not: {a:?} {b:?}")
            }
            // Both passed: one generation, one leader.
            (a, b) => {
                assert!(a != b);
                assert_eq!(barrier.view().generation(), 1);
            }
        }
        assert_eq!(barrier.view().arrived(), 0);
    });
}

#[test]
fn once_runs_the_function_once_and_orders_it_before_the_others_return() {
    check(|| {
        let once = Arc::new(HeapOnce::new());
        let data = Arc::new(Shared::new());
        let other = {
            let (once, data) = (Arc::clone(&once), Arc::clone(&data));
            thread::spawn(move || {
                let ran = loop {
                    if let Ok(ran) = once.view().call_once(|| data.add(1), &mut Wait::for_slot()) {
                        break ran;
                    }
                };
                assert_eq!(data.get(), 1);
                ran
            })
        };
        let ran_here = loop {
            if let Ok(ran) = once.view().call_once(|| data.add(1), &mut Wait::for_slot()) {
                break ran;
            }
        };
        assert_eq!(data.get(), 1);
        let ran_elsewhere = other.join().unwrap();
        assert!(ran_here != ran_elsewhere, "exactly one caller ran it");
        assert_eq!(once.view().state(), 2);
    });
}

#[test]
fn a_barrier_of_three_opens_for_all_three_or_for_none() {
    // Three threads with bounded waits: two preemptions keep the model to seconds.
    check_bounded(2, || {
        let barrier = Arc::new(HeapBarrier::new(3));
        let others: Vec<_> = (0..2)
            .map(|_| {
                let barrier = Arc::clone(&barrier);
                thread::spawn(move || arrive(&barrier))
            })
            .collect();
        let here = arrive(&barrier);
        let outcomes: Vec<Passage> = others
            .into_iter()
            .map(|t| t.join().unwrap())
            .chain([here])
            .collect();
        let leaders = outcomes.iter().filter(|&&o| o == Passage::Leader).count();
        if barrier.view().generation() == 1 {
            // Opened: one leader. A participant may report a time-out only if its arrival
            // counted but the leader took longer to open than its patience (which loom's
            // few yields can make happen; in a process it means a leader that died).
            assert_eq!(leaders, 1, "{outcomes:?}");
        } else {
            // Not opened: each participant that gave up took its arrival back, so none passed.
            assert_eq!(barrier.view().generation(), 0);
            assert!(
                outcomes.iter().all(|&o| o == Passage::TimedOut),
                "{outcomes:?}"
            );
        }
        assert_eq!(barrier.view().arrived(), 0);
    });
}
