//! Model checking of the event's algorithm: `EventView`, the code `Event` runs, with its
//! semaphore's, built over loom's atomics on the heap (`loom_util::heap`).
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test --release --target-dir target/loom -p zeroipc
//! --test loom_event`.
//!
//! The setter writes a loom `UnsafeCell` before it sets the event, and a waiter that gets
//! through reads it: loom reports a read that the event's orderings do not put after the
//! write.

#![cfg(loom)]

use loom::sync::Arc;
use loom::thread;
mod loom_util;

use loom_util::heap::HeapEvent;
use loom_util::{check_bounded, Shared};
use zeroipc::__loom::Wait;

/// Waits (boundedly: a few yields under loom) on `event`; what it read after getting
/// through, if it did.
fn waiter(event: &HeapEvent, data: &Shared) -> Option<u32> {
    event.view().wait(&mut Wait::for_slot()).then(|| data.get())
}

#[test]
fn one_set_of_an_auto_reset_event_releases_exactly_one_waiter() {
    // Three threads: two preemptions keep the model to seconds.
    check_bounded(2, || {
        let event = Arc::new(HeapEvent::new(false));
        let data = Arc::new(Shared::new());
        let waiters: Vec<_> = (0..2)
            .map(|_| {
                let (event, data) = (Arc::clone(&event), Arc::clone(&data));
                thread::spawn(move || waiter(&event, &data))
            })
            .collect();
        data.set(1);
        event.view().set();
        let mut passed = 0;
        for w in waiters {
            if let Some(v) = w.join().unwrap() {
                assert_eq!(v, 1, "the write before the set is seen after the wait");
                passed += 1;
            }
        }
        // The set went to one waiter, or (both waits having given up) it is still pending:
        // the flag raised and one permit there.
        assert!(passed <= 1, "one set let {passed} waiters through");
        assert_eq!(passed + event.semaphore().count(), 1);
        assert_eq!(event.view().is_set(), passed == 0);
    });
}

#[test]
fn two_sets_before_a_wait_count_once() {
    check_bounded(3, || {
        let event = Arc::new(HeapEvent::new(false));
        let setter = {
            let event = Arc::clone(&event);
            thread::spawn(move || {
                event.view().set();
                event.view().set();
            })
        };
        let took = event.view().try_wait();
        setter.join().unwrap();
        // Either the waiter took a set (and a later one may be pending), or both sets are
        // pending as one: never more than one permit, and the flag says whether there is one.
        assert!((0..=1).contains(&event.semaphore().count()));
        assert_eq!(event.view().is_set(), event.semaphore().count() == 1);
        if !took {
            assert!(event.view().is_set());
        }
        let again = event.view().try_wait();
        assert!(!event.view().try_wait(), "one set left at most");
        assert!(took || again);
    });
}

#[test]
fn a_manual_reset_set_lets_the_waiter_through_and_orders_what_came_before() {
    check_bounded(3, || {
        let event = Arc::new(HeapEvent::new(true));
        let data = Arc::new(Shared::new());
        let w = {
            let (event, data) = (Arc::clone(&event), Arc::clone(&data));
            thread::spawn(move || waiter(&event, &data))
        };
        data.set(1);
        event.view().set();
        if let Some(v) = w.join().unwrap() {
            assert_eq!(v, 1, "the write before the set is seen after the wait");
        }
        // Manual reset: still set, for every later waiter, until reset.
        assert!(event.view().is_set());
        assert!(event.view().try_wait());
        event.view().reset();
        assert!(!event.view().try_wait());
    });
}

#[test]
fn a_set_racing_a_reset_leaves_nothing_that_a_later_reset_misses() {
    check_bounded(3, || {
        let event = Arc::new(HeapEvent::new(false));
        let setter = {
            let event = Arc::clone(&event);
            thread::spawn(move || event.view().set())
        };
        event.view().reset();
        setter.join().unwrap();
        // The set may have come after the first reset, and left the event set: the second
        // reset, after both, takes it back, whatever the order was.
        assert_eq!(event.view().is_set(), event.semaphore().count() == 1);
        event.view().reset();
        assert!(!event.view().is_set());
        assert_eq!(event.semaphore().count(), 0);
        assert!(
            !event.view().try_wait(),
            "a wait passed with no set after the reset"
        );
    });
}

#[test]
fn two_sets_with_two_waiters_blocked_release_both() {
    // Executions in which both waiters were blocked before the sets: some must be.
    static BLOCKED: std::sync::Mutex<u32> = std::sync::Mutex::new(0);
    check_bounded(2, || {
        let event = Arc::new(HeapEvent::new(false));
        let data = Arc::new(Shared::new());
        let waiters: Vec<_> = (0..2)
            .map(|_| {
                let (event, data) = (Arc::clone(&event), Arc::clone(&data));
                thread::spawn(move || waiter(&event, &data))
            })
            .collect();
        data.set(1);
        // Only the executions in which both waiters are blocked before the sets test the
        // point: a yield lets them block first (or, their waits being bounded, give up).
        if event.semaphore().waiting() < 2 {
            thread::yield_now();
        }
        let blocked = event.semaphore().waiting() == 2;
        if blocked {
            *BLOCKED.lock().unwrap() += 1;
            event.view().set();
            event.view().set();
        }
        let mut passed = 0;
        for w in waiters {
            if let Some(v) = w.join().unwrap() {
                assert_eq!(v, 1, "the write before the sets is seen after the wait");
                passed += 1;
            }
        }
        if blocked {
            // Each set counted: it released a waiter or is still pending. (Only when both
            // waiters gave up before the second set does that set find one pending, and
            // count once with it.)
            assert!(
                passed == 0 || passed + event.semaphore().count() == 2,
                "two sets with two waiters blocked: {passed} passed, {} pending",
                event.semaphore().count()
            );
        }
    });
    assert!(
        *BLOCKED.lock().unwrap() > 0,
        "no execution blocked both waiters"
    );
}
