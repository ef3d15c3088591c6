//! Model checking of the reader-writer lock's algorithm on its two words: `RwLockView`, the
//! code `RwLock` runs, built over loom's atomics on the heap (`loom_util::heap`), with its
//! readers' mutex `<name>_rmtx` a `SemaphoreView` of one permit.
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test --release --target-dir target/loom -p zeroipc
//! --test loom_rwlock`.
//!
//! This implementation's readers (`read`) leave `<name>_rmtx` out, and the writers raise
//! `writer_active` under it; `peer_read` is a reader of the other implementations' protocol
//! (under the mutex, look at the flag, then count in), which only the mutex keeps out. There
//! is no `<name>_wmtx` (writers excluding each other is a mutex's job, checked on its own):
//! the models run one writer at a time.
//!
//! The data the lock guards is a loom `UnsafeCell`, which the writer writes and the readers
//! read: loom reports a reader and the writer inside at once as an access conflict, and an
//! access the lock's orderings do not put after the one before it as a data race.

#![cfg(loom)]

use loom::sync::Arc;
use loom::thread;
mod loom_util;

use loom_util::heap::HeapRwLock;
use loom_util::{check, check_bounded, Shared};
use std::sync::atomic::Ordering;
use zeroipc::__loom::Wait;

/// Takes the readers' mutex, boundedly; whether it was taken.
fn lock_rmtx(lock: &HeapRwLock) -> bool {
    lock.rmtx.view().wait(&mut Wait::for_slot())
}

/// Releases the readers' mutex, which the caller holds.
fn unlock_rmtx(lock: &HeapRwLock) {
    let posted = lock.rmtx.view().post();
    assert!(posted.is_ok(), "only the holder posts the readers' mutex");
}

/// Whether the readers' mutex is free.
fn readers_mutex_free(lock: &HeapRwLock) -> bool {
    lock.rmtx.view().count() == 1
}

/// A bounded read by this implementation's protocol, as `RwLock::read` takes it but without
/// the readers' mutex (which this protocol does not need); whether a read lock was taken.
fn read(lock: &HeapRwLock) -> bool {
    let mut wait = Wait::for_slot();
    // Exit: the lock taken, or the wait for the writer given up.
    loop {
        if lock.view().enter_read() {
            return true;
        }
        if !lock.view().wait_for_writer(&mut wait) {
            return false;
        }
    }
}

/// A bounded read by the other implementations' protocol: under the readers' mutex, look at
/// `writer_active`, and count in only if it is lowered (otherwise release the mutex and try
/// again). Whether a read lock was taken; released with `leave_read`, as theirs is, without
/// the mutex.
fn peer_read(lock: &HeapRwLock) -> bool {
    let mut wait = Wait::for_slot();
    // Exit: the lock taken, or a bounded wait (for the mutex or the writer) given up.
    loop {
        if !lock_rmtx(lock) {
            return false;
        }
        // Acquire: the other implementations' ordering; pairs with the Release store of 0 in
        // `leave_write`. Against a writer raising the flag, the mutex orders this.
        let writer = lock.writer_active.load(Ordering::Acquire);
        if writer == 0 {
            // Release: the other implementations' ordering; a writer's look at `readers` is
            // ordered after this by the mutex.
            lock.readers.fetch_add(1, Ordering::Release);
            unlock_rmtx(lock);
            return true;
        }
        unlock_rmtx(lock);
        if !wait.wait(&lock.writer_active, writer) {
            return false;
        }
    }
}

/// `RwLock::try_write` without the writers' mutex: the flag raised under the readers'
/// mutex, then one look at the readers. Whether the write lock was taken.
fn try_write(lock: &HeapRwLock) -> bool {
    if !lock.rmtx.view().try_wait() {
        return false;
    }
    lock.view().raise_write();
    unlock_rmtx(lock);
    if lock.view().no_readers() {
        return true;
    }
    lock.view().leave_write();
    false
}

/// A bounded write without the writers' mutex: the flag raised under the readers' mutex,
/// then the wait for the readers without it. Whether the write lock was taken; a write that
/// gives up lowers `writer_active` again.
fn write(lock: &HeapRwLock) -> bool {
    if !lock_rmtx(lock) {
        return false;
    }
    lock.view().raise_write();
    unlock_rmtx(lock);
    if lock.view().wait_for_readers(&mut Wait::for_slot()) {
        return true;
    }
    lock.view().leave_write();
    false
}

/// Takes a read lock (if the bounded wait gets one), reads, releases; what it read.
fn reader(lock: &HeapRwLock, data: &Shared) -> Option<u32> {
    if !read(lock) {
        return None;
    }
    let seen = data.get();
    lock.view().leave_read();
    Some(seen)
}

/// Takes a read lock by the other implementations' protocol (if the bounded wait gets one),
/// reads, releases; what it read.
fn peer_reader(lock: &HeapRwLock, data: &Shared) -> Option<u32> {
    if !peer_read(lock) {
        return None;
    }
    let seen = data.get();
    lock.view().leave_read();
    Some(seen)
}

/// Takes the write lock (if the bounded wait gets it), writes `v`, releases; whether it wrote.
fn writer(lock: &HeapRwLock, data: &Shared, v: u32) -> bool {
    if !write(lock) {
        return false;
    }
    data.set(v);
    lock.view().leave_write();
    true
}

#[test]
fn a_reader_and_a_writer_are_never_inside_together() {
    check(|| {
        let lock = Arc::new(HeapRwLock::new());
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
        assert_eq!(lock.view().readers(), 0);
        assert!(!lock.view().is_write_locked());
    });
}

#[test]
fn two_readers_and_a_writer_exclude_each_other() {
    // Three threads: two preemptions keep the model to seconds.
    check_bounded(2, || {
        let lock = Arc::new(HeapRwLock::new());
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
        assert_eq!(lock.view().readers(), 0);
        assert!(!lock.view().is_write_locked());
    });
}

#[test]
fn a_writer_that_gives_up_leaves_the_lock_usable() {
    check(|| {
        let lock = Arc::new(HeapRwLock::new());
        let data = Arc::new(Shared::new());
        // The reader holds its lock across more yields than the writer's bounded wait
        // lasts, so in some executions the writer gives up while the reader is inside.
        let r = {
            let (lock, data) = (Arc::clone(&lock), Arc::clone(&data));
            thread::spawn(move || {
                if !read(&lock) {
                    return None;
                }
                for _ in 0..5 {
                    thread::yield_now();
                }
                let seen = data.get();
                lock.view().leave_read();
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
        assert!(!lock.view().is_write_locked());
        assert_eq!(lock.view().readers(), 0);
        assert!(lock.view().enter_read());
        assert_eq!(data.get(), u32::from(wrote));
        lock.view().leave_read();
        assert!(try_write(&lock));
        data.set(2);
        lock.view().leave_write();
    });
}

#[test]
fn a_reader_of_the_other_implementations_and_a_writer_are_never_inside_together() {
    check(|| {
        let lock = Arc::new(HeapRwLock::new());
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
        assert_eq!(lock.view().readers(), 0);
        assert!(!lock.view().is_write_locked());
        assert!(readers_mutex_free(&lock));
    });
}

#[test]
fn readers_of_both_protocols_and_a_writer_exclude_each_other() {
    // Three threads: two preemptions keep the model to seconds.
    check_bounded(2, || {
        let lock = Arc::new(HeapRwLock::new());
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
        assert_eq!(lock.view().readers(), 0);
        assert!(!lock.view().is_write_locked());
        assert!(readers_mutex_free(&lock));
    });
}
