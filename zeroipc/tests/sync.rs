//! The synchronisation primitives against real segments: threads of this process, each with
//! its own mapping of the segment (as separate processes would have), and segments whose
//! words someone else wrote.

#![cfg(not(loom))]

mod common;

use std::fs::OpenOptions;
use std::os::unix::fs::FileExt;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use common::{segment, shm_path};
use zeroipc::{layout, Array, Barrier, Error, Latch, Memory, Mutex, Once, Semaphore};

/// Long enough for any live thread; every wait in these tests has it.
const DEADLINE: Duration = Duration::from_secs(30);

/// Writes `words` (little-endian `i32`s) at byte `offset` of the segment `name`, as another
/// process might.
fn poke(name: &str, offset: u64, words: &[i32]) {
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    let file = OpenOptions::new().write(true).open(shm_path(name)).unwrap();
    file.write_all_at(&bytes, offset).unwrap();
}

/// The offset of entry `name` in `mem`.
fn offset_of(mem: &Memory, name: &str) -> u64 {
    mem.find(name).unwrap().offset()
}

/// Whether `err` is a `Corrupt` error naming `entry` whose text contains `text`.
fn is_corrupt(err: &Error, entry: &str, text: &str) -> bool {
    matches!(err, Error::Corrupt { name, what } if name == entry && what.contains(text))
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_mutex_loses_no_update_of_threads_with_their_own_mappings() {
    const THREADS: usize = 4;
    const ROUNDS: u64 = 2000;
    let (mem, c) = segment("sync_mutex", 1 << 16);
    Mutex::create(&mem, "lock").unwrap();
    Array::<u64>::create(&mem, "total", 1).unwrap();
    let threads: Vec<_> = (0..THREADS)
        .map(|_| {
            let name = c.0.clone();
            thread::spawn(move || {
                let mem = Memory::open(&name).unwrap();
                let lock = Mutex::open(&mem, "lock").unwrap();
                let total = Array::<u64>::open(&mem, "total").unwrap();
                for _ in 0..ROUNDS {
                    let _guard = lock.lock_timeout(DEADLINE).unwrap();
                    // Read, then write: a lost update if two threads ever overlap here.
                    let v = total.get(0).unwrap();
                    total.set(0, v + 1).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let total = Array::<u64>::open(&mem, "total").unwrap();
    assert_eq!(total.get(0).unwrap(), THREADS as u64 * ROUNDS);
    assert!(!Mutex::open(&mem, "lock").unwrap().is_locked());
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_post_releases_a_waiter_that_sleeps_on_the_count() {
    let (mem, _c) = segment("sync_post", 1 << 16);
    let sem = Semaphore::create(&mem, "jobs", 0, 0).unwrap();
    let (done_tx, done_rx) = mpsc::channel();
    let waiter = {
        let sem = sem.clone();
        thread::spawn(move || {
            sem.wait();
            done_tx.send(()).unwrap();
        })
    };
    // Give the waiter time to go to sleep; it must be counted while it waits.
    let start = std::time::Instant::now();
    while sem.waiting() == 0 {
        assert!(start.elapsed() < DEADLINE, "the waiter never registered");
        thread::sleep(Duration::from_millis(1));
    }
    thread::sleep(Duration::from_millis(20));
    assert!(done_rx.try_recv().is_err(), "no permit yet");
    sem.post().unwrap();
    done_rx.recv_timeout(DEADLINE).unwrap();
    waiter.join().unwrap();
    assert_eq!((sem.count(), sem.waiting()), (0, 0));
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_barrier_of_three_threads_has_one_leader_per_generation() {
    const GENERATIONS: i32 = 50;
    let (mem, c) = segment("sync_barrier", 1 << 16);
    Barrier::create(&mem, "phase", 3).unwrap();
    Array::<u64>::create(&mem, "progress", 3).unwrap();
    let threads: Vec<_> = (0..3)
        .map(|me| {
            let name = c.0.clone();
            thread::spawn(move || {
                let mem = Memory::open(&name).unwrap();
                let phase = Barrier::open(&mem, "phase").unwrap();
                let progress = Array::<u64>::open(&mem, "progress").unwrap();
                let mut leads = 0;
                for g in 0..GENERATIONS as u64 {
                    progress.set(me, g + 1).unwrap();
                    leads += u32::from(phase.wait_timeout(DEADLINE).unwrap());
                    // Everyone has finished generation `g` before anyone goes on.
                    for other in 0..3 {
                        assert!(progress.get(other).unwrap() > g);
                    }
                    // ...and no one starts `g + 1` before everyone has looked.
                    leads += u32::from(phase.wait_timeout(DEADLINE).unwrap());
                }
                leads
            })
        })
        .collect();
    let leads: u32 = threads.into_iter().map(|t| t.join().unwrap()).sum();
    assert_eq!(leads, 2 * GENERATIONS as u32);
    let phase = Barrier::open(&mem, "phase").unwrap();
    assert_eq!((phase.generation(), phase.arrived()), (2 * GENERATIONS, 0));
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_latch_opens_for_every_waiter_after_the_last_count_down() {
    let (mem, c) = segment("sync_latch", 1 << 16);
    let latch = Latch::create(&mem, "ready", 3).unwrap();
    let waiters: Vec<_> = (0..2)
        .map(|_| {
            let name = c.0.clone();
            thread::spawn(move || {
                let latch = Latch::open(&Memory::open(&name).unwrap(), "ready").unwrap();
                latch.wait_timeout(DEADLINE).unwrap();
                latch.count()
            })
        })
        .collect();
    for _ in 0..3 {
        thread::sleep(Duration::from_millis(2));
        latch.count_down(1);
    }
    for w in waiters {
        assert_eq!(w.join().unwrap(), 0);
    }
    latch.wait();
}

#[test]
#[cfg_attr(miri, ignore)]
fn once_runs_one_function_among_threads_and_the_others_see_its_work() {
    let (mem, c) = segment("sync_once", 1 << 16);
    Once::create(&mem, "init").unwrap();
    Array::<u64>::create(&mem, "table", 64).unwrap();
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let name = c.0.clone();
            thread::spawn(move || {
                let mem = Memory::open(&name).unwrap();
                let init = Once::open(&mem, "init").unwrap();
                let table = Array::<u64>::open(&mem, "table").unwrap();
                let ran = init
                    .call_once_timeout(
                        || {
                            for i in 0..64 {
                                table.set(i, i as u64 + 1).unwrap();
                            }
                        },
                        DEADLINE,
                    )
                    .unwrap();
                assert_eq!(table.to_vec(), (1..=64).collect::<Vec<u64>>());
                ran
            })
        })
        .collect();
    let ran = threads
        .into_iter()
        .map(|t| t.join().unwrap())
        .filter(|&ran| ran)
        .count();
    assert_eq!(ran, 1);
}

#[test]
#[cfg_attr(miri, ignore)]
fn opening_an_entry_of_another_size_names_it_and_the_kind() {
    let (mem, _c) = segment("sync_sizes", 1 << 16);
    Array::<u32>::create(&mem, "a24", 4).unwrap(); // 24 bytes
    Array::<u8>::create(&mem, "a16", 8).unwrap(); // 16 bytes
    let errors = [
        Semaphore::open(&mem, "a24").unwrap_err(),
        Mutex::open(&mem, "a24").unwrap_err(),
        Latch::open(&mem, "a24").unwrap_err(),
        Barrier::open(&mem, "a24").unwrap_err(),
        Once::open(&mem, "a16").unwrap_err(),
    ];
    for (err, kind) in
        errors
            .iter()
            .zip(["semaphore", "semaphore", "latch", "barrier", "once flag"])
    {
        assert!(
            is_corrupt(err, if kind == "once flag" { "a16" } else { "a24" }, kind),
            "{err}"
        );
    }
    assert!(matches!(
        Semaphore::open(&mem, "missing"),
        Err(Error::NotFound { .. })
    ));
}

#[test]
#[cfg_attr(miri, ignore)]
fn opening_checks_the_counts_someone_else_wrote() {
    let (mem, c) = segment("sync_counts", 1 << 16);
    Semaphore::create(&mem, "sem", 0, 0).unwrap();
    Latch::create(&mem, "latch", 0).unwrap();
    Barrier::create(&mem, "barrier", 1).unwrap();
    Once::create(&mem, "once").unwrap();
    let (sem, latch, barrier, once) = (
        offset_of(&mem, "sem"),
        offset_of(&mem, "latch"),
        offset_of(&mem, "barrier"),
        offset_of(&mem, "once"),
    );
    // (entry, its offset, words written, what the error says; None: opens)
    let cases: &[(&str, u64, &[i32], Option<&str>)] = &[
        ("sem", sem, &[3, 0, 10, 0], None),
        ("sem", sem, &[0, 0, 0, 0], None),
        (
            "sem",
            sem,
            &[11, 0, 10, 0],
            Some("count 11 is not from 0 to its max_count 10"),
        ),
        (
            "sem",
            sem,
            &[-1, 0, 0, 0],
            Some("count -1 is not 0 or more"),
        ),
        ("sem", sem, &[0, 0, -1, 0], Some("max_count -1 is negative")),
        ("latch", latch, &[4, 4, 0, 0], None),
        (
            "latch",
            latch,
            &[5, 4, 0, 0],
            Some("count 5 is not from 0 to its initial_count 4"),
        ),
        ("latch", latch, &[-1, 4, 0, 0], Some("count -1")),
        (
            "latch",
            latch,
            &[0, -4, 0, 0],
            Some("initial_count -4 is negative"),
        ),
        ("barrier", barrier, &[0, 7, 2, 0], None),
        ("barrier", barrier, &[2, 7, 2, 0], None),
        (
            "barrier",
            barrier,
            &[3, 0, 2, 0],
            Some("arrived 3 is not from 0"),
        ),
        ("barrier", barrier, &[-1, 0, 2, 0], Some("arrived -1")),
        (
            "barrier",
            barrier,
            &[0, 0, 0, 0],
            Some("num_participants 0 is not 1 or more"),
        ),
        ("once", once, &[2], None),
        ("once", once, &[3], Some("once state 3")),
    ];
    for &(entry, offset, words, expected) in cases {
        poke(&c.0, offset, words);
        let result = match entry {
            "sem" => Semaphore::open(&mem, entry).map(drop),
            "latch" => Latch::open(&mem, entry).map(drop),
            "barrier" => Barrier::open(&mem, entry).map(drop),
            _ => Once::open(&mem, entry).map(drop),
        };
        match (result, expected) {
            (Ok(()), None) => {}
            (Err(e), Some(text)) => assert!(is_corrupt(&e, entry, text), "{words:?}: {e}"),
            (r, _) => panic!("{entry} {words:?}: {r:?}, expected {expected:?}"),
        }
    }
    // A mutex is a semaphore of maximum 1.
    poke(&c.0, sem, &[1, 0, 1, 0]);
    assert!(Mutex::open(&mem, "sem").is_ok());
    poke(&c.0, sem, &[0, 0, 0, 0]);
    assert!(is_corrupt(
        &Mutex::open(&mem, "sem").unwrap_err(),
        "sem",
        "max_count 1"
    ));
}

#[test]
#[cfg_attr(miri, ignore)]
fn words_changed_after_open_never_panic_or_hang() {
    const VALUES: [i32; 5] = [i32::MIN, -1, 0, 1, i32::MAX];
    let (mem, c) = segment("sync_hostile", 1 << 16);
    let sem = Semaphore::create(&mem, "sem", 0, 0).unwrap();
    let bounded = Semaphore::create(&mem, "bounded", 1, 2).unwrap();
    let latch = Latch::create(&mem, "latch", 2).unwrap();
    let once = Once::create(&mem, "once").unwrap();
    let short = Duration::from_millis(1);
    for count in VALUES {
        for waiting in VALUES {
            for s in [&sem, &bounded] {
                poke(&c.0, offset_of(&mem, s.name()), &[count, waiting]);
                let _ = s.try_wait();
                let _ = s.wait_timeout(short);
                let _ = s.post();
                let _ = (s.count(), s.waiting());
            }
        }
        poke(&c.0, offset_of(&mem, "latch"), &[count]);
        let _ = latch.try_wait();
        let _ = latch.wait_timeout(short);
        latch.count_down(1);
        latch.count_down(u32::MAX);
        assert!(
            latch.try_wait(),
            "a count-down of everything opens any latch"
        );
    }
    for state in [3u32, u32::MAX] {
        poke(&c.0, offset_of(&mem, "once"), &[state as i32]);
        assert!(matches!(
            once.call_once(|| unreachable!()),
            Err(Error::Corrupt { .. })
        ));
        assert!(matches!(
            once.wait_timeout(short),
            Err(Error::Corrupt { .. })
        ));
    }
    // A barrier whose count someone pushed past its participants opens at the next arrival.
    let barrier = Barrier::create(&mem, "barrier", 2).unwrap();
    poke(&c.0, offset_of(&mem, "barrier"), &[i32::MAX - 1]);
    assert!(barrier.wait_timeout(short).unwrap());
    assert_eq!(barrier.arrived(), 0);
    poke(&c.0, offset_of(&mem, "barrier"), &[5]);
    assert!(barrier.wait_timeout(short).unwrap());
}

#[test]
#[cfg_attr(miri, ignore)]
fn creating_refuses_a_taken_name_and_leaves_the_segment_unchanged() {
    let (mem, _c) = segment("sync_create", 1 << 16);
    Semaphore::create(&mem, "s", 1, 0).unwrap();
    let used = mem.used().unwrap();
    for err in [
        Latch::create(&mem, "s", 1).map(drop).unwrap_err(),
        Barrier::create(&mem, "s", 1).map(drop).unwrap_err(),
        Once::create(&mem, "s").map(drop).unwrap_err(),
        Mutex::create(&mem, "s").map(drop).unwrap_err(),
    ] {
        assert!(matches!(err, Error::AlreadyExists { .. }), "{err}");
    }
    assert_eq!(mem.used().unwrap(), used);
    let once = Once::create(&mem, "o").unwrap();
    assert_eq!(mem.find("o").unwrap().size(), layout::ONCE_SIZE as u64);
    assert!(!once.is_completed());
}
