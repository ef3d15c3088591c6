//! The whole golden scenario of `../shared/vectors/README.md`: the synchronisation entries of
//! the reference images read with their documented values, and every structure of the
//! scenario written by this crate into a fresh segment, equal to the images byte for byte.

#![cfg(not(loom))]
// The scenario's values are exact in binary floating point.
#![allow(clippy::cast_precision_loss, clippy::float_cmp)]

mod common;

use bytemuck::{Pod, Zeroable};
use common::{golden, raw_segment, segment, shm_path, GOLDEN_FILES};
use zeroipc::{Array, Barrier, Latch, Memory, Mutex, Queue, Semaphore, Stack};

/// The scenario's record type: `int32 id`, `float32 x`, `float64 y`, 16 bytes, no padding.
#[derive(Clone, Copy, Debug, PartialEq, Pod, Zeroable)]
#[repr(C)]
struct Record {
    id: i32,
    x: f32,
    y: f64,
}

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

/// Writes the scenario, in its order, into `mem`.
fn write_scenario(mem: &Memory) {
    let sensors = Array::<f32>::create(mem, "sensor_data", 1000).unwrap();
    for i in 0..1000 {
        sensors.set(i, i as f32 * 0.5).unwrap();
    }
    let counters = Array::<u64>::create(mem, "counters", 16).unwrap();
    for i in 0..16u64 {
        counters.set(i as usize, i * i + 7).unwrap();
    }
    let records = Array::<Record>::create(mem, "records", 10).unwrap();
    for i in 0..10 {
        let r = Record {
            id: i as i32,
            x: i as f32 * 1.5,
            y: i as f64 * 0.25,
        };
        records.set(i, r).unwrap();
    }
    let events = Queue::<i32>::create(mem, "events", 100).unwrap();
    for v in 1..=50 {
        events.push(v).unwrap();
    }
    for expected in 1..=10 {
        assert_eq!(events.pop(), Some(expected));
    }
    let stack = Stack::<f64>::create(mem, "stack", 64).unwrap();
    for v in 1..=20 {
        stack.push(f64::from(v)).unwrap();
    }
    Semaphore::create(mem, "sem", 3, 10).unwrap();
    Latch::create(mem, "latch", 4).unwrap();
    Barrier::create(mem, "barrier", 2).unwrap();
}

#[test]
#[cfg_attr(miri, ignore)]
fn writing_the_whole_scenario_gives_the_reference_image_byte_for_byte() {
    let reference = golden(GOLDEN_FILES[0]);
    let (mem, cleanup) = segment("vecfull_write", 1 << 20);
    write_scenario(&mem);
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
