//! What the runtime offers bindings whose languages lock and unlock in separate calls, lay
//! out raw entries, or know element sizes only at run time: `Memory::allocate`,
//! `Options::lock_timeout`, `RawArray`, the `guard_of_held` constructors and `Once::state`.

mod common;

use std::fs::File;
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use common::{segment, shm_path, unique_name, Cleanup};
use zeroipc::{Array, Error, Memory, Monitor, Mutex, Once, RawArray, RwLock};

#[test]
fn allocate_adds_a_zeroed_entry_and_a_refused_one_changes_nothing() {
    let (mem, _guard) = segment("bind_alloc", 1 << 16);
    let entry = mem.allocate("raw", 100).unwrap();
    assert_eq!((entry.name(), entry.size()), ("raw", 100));
    let next = mem.allocate("next", 8).unwrap();
    assert_eq!(
        next.offset(),
        entry.offset() + 104,
        "8-aligned after the first"
    );
    let used = mem.used().unwrap();
    assert!(matches!(
        mem.allocate("raw", 8),
        Err(Error::AlreadyExists { .. })
    ));
    assert!(matches!(
        mem.allocate("huge", u64::MAX),
        Err(Error::OutOfSpace { .. })
    ));
    assert_eq!(mem.used().unwrap(), used);
}

#[test]
fn the_lock_timeout_bounds_an_add_while_another_holder_keeps_the_table_lock() {
    let name = unique_name("bind_lock");
    let _guard = Cleanup(name.clone());
    let mem = Memory::options()
        .lock_timeout(Duration::from_millis(100))
        .create(&name, 1 << 16)
        .unwrap();
    // flock belongs to an open file description: this one is not the segment's.
    let holder = File::open(shm_path(&name)).unwrap();
    // SAFETY: the descriptor is open for the whole call; flock has no memory effects.
    assert_eq!(unsafe { libc::flock(holder.as_raw_fd(), libc::LOCK_EX) }, 0);
    let started = Instant::now();
    assert!(matches!(mem.allocate("late", 8), Err(Error::Timeout)));
    assert!(started.elapsed() >= Duration::from_millis(100));
    drop(holder);
    assert!(mem.allocate("late", 8).is_ok());
}

#[test]
fn a_raw_array_is_placed_and_checked_as_an_array_of_its_element_size() {
    let (mem, _guard) = segment("bind_array", 1 << 16);
    let raw = RawArray::create(&mem, "a", 5, 4).unwrap();
    assert_eq!(raw.len(), 5);
    let typed = Array::<u32>::open(&mem, "a").unwrap();
    typed.set(4, 7).unwrap();
    let entry = mem.find("a").unwrap();
    assert_eq!(raw.data_offset(), entry.offset() + 8);
    assert_eq!(RawArray::open(&mem, "a", 4).unwrap().len(), 5);
    assert!(matches!(
        RawArray::open(&mem, "a", 2),
        Err(Error::ElementSizeMismatch {
            expected: 2,
            found: 4,
            ..
        })
    ));
    assert!(matches!(
        RawArray::open(&mem, "b", 4),
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        RawArray::create(&mem, "c", 0, 4),
        Err(Error::OutOfSpace { .. })
    ));
}

#[test]
fn a_lock_taken_in_one_call_is_released_in_another_through_guard_of_held() {
    let (mem, _guard) = segment("bind_guards", 1 << 16);
    let mutex = Mutex::create(&mem, "m").unwrap();
    std::mem::forget(mutex.lock());
    assert!(mutex.is_locked() && mutex.try_lock().is_none());
    drop(mutex.guard_of_held());
    assert!(!mutex.is_locked());

    let lock = RwLock::create(&mem, "rw").unwrap();
    std::mem::forget(lock.read());
    assert_eq!(lock.readers(), 1);
    drop(lock.read_guard_of_held());
    assert_eq!(lock.readers(), 0);
    std::mem::forget(lock.write());
    assert!(lock.is_write_locked() && lock.try_read().is_none());
    drop(lock.write_guard_of_held());
    assert!(!lock.is_write_locked() && lock.try_write().is_some());

    let monitor = Monitor::create(&mem, "mon").unwrap();
    std::mem::forget(monitor.lock());
    assert!(monitor.try_lock().is_none());
    drop(monitor.guard_of_held());
    assert!(monitor.try_lock().is_some());
}

#[test]
fn a_once_tells_its_state_word() {
    let (mem, _guard) = segment("bind_once", 1 << 16);
    let once = Once::create(&mem, "o").unwrap();
    assert_eq!(once.state(), 0);
    once.call_once(|| assert_eq!(Once::open(&mem, "o").unwrap().state(), 1))
        .unwrap();
    assert_eq!(once.state(), 2);
}

#[test]
fn a_signal_update_reads_modifies_and_writes_under_its_mutex_or_changes_nothing() {
    let (mem, _guard) = segment("bind_signal", 1 << 16);
    let signal = zeroipc::Signal::<u32>::create(&mem, "s", 5).unwrap();
    let wait = Duration::from_secs(5);
    assert_eq!(
        signal.update_timeout(|v| Some(v * 2), wait).unwrap(),
        Some((1, 10))
    );
    assert_eq!(signal.update_timeout(|_| None, wait).unwrap(), None);
    assert_eq!(signal.get().unwrap(), (1, 10));
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for _ in 0..100 {
                    signal.update_timeout(|v| Some(v + 1), wait).unwrap();
                }
            });
        }
    });
    assert_eq!(signal.get().unwrap(), (401, 410));
}
