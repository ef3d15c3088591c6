//! Model checking of the stack's algorithm: `StackView`, the code `Stack` runs, built over
//! loom's atomics on the heap (`loom_util::heap`).
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test --release --target-dir target/loom -p zeroipc
//! --test loom_stack`.
//!
//! A stack operation may have to wait for a peer that is in the middle of an operation on
//! the same slot, and that wait is bounded (by the caller's time in a real segment, a few
//! steps here).
//! Loom explores schedules in which the peer does not run for that long, so operations can
//! give up ("stuck") in these models. What must hold in every schedule: nothing is popped
//! twice, nothing is popped that was not pushed, and when no operation gave up, everything
//! pushed is popped exactly once.

#![cfg(loom)]

mod loom_util;

use loom::sync::Arc;
use loom::thread;
use loom_util::check;
use loom_util::heap::HeapStack;
use zeroipc::__loom::{StackFail, Wait};

/// The wait for a slot a peer is finishing with: under loom, a few yields, so operations can
/// give up.
fn slot_wait() -> Wait {
    Wait::for_slot()
}

/// What the threads of a model saw.
#[derive(Default)]
struct Log {
    pushed: Vec<u32>,
    popped: Vec<u32>,
    gave_up: bool,
}

impl Log {
    fn push(&mut self, v: u32, result: Result<(), (u32, StackFail)>) {
        match result {
            Ok(()) => self.pushed.push(v),
            Err((back, why)) => {
                assert_eq!(back, v, "a failed push hands its value back");
                self.note(why);
            }
        }
    }

    fn pop(&mut self, result: Result<u32, StackFail>) {
        match result {
            Ok(v) => self.popped.push(v),
            Err(why) => self.note(why),
        }
    }

    fn note(&mut self, why: StackFail) {
        match why {
            StackFail::Stuck { .. } => self.gave_up = true,
            // A slot still in a peer's hands: nothing was claimed. (Left at the end, only a
            // given-up operation can explain it, which the verdict checks.)
            StackFail::Empty | StackFail::Full | StackFail::Busy { .. } => {}
            other @ StackFail::Corrupt { .. } => panic!("unexpected failure {other:?}"),
        }
    }

    /// Pops what is left, once the other threads are done, then checks the verdict.
    fn finish(mut self, s: &HeapStack) {
        // Exit: empty, or a slot a given-up operation left behind.
        loop {
            match s.view().pop(&mut slot_wait()) {
                Ok(v) => self.popped.push(v),
                Err(StackFail::Empty) => break,
                Err(why) => {
                    self.note(why);
                    break;
                }
            }
        }
        let mut popped = self.popped.clone();
        popped.sort_unstable();
        assert!(
            popped.windows(2).all(|w| w[0] != w[1]),
            "popped twice: {popped:?}"
        );
        let mut pushed = self.pushed.clone();
        pushed.sort_unstable();
        assert!(
            popped.iter().all(|v| pushed.contains(v)),
            "popped {popped:?}, pushed {pushed:?}"
        );
        if !self.gave_up {
            assert_eq!(popped, pushed);
        }
    }
}

#[test]
fn two_threads_pushing_and_popping_hand_over_each_element_once() {
    check(|| {
        let s = Arc::new(HeapStack::new(2));
        let threads: Vec<_> = [1, 2]
            .into_iter()
            .map(|v| {
                let s = Arc::clone(&s);
                thread::spawn(move || {
                    let mut log = Log::default();
                    log.push(v, s.view().push(v, &mut slot_wait()));
                    log.pop(s.view().pop(&mut slot_wait()));
                    log
                })
            })
            .collect();
        let mut log = Log::default();
        for t in threads {
            let l = t.join().unwrap();
            log.pushed.extend(l.pushed);
            log.popped.extend(l.popped);
            log.gave_up |= l.gave_up;
        }
        log.finish(&s);
    });
}

#[test]
fn a_push_and_a_pop_racing_on_one_slot_wait_for_each_other() {
    check(|| {
        // One element in, capacity 2: the pop of slot 0 and a push that lands on slot 0
        // (after the pop moved `top`) or slot 1 run at once.
        let s = Arc::new(HeapStack::new(2));
        let mut log = Log::default();
        log.push(1, s.view().push(1, &mut slot_wait()));
        let pusher = {
            let s = Arc::clone(&s);
            thread::spawn(move || s.view().push(2, &mut slot_wait()))
        };
        log.pop(s.view().pop(&mut slot_wait()));
        log.push(2, pusher.join().unwrap());
        log.finish(&s);
    });
}

#[test]
fn a_full_stack_hands_the_value_back_and_keeps_its_elements() {
    check(|| {
        let s = Arc::new(HeapStack::new(2));
        let mut log = Log::default();
        log.push(1, s.view().push(1, &mut slot_wait()));
        let pushers: Vec<_> = [2, 3]
            .into_iter()
            .map(|v| {
                let s = Arc::clone(&s);
                thread::spawn(move || (v, s.view().push(v, &mut slot_wait())))
            })
            .collect();
        let mut full = 0;
        for t in pushers {
            let (v, result) = t.join().unwrap();
            full += usize::from(matches!(result, Err((_, StackFail::Full))));
            log.push(v, result);
        }
        assert_eq!(full, 1, "one slot was free");
        // Nothing pops here, so nothing waits: no push can give up.
        assert!(!log.gave_up);
        log.finish(&s);
    });
}

#[test]
fn three_threads_on_a_stack_of_two_lose_and_duplicate_nothing() {
    check(|| {
        let s = Arc::new(HeapStack::new(2));
        let pushers: Vec<_> = [1, 2]
            .into_iter()
            .map(|v| {
                let s = Arc::clone(&s);
                thread::spawn(move || (v, s.view().push(v, &mut slot_wait())))
            })
            .collect();
        let popper = {
            let s = Arc::clone(&s);
            thread::spawn(move || s.view().pop(&mut slot_wait()))
        };
        let mut log = Log::default();
        for p in pushers {
            let (v, result) = p.join().unwrap();
            log.push(v, result);
        }
        log.pop(popper.join().unwrap());
        log.finish(&s);
    });
}
