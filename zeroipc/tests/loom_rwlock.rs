//! Model checking of the reader-writer lock's algorithm on its two words (the code `RwLock`
//! runs, over loom's atomics).
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test --release --target-dir target/loom -p zeroipc
//! --test loom_rwlock`.
//!
//! The model's own readers leave `<name>_rmtx` out, and its writers raise `writer_active`
//! under it; `peer_read` is a reader of the other implementations' protocol (under the
//! mutex, look at the flag, then count in), which only the mutex keeps out.
//!
//! The data the lock guards is a loom `UnsafeCell`, which the writer writes and the readers
//! read: loom reports a reader and the writer inside at once as an access conflict, and an
//! access the lock's orderings do not put after the one before it as a data race.

#![cfg(loom)]

use loom::sync::Arc;
use loom::thread;
mod loom_util;

use loom_util::{check, check_bounded, Shared};
use zeroipc::__loom::RwLockModel;

/// Takes a read lock (if the bounded wait gets one), reads, releases; what it read.
fn reader(lock: &RwLockModel, data: &Shared) -> Option<u32> {
    if !lock.read() {
        return None;
    }
    let seen = data.get();
    lock.read_unlock();
    Some(seen)
}

/// Takes a read lock by the other implementations' protocol (if the bounded wait gets one),
/// reads, releases; what it read.
fn peer_reader(lock: &RwLockModel, data: &Shared) -> Option<u32> {
    if !lock.peer_read() {
        return None;
    }
    let seen = data.get();
    lock.read_unlock();
    Some(seen)
}

/// Takes the write lock (if the bounded wait gets it), writes `v`, releases; whether it wrote.
fn writer(lock: &RwLockModel, data: &Shared, v: u32) -> bool {
    if !lock.write() {
        return false;
    }
    data.set(v);
    lock.write_unlock();
    true
}

#[test]
fn a_reader_and_a_writer_are_never_inside_together() {
    check(|| {
        let lock = Arc::new(RwLockModel::new());
        let data = Arc::new(Shared::new());
        let w = {
            let (lock, data) = (Arc::clone(&lock), Arc::clone(&data));
            thread::spawn(move || writer(&lock, &data, 1))
        };
        let seen = reader(&lock, &data);
        let wrote = w.join().unwrap();
        // A reader sees the value before the write or after it, never anything else.
        if let Some(v) = seen {
            assert!(v == 0 || (wrote && v == 1), "{v}");
        }
        assert_eq!(data.get(), u32::from(wrote));
        assert_eq!(lock.readers(), 0);
        assert!(!lock.is_write_locked());
    });
}

#[test]
fn two_readers_and_a_writer_exclude_each_other() {
    // Three threads: two preemptions keep the model to seconds.
    check_bounded(2, || {
        let lock = Arc::new(RwLockModel::new());
        let data = Arc::new(Shared::new());
        let readers: Vec<_> = (0..2)
            .map(|_| {
                let (lock, data) = (Arc::clone(&lock), Arc::clone(&data));
                thread::spawn(move || reader(&lock, &data))
            })
            .collect();
        let wrote = writer(&lock, &data, 7);
        for r in readers {
            if let Some(v) = r.join().unwrap() {
                assert!(v == 0 || (wrote && v == 7), "{v}");
            }
        }
        assert_eq!(data.get(), if wrote { 7 } else { 0 });
        assert_eq!(lock.readers(), 0);
        assert!(!lock.is_write_locked());
    });
}

#[test]
fn a_writer_that_gives_up_leaves_the_lock_usable() {
    check(|| {
        let lock = Arc::new(RwLockModel::new());
        let data = Arc::new(Shared::new());
        // The reader holds its lock across more yields than the writer's bounded wait
        // lasts, so in some executions the writer gives up while the reader is inside.
        let r = {
            let (lock, data) = (Arc::clone(&lock), Arc::clone(&data));
            thread::spawn(move || {
                if !lock.read() {
                    return None;
                }
                for _ in 0..5 {
                    thread::yield_now();
                }
                let seen = data.get();
                lock.read_unlock();
                Some(seen)
            })
        };
        let wrote = writer(&lock, &data, 1);
        let seen = r.join().unwrap();
        if let Some(v) = seen {
            assert!(v == 0 || (wrote && v == 1), "{v}");
        }
        // Whether the writer got in or gave up, nothing of it is left behind: a reader and
        // then a writer get in at once.
        assert!(!lock.is_write_locked());
        assert_eq!(lock.readers(), 0);
        assert!(lock.try_read());
        assert_eq!(data.get(), u32::from(wrote));
        lock.read_unlock();
        assert!(lock.try_write());
        data.set(2);
        lock.write_unlock();
    });
}

#[test]
fn a_reader_of_the_other_implementations_and_a_writer_are_never_inside_together() {
    check(|| {
        let lock = Arc::new(RwLockModel::new());
        let data = Arc::new(Shared::new());
        let w = {
            let (lock, data) = (Arc::clone(&lock), Arc::clone(&data));
            thread::spawn(move || writer(&lock, &data, 1))
        };
        let seen = peer_reader(&lock, &data);
        let wrote = w.join().unwrap();
        if let Some(v) = seen {
            assert!(v == 0 || (wrote && v == 1), "{v}");
        }
        assert_eq!(data.get(), u32::from(wrote));
        assert_eq!(lock.readers(), 0);
        assert!(!lock.is_write_locked());
        assert!(lock.readers_mutex_free());
    });
}

#[test]
fn readers_of_both_protocols_and_a_writer_exclude_each_other() {
    // Three threads: two preemptions keep the model to seconds.
    check_bounded(2, || {
        let lock = Arc::new(RwLockModel::new());
        let data = Arc::new(Shared::new());
        let peer = {
            let (lock, data) = (Arc::clone(&lock), Arc::clone(&data));
            thread::spawn(move || peer_reader(&lock, &data))
        };
        let ours = {
            let (lock, data) = (Arc::clone(&lock), Arc::clone(&data));
            thread::spawn(move || reader(&lock, &data))
        };
        let wrote = writer(&lock, &data, 7);
        for r in [peer, ours] {
            if let Some(v) = r.join().unwrap() {
                assert!(v == 0 || (wrote && v == 7), "{v}");
            }
        }
        assert_eq!(data.get(), if wrote { 7 } else { 0 });
        assert_eq!(lock.readers(), 0);
        assert!(!lock.is_write_locked());
        assert!(lock.readers_mutex_free());
    });
}
