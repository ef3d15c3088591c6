//! Model checking of the stack's algorithm (the code `Stack` runs, over loom's atomics).
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test --release --target-dir target/loom -p zeroipc
//! --test loom_stack`.

#![cfg(loom)]

use loom::sync::Arc;
use loom::thread;
use zeroipc::__loom::StackModel;

/// Runs `f` under loom with a preemption bound that keeps these models to seconds.
fn check(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(3);
    builder.check(f);
}

/// Everything left on the stack, once the other threads are done; every slot wait must
/// have succeeded (no peer died).
fn drain(s: &StackModel<u32>) -> Vec<u32> {
    let mut out = Vec::new();
    loop {
        match s.pop() {
            Ok(v) => out.push(v),
            Err(why) => {
                assert_eq!(why, "empty");
                return out;
            }
        }
    }
}

#[test]
fn two_threads_pushing_and_popping_hand_over_each_element_once() {
    check(|| {
        let s = Arc::new(StackModel::<u32>::new(2));
        let threads: Vec<_> = [1, 2]
            .into_iter()
            .map(|v| {
                let s = Arc::clone(&s);
                thread::spawn(move || {
                    s.push(v).unwrap();
                    match s.pop() {
                        Ok(v) => Some(v),
                        Err(why) => {
                            // The other thread may have popped both elements already.
                            assert_eq!(why, "empty");
                            None
                        }
                    }
                })
            })
            .collect();
        let mut seen: Vec<u32> = threads
            .into_iter()
            .filter_map(|t| t.join().unwrap())
            .collect();
        seen.extend(drain(&s));
        seen.sort_unstable();
        assert_eq!(seen, [1, 2]);
        assert_eq!(s.len(), 0);
    });
}

#[test]
fn a_push_and_a_pop_racing_on_one_slot_wait_for_each_other() {
    check(|| {
        // One element in, capacity 2: the pop of slot 0 and a push that lands on slot 0
        // (after the pop moved `top`) or slot 1 run at once.
        let s = Arc::new(StackModel::<u32>::new(2));
        s.push(1).unwrap();
        let pusher = {
            let s = Arc::clone(&s);
            thread::spawn(move || s.push(2).map_err(|(_, why)| why))
        };
        let popped = s.pop();
        assert_eq!(pusher.join().unwrap(), Ok(()));
        let mut seen: Vec<u32> = popped.into_iter().collect();
        seen.extend(drain(&s));
        seen.sort_unstable();
        assert_eq!(seen, [1, 2]);
    });
}

#[test]
fn a_full_stack_hands_the_value_back_and_keeps_its_elements() {
    check(|| {
        let s = Arc::new(StackModel::<u32>::new(2));
        s.push(1).unwrap();
        let pushers: Vec<_> = [2, 3]
            .into_iter()
            .map(|v| {
                let s = Arc::clone(&s);
                thread::spawn(move || match s.push(v) {
                    Ok(()) => Some(v),
                    Err((back, why)) => {
                        assert_eq!((back, why), (v, "full"));
                        None
                    }
                })
            })
            .collect();
        let pushed: Vec<u32> = pushers
            .into_iter()
            .filter_map(|t| t.join().unwrap())
            .collect();
        assert_eq!(pushed.len(), 1, "one slot was free");
        assert_eq!(drain(&s), [pushed[0], 1]);
    });
}
