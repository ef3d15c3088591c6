//! The whole golden scenario of `tests/vectors/README.md`: the synchronisation entries of
//! the reference images read with their documented values, and every structure of the
//! scenario written by this crate into a fresh segment, equal to the images byte for byte.

#![cfg(not(loom))]

mod common;

use common::{golden, raw_segment, scenario, segment, shm_path, GOLDEN_FILES};
use zeroipc::{Barrier, Latch, Memory, Mutex, Semaphore};

#[test]
#[cfg_attr(miri, ignore)]
fn reference_sync_entries_open_with_the_scenario_values() {
    for file in GOLDEN_FILES {
        let (name, _cleanup) = raw_segment("vecfull_sync", &golden(file));
        let mem = Memory::open(&name).unwrap();

        let sem = Semaphore::open(&mem, "sem").unwrap();
        assert_eq!(
            (sem.count(), sem.max_count(), sem.waiting()),
            (3, 10, 0),
            "{file}"
        );
        let latch = Latch::open(&mem, "latch").unwrap();
        assert_eq!((latch.count(), latch.initial_count()), (4, 4), "{file}");
        assert!(!latch.try_wait(), "{file}");
        let barrier = Barrier::open(&mem, "barrier").unwrap();
        assert_eq!(
            (
                barrier.participants(),
                barrier.arrived(),
                barrier.generation()
            ),
            (2, 0, 0),
            "{file}"
        );
        // A semaphore of maximum 10 is not a mutex.
        assert!(Mutex::open(&mem, "sem").is_err(), "{file}");

        // They work: three permits, then none; the seven posts up to the maximum, then no more.
        for _ in 0..3 {
            assert!(sem.try_wait(), "{file}");
        }
        assert!(!sem.try_wait(), "{file}");
        for _ in 0..10 {
            sem.post().unwrap();
        }
        assert!(sem.post().is_err(), "{file}");
        latch.count_down(4);
        assert!(latch.try_wait(), "{file}");
    }
}

#[test]
#[cfg_attr(miri, ignore)]
fn writing_the_whole_scenario_gives_the_reference_image_byte_for_byte() {
    let reference = golden(GOLDEN_FILES[0]);
    let (mem, cleanup) = segment("vecfull_write", 1 << 20);
    scenario::write_arrays(&mem);
    scenario::write_queue_and_stack(&mem);
    scenario::write_sync(&mem);
    let written = std::fs::read(shm_path(&cleanup.0)).unwrap();
    assert_eq!(written.len(), 1 << 20);
    assert_eq!(written.len(), reference.len());
    if let Some(at) = written.iter().zip(&reference).position(|(a, b)| a != b) {
        panic!(
            "first difference at byte {at} ({at:#x}): wrote {:#04x}, the reference has {:#04x}",
            written[at], reference[at]
        );
    }
}
