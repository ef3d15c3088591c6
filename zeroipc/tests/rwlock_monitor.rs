//! The reader-writer lock against peers that follow the other implementations' protocol, and
//! the timed waits of the lock and the monitor against peers that never let go.
//!
//! A peer of another implementation is played by threads of this process working on the
//! lock's words directly, through a mapping of their own: a reader takes `<name>_rmtx`, looks
//! at `writer_active`, counts itself into `readers` and releases `<name>_rmtx`; a writer takes
//! `<name>_wmtx`, raises `writer_active` under `<name>_rmtx`, and waits for `readers` to
//! reach 0 (see the format's description of the lock).

#![cfg(not(loom))]
// The peers' words are std atomics over their own mapping, not the crate's (loom) facade.
#![allow(clippy::disallowed_types)]

mod common;

use std::fs::OpenOptions;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant};

use common::{segment, shm_path, Cleanup};
use memmap2::MmapMut;
use zeroipc::{Error, Memory, Monitor, Mutex, RwLock};

/// How far past its timeout a timed call may return on a busy machine: the calls must not
/// take another timeout's worth (or several), and scheduling noise is far below this.
const SLACK: Duration = Duration::from_millis(350);

/// Long enough for any live thread.
const DEADLINE: Duration = Duration::from_secs(30);

/// The lock's state words as another process sees them: a mapping of its own of the segment.
struct RawState {
    map: MmapMut,
    offset: usize,
}

impl RawState {
    /// Maps the segment of `mem` and finds the state entry of the lock `lock`.
    fn open(mem: &Memory, lock: &str) -> RawState {
        let entry = mem.find(&format!("{lock}_state")).unwrap();
        assert_eq!(entry.size(), 8);
        let offset = usize::try_from(entry.offset()).unwrap();
        assert_eq!(offset % 8, 0, "entries are 8-aligned");
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(shm_path(mem.name()))
            .unwrap();
        // SAFETY: the segment is a shared-memory object of this test, never truncated while
        // mapped; its bytes are only ever accessed atomically (see `word`).
        let map = unsafe { MmapMut::map_mut(&file) }.unwrap();
        assert!(map.len() >= offset + 8);
        RawState { map, offset }
    }

    // The cast is to a 4-aligned address: checked below.
    #[allow(clippy::cast_ptr_alignment)]
    fn word(&self, at: usize) -> &AtomicI32 {
        let ptr = self
            .map
            .as_ptr()
            .wrapping_add(self.offset + at)
            .cast::<AtomicI32>();
        assert!(ptr.is_aligned());
        // SAFETY: `ptr` is inside the mapping (checked in `open`), aligned (checked above),
        // and lives as long as `self`; every access to these bytes, by the lock and by this
        // test, is atomic.
        unsafe { &*ptr }
    }

    fn readers(&self) -> &AtomicI32 {
        self.word(0)
    }

    fn writer_active(&self) -> &AtomicI32 {
        self.word(4)
    }
}

/// A fresh segment holding a lock called `l`, with a handle on it.
fn lock_segment(tag: &str) -> (Memory, Cleanup, RwLock) {
    let (mem, guard) = segment(tag, 1 << 16);
    let lock = RwLock::create(&mem, "l").unwrap();
    (mem, guard, lock)
}

/// Who is inside, as the threads of a test say it, and how often that broke the rules.
#[derive(Default)]
struct Inside {
    writer: AtomicBool,
    readers: AtomicI32,
    violations: AtomicU64,
    reads: AtomicU64,
    writes: AtomicU64,
}

impl Inside {
    /// Violations, reads and writes, once the threads are joined.
    fn tallies(&self) -> (u64, u64, u64) {
        // Relaxed, all: the threads that counted are joined.
        (
            self.violations.load(Ordering::Relaxed),
            self.reads.load(Ordering::Relaxed),
            self.writes.load(Ordering::Relaxed),
        )
    }

    fn reader_enters(&self) {
        // SeqCst, here and in the other three: the flags are this test's own Dekker check,
        // so that a reader and a writer inside at once see each other.
        self.readers.fetch_add(1, Ordering::SeqCst);
        // SeqCst: as above.
        if self.writer.load(Ordering::SeqCst) {
            // Relaxed: a tally, read after the threads are joined.
            self.violations.fetch_add(1, Ordering::Relaxed);
        }
        // Relaxed: as above.
        self.reads.fetch_add(1, Ordering::Relaxed);
    }

    fn reader_leaves(&self) {
        // SeqCst: as in `reader_enters`.
        self.readers.fetch_sub(1, Ordering::SeqCst);
    }

    fn writer_enters(&self) {
        // SeqCst: as in `reader_enters`.
        self.writer.store(true, Ordering::SeqCst);
        // SeqCst: as above.
        if self.readers.load(Ordering::SeqCst) != 0 {
            // Relaxed: as in `reader_enters`.
            self.violations.fetch_add(1, Ordering::Relaxed);
        }
        // Relaxed: as above.
        self.writes.fetch_add(1, Ordering::Relaxed);
    }

    fn writer_leaves(&self) {
        // SeqCst: as in `reader_enters`.
        self.writer.store(false, Ordering::SeqCst);
    }
}

/// Stays inside for a moment, long enough for a peer to try to come in too.
fn linger() {
    for _ in 0..20 {
        std::hint::spin_loop();
    }
    thread::yield_now();
}

/// A reader of the other implementations: under `<name>_rmtx` it looks at `writer_active`
/// and then counts itself in, and counts itself out without the mutex. Between the look and
/// the count it gives up its time slice, as a reader preempted there would.
fn peer_read(rmtx: &Mutex, raw: &RawState, inside: &Inside) {
    // Exit: no writer seen under the mutex (a writer leaves within the test's run).
    loop {
        let entry = rmtx.lock_timeout(DEADLINE).expect("the readers' mutex");
        // Acquire: pairs with the writer's Release lowering of `writer_active`, so what
        // the last writer did happens before this reader reads.
        if raw.writer_active().load(Ordering::Acquire) == 0 {
            thread::yield_now();
            // Release: the other implementation's ordering; the mutex, not this, orders
            // the count before a writer's look at it.
            raw.readers().fetch_add(1, Ordering::Release);
            drop(entry);
            break;
        }
        drop(entry);
        thread::yield_now();
    }
    inside.reader_enters();
    linger();
    inside.reader_leaves();
    // Release: pairs with the writer's Acquire loads of `readers`.
    raw.readers().fetch_sub(1, Ordering::Release);
}

/// A writer of the other implementations: under `<name>_wmtx`, it raises `writer_active`
/// holding `<name>_rmtx`, releases that, and waits for `readers` to reach 0.
fn peer_write(rmtx: &Mutex, wmtx: &Mutex, raw: &RawState, inside: &Inside) {
    let writers = wmtx.lock_timeout(DEADLINE).expect("the writers' mutex");
    let entry = rmtx.lock_timeout(DEADLINE).expect("the readers' mutex");
    // Release: the other implementation's ordering; the mutex orders it for readers.
    raw.writer_active().store(1, Ordering::Release);
    drop(entry);
    let end = Instant::now() + DEADLINE;
    // Exit: the readers gone, or the deadline (a failure).
    // Acquire: pairs with the readers' Release decrements.
    while raw.readers().load(Ordering::Acquire) > 0 {
        assert!(Instant::now() < end, "readers never left");
        thread::yield_now();
    }
    inside.writer_enters();
    linger();
    inside.writer_leaves();
    // Release: pairs with the readers' Acquire loads of `writer_active`.
    raw.writer_active().store(0, Ordering::Release);
    drop(writers);
}

/// Runs `readers` and `writers` (each a loop until `stop`) for `run`, or until the first
/// violation; the tallies.
fn contend(
    run: Duration,
    readers: Vec<Box<dyn Fn() + Send>>,
    writers: Vec<Box<dyn Fn() + Send>>,
    inside: &Arc<Inside>,
) {
    let stop = Arc::new(AtomicBool::new(false));
    let threads: Vec<_> = readers
        .into_iter()
        .chain(writers)
        .map(|f| {
            let stop = Arc::clone(&stop);
            thread::spawn(move || {
                // Relaxed: only when to stop; the join orders everything after.
                while !stop.load(Ordering::Relaxed) {
                    f();
                }
            })
        })
        .collect();
    let end = Instant::now() + run;
    // Relaxed: a tally, only a cue to stop early.
    while Instant::now() < end && inside.violations.load(Ordering::Relaxed) == 0 {
        thread::sleep(Duration::from_millis(5));
    }
    // Relaxed: as above.
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        t.join().unwrap();
    }
}

#[test]
fn readers_of_the_other_implementations_never_share_the_lock_with_our_writer() {
    let (mem, _guard, _lock) = lock_segment("rw_peer_readers");
    let inside = Arc::new(Inside::default());
    let name = mem.name().to_owned();
    let reader = |inside: &Arc<Inside>| -> Box<dyn Fn() + Send> {
        let mem = Memory::open(&name).unwrap();
        let rmtx = Mutex::open(&mem, "l_rmtx").unwrap();
        let raw = RawState::open(&mem, "l");
        let inside = Arc::clone(inside);
        Box::new(move || peer_read(&rmtx, &raw, &inside))
    };
    let writer = {
        let lock = RwLock::open(&Memory::open(&name).unwrap(), "l").unwrap();
        let inside = Arc::clone(&inside);
        Box::new(move || {
            let w = lock.write_timeout(DEADLINE).expect("the write lock");
            inside.writer_enters();
            linger();
            inside.writer_leaves();
            drop(w);
        }) as Box<dyn Fn() + Send>
    };
    contend(
        Duration::from_secs(2),
        vec![reader(&inside), reader(&inside)],
        vec![writer],
        &inside,
    );
    let (violations, reads, wrote) = inside.tallies();
    assert_eq!(
        violations, 0,
        "a reader and the writer inside together {violations} times \
         ({reads} reads, {wrote} writes)"
    );
    assert!(reads > 0 && wrote > 0, "{reads} reads, {wrote} writes");
    let raw = RawState::open(&mem, "l");
    // Relaxed, both: the threads are joined.
    assert_eq!(raw.readers().load(Ordering::Relaxed), 0);
    assert_eq!(raw.writer_active().load(Ordering::Relaxed), 0);
}

#[test]
fn writers_of_the_other_implementations_never_share_the_lock_with_our_readers() {
    let (mem, _guard, _lock) = lock_segment("rw_peer_writers");
    let inside = Arc::new(Inside::default());
    let name = mem.name().to_owned();
    let reader = |inside: &Arc<Inside>| -> Box<dyn Fn() + Send> {
        let lock = RwLock::open(&Memory::open(&name).unwrap(), "l").unwrap();
        let inside = Arc::clone(inside);
        Box::new(move || {
            let r = lock.read_timeout(DEADLINE).expect("a read lock");
            inside.reader_enters();
            linger();
            inside.reader_leaves();
            drop(r);
        })
    };
    let writer = {
        let mem = Memory::open(&name).unwrap();
        let rmtx = Mutex::open(&mem, "l_rmtx").unwrap();
        let wmtx = Mutex::open(&mem, "l_wmtx").unwrap();
        let raw = RawState::open(&mem, "l");
        let inside = Arc::clone(&inside);
        Box::new(move || peer_write(&rmtx, &wmtx, &raw, &inside)) as Box<dyn Fn() + Send>
    };
    contend(
        Duration::from_secs(1),
        vec![reader(&inside), reader(&inside)],
        vec![writer],
        &inside,
    );
    let (violations, reads, wrote) = inside.tallies();
    assert_eq!(violations, 0, "{reads} reads, {wrote} writes");
    assert!(reads > 0 && wrote > 0, "{reads} reads, {wrote} writes");
}

/// Calls `f` and returns what it returned and how long it took.
fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let out = f();
    (out, start.elapsed())
}

#[test]
fn a_read_returns_within_its_timeout_while_a_writer_never_leaves() {
    let (mem, _guard, lock) = lock_segment("rw_read_timeout");
    let raw = RawState::open(&mem, "l");
    // A writer (of any implementation) that died inside: `writer_active` stays raised.
    // Relaxed: set before the calls below, on this thread.
    raw.writer_active().store(1, Ordering::Relaxed);
    for timeout in [2, 50, 300].map(Duration::from_millis) {
        let (got, took) = timed(|| lock.read_timeout(timeout).map(drop));
        assert!(matches!(got, Err(Error::Timeout)), "{got:?}");
        assert!(took >= timeout, "{took:?} for {timeout:?}");
        assert!(took <= timeout + SLACK, "{took:?} for {timeout:?}");
    }
    // Relaxed: as above.
    assert_eq!(raw.readers().load(Ordering::Relaxed), 0);
}

#[test]
fn a_write_returns_within_its_timeout_while_a_reader_never_leaves() {
    let (mem, _guard, lock) = lock_segment("rw_write_timeout");
    let raw = RawState::open(&mem, "l");
    // A reader that died inside: `readers` stays at 1.
    // Relaxed: set before the calls below, on this thread.
    raw.readers().store(1, Ordering::Relaxed);
    for timeout in [2, 50, 300].map(Duration::from_millis) {
        let (got, took) = timed(|| lock.write_timeout(timeout).map(drop));
        assert!(matches!(got, Err(Error::Timeout)), "{got:?}");
        assert!(took >= timeout, "{took:?} for {timeout:?}");
        assert!(took <= timeout + SLACK, "{took:?} for {timeout:?}");
        assert!(
            !lock.is_write_locked(),
            "a writer that gave up lowers the flag"
        );
    }
}

#[test]
fn a_write_returns_within_its_timeout_while_a_reader_holds_the_readers_mutex() {
    let (mem, _guard, lock) = lock_segment("rw_write_rmtx");
    // A reader (of any implementation) that died inside `<name>_rmtx`.
    let rmtx = Mutex::open(&mem, "l_rmtx").unwrap();
    let held = rmtx.try_lock().unwrap();
    for timeout in [2, 300].map(Duration::from_millis) {
        let (got, took) = timed(|| lock.write_timeout(timeout).map(drop));
        assert!(matches!(got, Err(Error::Timeout)), "{got:?}");
        assert!(took <= timeout + SLACK, "{took:?} for {timeout:?}");
        assert!(
            !lock.is_write_locked(),
            "a writer that gave up leaves no trace"
        );
    }
    drop(held);
    drop(lock.write_timeout(DEADLINE).unwrap());
}

#[test]
fn a_monitor_wait_returns_within_its_timeout_while_another_thread_holds_the_lock() {
    let (mem, _guard) = segment("monitor_wait_timeout", 1 << 16);
    let mon = Monitor::create(&mem, "m").unwrap();
    let name = mem.name().to_owned();
    let timeout = Duration::from_millis(400);
    let guard = mon.lock();
    // A peer that takes the lock as soon as the waiter gives it up, and keeps it until told.
    let (held_tx, held_rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let peer = thread::spawn(move || {
        let mon = Monitor::open(&Memory::open(&name).unwrap(), "m").unwrap();
        let g = mon.lock_timeout(DEADLINE).unwrap();
        held_tx.send(()).unwrap();
        let _ = release_rx.recv_timeout(DEADLINE);
        drop(g);
    });
    let (got, took) = timed(|| mon.wait_timeout(guard, timeout).map(|(g, n)| (drop(g), n)));
    release_tx.send(()).unwrap();
    peer.join().unwrap();
    held_rx
        .recv_timeout(Duration::ZERO)
        .expect("the peer held the lock");
    assert!(matches!(got, Err(Error::Timeout)), "{got:?}");
    assert!(took >= timeout, "{took:?}");
    assert!(took <= timeout + SLACK, "{took:?} for {timeout:?}");
    assert_eq!(mon.waiters(), 0, "a waiter that gave up is counted out");
    // Free again: a wait with nobody holding the lock times out holding it again.
    let (g, notified) = mon
        .wait_timeout(mon.lock(), Duration::from_millis(5))
        .unwrap();
    assert!(!notified);
    assert!(mon.try_lock().is_none());
    drop(g);
}
