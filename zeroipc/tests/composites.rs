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
use zeroipc::{Array, Error, Event, Memory, Semaphore};

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
