//! The golden scenario of `tests/vectors/README.md`, written once for every test that
//! writes it or checks its values.

// The scenario's values are exact in binary floating point; indices are small.
#![allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]

use bytemuck::{Pod, Zeroable};
use zeroipc::{Array, Barrier, Latch, Memory, Queue, Semaphore, Stack};

/// The scenario's record type: `int32 id`, `float32 x`, `float64 y`, 16 bytes, no padding.
#[derive(Clone, Copy, Debug, PartialEq, Pod, Zeroable)]
#[repr(C)]
pub struct Record {
    pub id: i32,
    pub x: f32,
    pub y: f64,
}

/// `sensor_data[i]`.
pub fn sensor(i: usize) -> f32 {
    i as f32 * 0.5
}

/// `counters[i]`.
pub fn counter(i: usize) -> u64 {
    (i * i + 7) as u64
}

/// `records[i]`.
pub fn record(i: usize) -> Record {
    Record {
        id: i as i32,
        x: i as f32 * 1.5,
        y: i as f64 * 0.25,
    }
}

/// Steps 1-3: the three arrays.
pub fn write_arrays(mem: &Memory) {
    let sensors = Array::<f32>::create(mem, "sensor_data", 1000).unwrap();
    for i in 0..sensors.len() {
        sensors.set(i, sensor(i)).unwrap();
    }
    let counters = Array::<u64>::create(mem, "counters", 16).unwrap();
    for i in 0..counters.len() {
        counters.set(i, counter(i)).unwrap();
    }
    let records = Array::<Record>::create(mem, "records", 10).unwrap();
    for i in 0..records.len() {
        records.set(i, record(i)).unwrap();
    }
}

/// Steps 4-5: the queue (50 pushes, 10 pops) and the stack (20 pushes).
pub fn write_queue_and_stack(mem: &Memory) {
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
}

/// Steps 6-8: the semaphore, the latch and the barrier.
pub fn write_sync(mem: &Memory) {
    Semaphore::create(mem, "sem", 3, 10).unwrap();
    Latch::create(mem, "latch", 4).unwrap();
    Barrier::create(mem, "barrier", 2).unwrap();
}
