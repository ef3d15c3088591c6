//! The composite synchronisation structures (several table entries each) against real
//! segments: threads of this process, each with its own mapping of the segment (as separate
//! processes would have), and segments whose parts someone else wrote or left out.

#![cfg(not(loom))]

mod common;

use std::fs::OpenOptions;
use std::os::unix::fs::FileExt;
use std::thread;
use std::time::{Duration, Instant};

use common::{segment, shm_path, unique_name, Cleanup};
use zeroipc::{layout, Array, Error, Event, Memory, Monitor, Mutex, RwLock, Semaphore, Signal};

/// Long enough for any live thread; every wait in these tests has it.
const DEADLINE: Duration = Duration::from_secs(30);

/// Writes `words` (little-endian `u32`s) at byte `offset` of the segment `name`, as another
/// process might.
fn poke(name: &str, offset: u64, words: &[u32]) {
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    let file = OpenOptions::new().write(true).open(shm_path(name)).unwrap();
    file.write_all_at(&bytes, offset).unwrap();
}

/// Whether `err` is a `Corrupt` error naming `entry` whose text contains `text`.
fn is_corrupt(err: &Error, entry: &str, text: &str) -> bool {
    matches!(err, Error::Corrupt { name, what } if name == entry && what.contains(text))
}

/// Whether `err` is `NotFound` naming `entry`.
fn is_not_found(err: &Error, entry: &str) -> bool {
    matches!(err, Error::NotFound { name } if name == entry)
}

/// The table's entry names and the bytes in use: what a failed create must leave alone.
fn snapshot(mem: &Memory) -> (Vec<String>, u64) {
    let names = mem
        .entries()
        .unwrap()
        .map(|e| e.name().to_owned())
        .collect();
    (names, mem.used().unwrap())
}

/// Waits until `f` holds, or panics after the deadline.
fn until(mut f: impl FnMut() -> bool) {
    let end = Instant::now() + DEADLINE;
    while !f() {
        assert!(Instant::now() < end, "condition not reached in time");
        thread::sleep(Duration::from_millis(1));
    }
}

// ---- Event ---------------------------------------------------------------------------------

#[test]
#[cfg_attr(miri, ignore)]
fn a_manual_reset_event_releases_every_waiter_in_other_mappings() {
    let (mem, c) = segment("comp_event_manual", 1 << 16);
    let go = Event::create(&mem, "go", true).unwrap();
    assert_eq!(
        snapshot(&mem).0,
        ["go", "go_sem"],
        "the event, then its semaphore"
    );
    let waiters: Vec<_> = (0..3)
        .map(|_| {
            let name = c.0.clone();
            thread::spawn(move || {
                let mem = Memory::open(&name).unwrap();
                let go = Event::open(&mem, "go").unwrap();
                assert!(go.is_manual_reset());
                go.wait_timeout(DEADLINE).unwrap();
            })
        })
        .collect();
    thread::sleep(Duration::from_millis(5));
    go.set();
    for w in waiters {
        w.join().unwrap();
    }
    assert!(go.is_set());
}

#[test]
#[cfg_attr(miri, ignore)]
fn an_auto_reset_event_hands_each_set_to_one_waiter() {
    let (mem, c) = segment("comp_event_auto", 1 << 16);
    let ev = Event::create(&mem, "ev", false).unwrap();
    let passed = Semaphore::create(&mem, "passed", 0, 0).unwrap();
    let waiters: Vec<_> = (0..3)
        .map(|_| {
            let name = c.0.clone();
            thread::spawn(move || {
                let mem = Memory::open(&name).unwrap();
                let ev = Event::open(&mem, "ev").unwrap();
                ev.wait_timeout(DEADLINE).unwrap();
                Semaphore::open(&mem, "passed").unwrap().post().unwrap();
            })
        })
        .collect();
    for n in 1..=3 {
        ev.set();
        until(|| passed.count() == n);
        assert!(!ev.is_set(), "the waiter that passed reset the event");
    }
    for w in waiters {
        w.join().unwrap();
    }
    assert!(matches!(
        ev.wait_timeout(Duration::from_millis(5)),
        Err(Error::Timeout)
    ));
}

#[test]
fn an_event_name_with_no_room_for_its_suffix_leaves_the_segment_unchanged() {
    let (mem, _c) = segment("comp_event_long", 1 << 16);
    let before = snapshot(&mem);
    let name = "e".repeat(28); // 28 + "_sem" = 32 bytes
    assert!(matches!(
        Event::create(&mem, &name, true),
        Err(Error::NameTooLong { .. })
    ));
    assert_eq!(snapshot(&mem), before);
    Event::create(&mem, &"e".repeat(27), true).unwrap();
}

#[test]
fn an_event_that_does_not_fit_the_table_or_the_space_adds_nothing() {
    let name = unique_name("comp_event_full");
    let _c = Cleanup(name.clone());
    let mem = Memory::options()
        .max_entries(2)
        .create(&name, 1 << 12)
        .unwrap();
    Semaphore::create(&mem, "s", 0, 0).unwrap();
    let before = snapshot(&mem);
    assert!(matches!(
        Event::create(&mem, "e", false),
        Err(Error::TableFull { .. })
    ));
    assert_eq!(snapshot(&mem), before);

    let name = unique_name("comp_event_space");
    let _c2 = Cleanup(name.clone());
    let mem = Memory::options()
        .max_entries(4)
        .create(&name, 224 + 24)
        .unwrap();
    let before = snapshot(&mem);
    assert!(matches!(
        Event::create(&mem, "e", false),
        Err(Error::OutOfSpace { .. })
    ));
    assert_eq!(snapshot(&mem), before);
    Semaphore::create(&mem, "e_sem", 0, 0).unwrap();
    assert!(matches!(
        Event::create(&mem, "e", false),
        Err(Error::AlreadyExists { name }) if name == "e_sem"
    ));
}

#[test]
fn an_event_without_its_semaphore_is_refused_naming_the_missing_entry() {
    let (mem, _c) = segment("comp_event_nosem", 1 << 16);
    Array::<u32>::create(&mem, "e", 1).unwrap(); // 12 bytes: signaled 1, mode 0, waiting 0
    let err = Event::open(&mem, "e").unwrap_err();
    assert!(is_not_found(&err, "e_sem"), "{err}");
    assert!(is_not_found(
        &Event::open(&mem, "nothing").unwrap_err(),
        "nothing"
    ));
}

#[test]
fn an_event_with_parts_out_of_range_is_refused_naming_the_part() {
    let (mem, c) = segment("comp_event_hostile", 1 << 16);
    Event::create(&mem, "e", true).unwrap();
    let at = mem.find("e").unwrap().offset();

    poke(&c.0, at, &[0, 2, 0]);
    assert!(is_corrupt(
        &Event::open(&mem, "e").unwrap_err(),
        "e",
        "mode 2"
    ));
    poke(&c.0, at, &[5, 1, 0]);
    assert!(is_corrupt(
        &Event::open(&mem, "e").unwrap_err(),
        "e",
        "signaled flag 5"
    ));
    poke(&c.0, at, &[0, 1, u32::MAX]);
    assert!(is_corrupt(
        &Event::open(&mem, "e").unwrap_err(),
        "e",
        "waiting count"
    ));
    poke(&c.0, at, &[1, 1, 0]);
    assert!(Event::open(&mem, "e").unwrap().is_set());

    let sem = mem.find("e_sem").unwrap().offset();
    poke(&c.0, sem + 8, &[3]);
    let err = Event::open(&mem, "e").unwrap_err();
    assert!(is_corrupt(&err, "e_sem", "unbounded"), "{err}");
    poke(&c.0, sem, &[u32::MAX, 0, 0]);
    let err = Event::open(&mem, "e").unwrap_err();
    assert!(is_corrupt(&err, "e_sem", "count -1"), "{err}");

    Semaphore::create(&mem, "f", 0, 0).unwrap();
    Semaphore::create(&mem, "f_sem", 0, 0).unwrap();
    let err = Event::open(&mem, "f").unwrap_err();
    assert!(is_corrupt(&err, "f", "12 bytes"), "{err}");
}

// ---- RwLock --------------------------------------------------------------------------------

/// Renames the table entry called `from` to `to` (same length), as a writer that never
/// finished, or another program, might leave the table.
fn rename(mem: &Memory, seg: &str, from: &str, to: &str) {
    let index = mem
        .entries()
        .unwrap()
        .position(|e| e.name() == from)
        .unwrap();
    let mut field = [0u8; 32];
    field[..to.len()].copy_from_slice(to.as_bytes());
    let file = OpenOptions::new().write(true).open(shm_path(seg)).unwrap();
    file.write_all_at(
        &field,
        (layout::TABLE_HEADER_SIZE + layout::TABLE_ENTRY_SIZE * index) as u64,
    )
    .unwrap();
}

/// Sets the recorded size of the table entry called `name`.
fn resize(mem: &Memory, seg: &str, name: &str, size: u64) {
    let index = mem
        .entries()
        .unwrap()
        .position(|e| e.name() == name)
        .unwrap();
    let at = layout::TABLE_HEADER_SIZE + layout::TABLE_ENTRY_SIZE * index + 0x28;
    let file = OpenOptions::new().write(true).open(shm_path(seg)).unwrap();
    file.write_all_at(&size.to_le_bytes(), at as u64).unwrap();
}

#[test]
#[cfg_attr(miri, ignore)]
fn readers_in_other_mappings_never_see_a_half_done_write() {
    const ROUNDS: u64 = 300;
    let (mem, c) = segment("comp_rwlock_threads", 1 << 16);
    RwLock::create(&mem, "lock").unwrap();
    assert_eq!(
        snapshot(&mem).0,
        ["lock_state", "lock_rmtx", "lock_wmtx", "lock"],
        "the parts, then the marker"
    );
    Array::<u64>::create(&mem, "pair", 2).unwrap();
    let workers: Vec<_> = (0..4)
        .map(|i| {
            let name = c.0.clone();
            thread::spawn(move || {
                let mem = Memory::open(&name).unwrap();
                let lock = RwLock::open(&mem, "lock").unwrap();
                let pair = Array::<u64>::open(&mem, "pair").unwrap();
                for _ in 0..ROUNDS {
                    if i % 2 == 0 {
                        let _w = lock.write_timeout(DEADLINE).unwrap();
                        let v = pair.get(0).unwrap();
                        pair.set(0, v + 1).unwrap();
                        thread::yield_now();
                        pair.set(1, v + 1).unwrap();
                    } else {
                        let _r = lock.read_timeout(DEADLINE).unwrap();
                        assert_eq!(pair.get(0).unwrap(), pair.get(1).unwrap());
                    }
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    let pair = Array::<u64>::open(&mem, "pair").unwrap();
    assert_eq!(pair.get(1).unwrap(), 2 * ROUNDS, "no write was lost");
    let lock = RwLock::open(&mem, "lock").unwrap();
    assert_eq!(lock.readers(), 0);
    assert!(!lock.is_write_locked());
}

#[test]
fn a_writer_that_never_releases_makes_the_others_time_out() {
    let (mem, c) = segment("comp_rwlock_dead", 1 << 16);
    let lock = RwLock::create(&mem, "lock").unwrap();
    std::mem::forget(lock.write()); // as if its process died holding it
    let other = RwLock::open(&Memory::open(&c.0).unwrap(), "lock").unwrap();
    let short = Duration::from_millis(10);
    assert!(matches!(other.read_timeout(short), Err(Error::Timeout)));
    assert!(matches!(other.write_timeout(short), Err(Error::Timeout)));
    assert_eq!(
        other.readers(),
        0,
        "the reader that gave up counted itself out"
    );
}

#[test]
fn a_reader_that_never_releases_makes_writers_time_out() {
    let (mem, _c) = segment("comp_rwlock_dead_reader", 1 << 16);
    let lock = RwLock::create(&mem, "lock").unwrap();
    std::mem::forget(lock.read());
    assert!(matches!(
        lock.write_timeout(Duration::from_millis(10)),
        Err(Error::Timeout)
    ));
    assert!(
        !lock.is_write_locked(),
        "the writer that gave up lowered its flag"
    );
    drop(lock.read_timeout(Duration::from_millis(10)).unwrap());
}

#[test]
fn an_rwlock_name_with_no_room_for_its_suffixes_leaves_the_segment_unchanged() {
    let (mem, _c) = segment("comp_rwlock_long", 1 << 16);
    let before = snapshot(&mem);
    assert!(matches!(
        RwLock::create(&mem, &"l".repeat(26)),
        Err(Error::NameTooLong { .. })
    ));
    assert_eq!(snapshot(&mem), before);
    RwLock::create(&mem, &"l".repeat(25)).unwrap();

    let name = unique_name("comp_rwlock_full");
    let _c2 = Cleanup(name.clone());
    let small = Memory::options()
        .max_entries(3)
        .create(&name, 1 << 12)
        .unwrap();
    let before = snapshot(&small);
    assert!(matches!(
        RwLock::create(&small, "l"),
        Err(Error::TableFull { .. })
    ));
    assert_eq!(snapshot(&small), before);
}

#[test]
fn an_rwlock_is_found_by_its_marker_only() {
    let (mem, c) = segment("comp_rwlock_marker", 1 << 16);
    RwLock::create(&mem, "lock").unwrap();
    assert!(is_not_found(
        &RwLock::open(&mem, "other").unwrap_err(),
        "other"
    ));
    rename(&mem, &c.0, "lock", "lokk");
    let err = RwLock::open(&mem, "lock").unwrap_err();
    assert!(
        is_not_found(&err, "lock"),
        "parts without their marker are no lock: {err}"
    );
    rename(&mem, &c.0, "lokk", "lock");
    resize(&mem, &c.0, "lock", 0);
    let err = RwLock::open(&mem, "lock").unwrap_err();
    assert!(is_corrupt(&err, "lock", "marker"), "{err}");
}

#[test]
fn an_rwlock_with_parts_missing_or_out_of_range_is_refused_naming_the_part() {
    let (mem, c) = segment("comp_rwlock_hostile", 1 << 16);
    RwLock::create(&mem, "l").unwrap();
    let state = mem.find("l_state").unwrap().offset();

    poke(&c.0, state, &[u32::MAX, 0]);
    let err = RwLock::open(&mem, "l").unwrap_err();
    assert!(is_corrupt(&err, "l_state", "reader count -1"), "{err}");
    poke(&c.0, state, &[0, 2]);
    let err = RwLock::open(&mem, "l").unwrap_err();
    assert!(is_corrupt(&err, "l_state", "writer_active 2"), "{err}");
    poke(&c.0, state, &[3, 1]);
    let lock = RwLock::open(&mem, "l").unwrap();
    assert_eq!((lock.readers(), lock.is_write_locked()), (3, true));
    poke(&c.0, state, &[0, 0]);

    let rmtx = mem.find("l_rmtx").unwrap().offset();
    poke(&c.0, rmtx + 8, &[2]);
    let err = RwLock::open(&mem, "l").unwrap_err();
    assert!(is_corrupt(&err, "l_rmtx", "max_count 1"), "{err}");
    poke(&c.0, rmtx + 8, &[1]);

    resize(&mem, &c.0, "l_state", 4);
    let err = RwLock::open(&mem, "l").unwrap_err();
    assert!(is_corrupt(&err, "l_state", "8 bytes"), "{err}");
    resize(&mem, &c.0, "l_state", 8);

    rename(&mem, &c.0, "l_wmtx", "l_xmtx");
    let err = RwLock::open(&mem, "l").unwrap_err();
    assert!(is_not_found(&err, "l_wmtx"), "{err}");
}

// ---- Monitor -------------------------------------------------------------------------------

#[test]
#[cfg_attr(miri, ignore)]
fn consumers_in_other_mappings_wait_on_a_monitor_for_every_job() {
    const CONSUMERS: usize = 2;
    const JOBS: u32 = 100;
    let (mem, c) = segment("comp_monitor_jobs", 1 << 16);
    let mon = Monitor::create(&mem, "mon").unwrap();
    assert_eq!(
        snapshot(&mem).0,
        ["mon_mtx", "mon_cond", "mon_count", "mon"],
        "the parts, then the marker"
    );
    let jobs = Array::<u32>::create(&mem, "jobs", 2).unwrap(); // [waiting, taken]
    let consumers: Vec<_> = (0..CONSUMERS)
        .map(|_| {
            let name = c.0.clone();
            thread::spawn(move || {
                let mem = Memory::open(&name).unwrap();
                let mon = Monitor::open(&mem, "mon").unwrap();
                let jobs = Array::<u32>::open(&mem, "jobs").unwrap();
                let end = Instant::now() + DEADLINE;
                let mut g = mon.lock_timeout(DEADLINE).unwrap();
                loop {
                    if jobs.get(1).unwrap() == JOBS {
                        return;
                    }
                    if jobs.get(0).unwrap() > 0 {
                        jobs.set(0, jobs.get(0).unwrap() - 1).unwrap();
                        jobs.set(1, jobs.get(1).unwrap() + 1).unwrap();
                        mon.notify_all(); // the others may be done too
                        continue;
                    }
                    assert!(Instant::now() < end, "no job came in time");
                    g = mon.wait_timeout(g, Duration::from_millis(50)).unwrap().0;
                }
            })
        })
        .collect();
    for _ in 0..JOBS {
        let _g = mon.lock_timeout(DEADLINE).unwrap();
        jobs.set(0, jobs.get(0).unwrap() + 1).unwrap();
        mon.notify_one();
    }
    for t in consumers {
        t.join().unwrap();
    }
    assert_eq!(jobs.get(1).unwrap(), JOBS);
    assert_eq!(mon.waiters(), 0);
}

#[test]
#[cfg_attr(miri, ignore)]
fn notify_all_wakes_every_waiter_of_a_monitor() {
    let (mem, c) = segment("comp_monitor_all", 1 << 16);
    let mon = Monitor::create(&mem, "mon").unwrap();
    let flag = Array::<u32>::create(&mem, "flag", 1).unwrap();
    let waiters: Vec<_> = (0..3)
        .map(|_| {
            let name = c.0.clone();
            thread::spawn(move || {
                let mem = Memory::open(&name).unwrap();
                let mon = Monitor::open(&mem, "mon").unwrap();
                let flag = Array::<u32>::open(&mem, "flag").unwrap();
                let mut g = mon.lock_timeout(DEADLINE).unwrap();
                while flag.get(0).unwrap() == 0 {
                    // Spurious wake-ups and timeouts just loop; the flag decides.
                    g = mon.wait_timeout(g, DEADLINE).unwrap().0;
                }
            })
        })
        .collect();
    until(|| mon.waiters() == 3);
    {
        let _g = mon.lock_timeout(DEADLINE).unwrap();
        flag.set(0, 1).unwrap();
        mon.notify_all();
    }
    for w in waiters {
        w.join().unwrap();
    }
    assert_eq!(mon.waiters(), 0);
}

#[test]
fn a_monitor_held_by_someone_who_never_unlocks_times_the_others_out() {
    let (mem, c) = segment("comp_monitor_dead", 1 << 16);
    let mon = Monitor::create(&mem, "mon").unwrap();
    let other = Monitor::open(&Memory::open(&c.0).unwrap(), "mon").unwrap();
    let g = other.lock();
    let short = Duration::from_millis(10);
    // A waiter whose lock is taken meanwhile and never given back loses it.
    let holder = thread::scope(|s| {
        let waiting = s.spawn(|| other.wait_timeout(g, short).map(|_| ()));
        until(|| mon.waiters() == 1);
        let stolen = mon.lock_timeout(DEADLINE).unwrap();
        let r = waiting.join().unwrap();
        std::mem::forget(stolen); // as if its process died holding it
        r
    });
    assert!(matches!(holder, Err(Error::Timeout)));
    assert_eq!(
        mon.waiters(),
        0,
        "the waiter that gave up counted itself out"
    );
    assert!(matches!(other.lock_timeout(short), Err(Error::Timeout)));
}

#[test]
fn a_monitor_name_with_no_room_for_its_suffixes_leaves_the_segment_unchanged() {
    let (mem, _c) = segment("comp_monitor_long", 1 << 16);
    let before = snapshot(&mem);
    assert!(matches!(
        Monitor::create(&mem, &"m".repeat(26)),
        Err(Error::NameTooLong { .. })
    ));
    assert_eq!(snapshot(&mem), before);
    Monitor::create(&mem, &"m".repeat(25)).unwrap();
}

#[test]
fn a_monitor_with_parts_missing_or_out_of_range_is_refused_naming_the_part() {
    let (mem, c) = segment("comp_monitor_hostile", 1 << 16);
    Monitor::create(&mem, "m").unwrap();
    rename(&mem, &c.0, "m", "n");
    assert!(is_not_found(&Monitor::open(&mem, "m").unwrap_err(), "m"));
    rename(&mem, &c.0, "n", "m");

    let count = mem.find("m_count").unwrap().offset();
    poke(&c.0, count, &[u32::MAX]);
    let err = Monitor::open(&mem, "m").unwrap_err();
    assert!(is_corrupt(&err, "m_count", "waiter count"), "{err}");
    poke(&c.0, count, &[0]);

    let cond = mem.find("m_cond").unwrap().offset();
    poke(&c.0, cond + 8, &[1]);
    let err = Monitor::open(&mem, "m").unwrap_err();
    assert!(is_corrupt(&err, "m_cond", "unbounded"), "{err}");
    poke(&c.0, cond + 8, &[0]);

    resize(&mem, &c.0, "m_count", 2);
    let err = Monitor::open(&mem, "m").unwrap_err();
    assert!(is_corrupt(&err, "m_count", "4 bytes"), "{err}");
    resize(&mem, &c.0, "m_count", 4);

    let mtx = mem.find("m_mtx").unwrap().offset();
    poke(&c.0, mtx, &[7]);
    let err = Monitor::open(&mem, "m").unwrap_err();
    assert!(is_corrupt(&err, "m_mtx", "count 7"), "{err}");
    poke(&c.0, mtx, &[1]);

    rename(&mem, &c.0, "m_cond", "m_cnod");
    let err = Monitor::open(&mem, "m").unwrap_err();
    assert!(is_not_found(&err, "m_cond"), "{err}");
}

// ---- Signal --------------------------------------------------------------------------------

#[test]
#[cfg_attr(miri, ignore)]
fn readers_in_other_mappings_see_whole_values_and_rising_versions() {
    const SETS: u64 = 300;
    let (mem, c) = segment("comp_signal_threads", 1 << 16);
    let sig = Signal::<[u64; 4]>::create(&mem, "sig", [0; 4]).unwrap();
    assert_eq!(
        snapshot(&mem).0,
        ["sig_state", "sig_mtx", "sig"],
        "the parts, then the marker"
    );
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let name = c.0.clone();
            thread::spawn(move || {
                let mem = Memory::open(&name).unwrap();
                let sig = Signal::<[u64; 4]>::open(&mem, "sig").unwrap();
                let mut seen = 0;
                while seen < SETS {
                    let (version, value) = sig.wait_change_timeout(seen, DEADLINE).unwrap();
                    assert!(version > seen, "versions only rise");
                    assert!(
                        value.iter().all(|&v| v == version),
                        "{value:?} at {version}"
                    );
                    seen = version;
                }
            })
        })
        .collect();
    for n in 1..=SETS {
        sig.set([n; 4]);
    }
    for r in readers {
        r.join().unwrap();
    }
    assert_eq!(sig.get().unwrap(), (SETS, [SETS; 4]));
}

#[test]
fn a_signal_whose_mutex_is_never_unlocked_times_everyone_out() {
    let (mem, _c) = segment("comp_signal_dead", 1 << 16);
    let sig = Signal::<u32>::create(&mem, "sig", 7).unwrap();
    let mtx = Mutex::open(&mem, "sig_mtx").unwrap();
    std::mem::forget(mtx.lock()); // as if a writer died mid-set
    let short = Duration::from_millis(10);
    assert!(matches!(sig.set_timeout(8, short), Err(Error::Timeout)));
    assert!(matches!(sig.get_timeout(short), Err(Error::Timeout)));
    assert!(matches!(
        sig.wait_change_timeout(0, short),
        Err(Error::Timeout)
    ));
    assert_eq!(sig.version(), 0);
}

#[test]
fn a_signal_name_with_no_room_for_its_suffixes_leaves_the_segment_unchanged() {
    let (mem, _c) = segment("comp_signal_long", 1 << 16);
    let before = snapshot(&mem);
    assert!(matches!(
        Signal::<u8>::create(&mem, &"s".repeat(26), 0),
        Err(Error::NameTooLong { .. })
    ));
    assert_eq!(snapshot(&mem), before);
    Signal::<u8>::create(&mem, &"s".repeat(25), 0).unwrap();
}

#[test]
fn a_signal_state_of_either_recorded_size_opens_and_any_other_is_refused() {
    let (mem, c) = segment("comp_signal_sizes", 1 << 16);
    Signal::<u32>::create(&mem, "s", 5).unwrap();
    assert_eq!(mem.find("s_state").unwrap().size(), 12);
    let err = Signal::<u64>::open(&mem, "s").unwrap_err();
    assert!(is_corrupt(&err, "s_state", "8-byte value"), "{err}");
    let err = Signal::<u16>::open(&mem, "s").unwrap_err();
    assert!(is_corrupt(&err, "s_state", "2-byte value"), "{err}");
    resize(&mem, &c.0, "s_state", 16); // align8(8 + 4), as another implementation records it
    assert_eq!(
        Signal::<u32>::open(&mem, "s").unwrap().get().unwrap(),
        (0, 5)
    );
}

#[test]
fn a_signal_with_parts_missing_or_out_of_range_is_refused_naming_the_part() {
    let (mem, c) = segment("comp_signal_hostile", 1 << 16);
    Signal::<u32>::create(&mem, "s", 5).unwrap();
    rename(&mem, &c.0, "s", "t");
    assert!(is_not_found(
        &Signal::<u32>::open(&mem, "s").unwrap_err(),
        "s"
    ));
    rename(&mem, &c.0, "t", "s");

    let mtx = mem.find("s_mtx").unwrap().offset();
    poke(&c.0, mtx + 8, &[0]);
    let err = Signal::<u32>::open(&mem, "s").unwrap_err();
    assert!(is_corrupt(&err, "s_mtx", "max_count 1"), "{err}");
    poke(&c.0, mtx + 8, &[1]);
    poke(&c.0, mtx, &[u32::MAX]);
    let err = Signal::<u32>::open(&mem, "s").unwrap_err();
    assert!(is_corrupt(&err, "s_mtx", "count -1"), "{err}");
    poke(&c.0, mtx, &[1]);

    rename(&mem, &c.0, "s_state", "s_stata");
    let err = Signal::<u32>::open(&mem, "s").unwrap_err();
    assert!(is_not_found(&err, "s_state"), "{err}");
}

#[test]
fn a_composite_is_added_whole_or_not_at_all_while_another_thread_adds_entries() {
    // A table of 8 slots: the lock's 4 parts fit only if they are added before the other
    // thread's arrays fill the table, and the arrays may come at any moment.
    const PARTS: [&str; 4] = ["l_state", "l_rmtx", "l_wmtx", "l"];
    for _ in 0..200 {
        let name = unique_name("whole");
        let _cleanup = Cleanup(name.clone());
        let mem = Memory::options()
            .max_entries(8)
            .create(&name, 1 << 16)
            .unwrap();
        let other = Memory::open(&name).unwrap();
        let start = std::sync::Barrier::new(2);
        let created = thread::scope(|s| {
            s.spawn(|| {
                start.wait();
                for i in 0..6 {
                    let _ = Array::<u8>::create(&other, &format!("x{i}"), 1);
                }
            });
            start.wait();
            RwLock::create(&mem, "l").is_ok()
        });
        let names: Vec<String> = mem
            .entries()
            .unwrap()
            .map(|e| e.name().to_owned())
            .collect();
        let present = PARTS
            .iter()
            .filter(|p| names.iter().any(|n| n == *p))
            .count();
        if created {
            assert_eq!(present, 4, "a created lock has all its parts: {names:?}");
        } else {
            assert_eq!(
                present, 0,
                "a failed create leaves no part behind: {names:?}"
            );
        }
    }
}
