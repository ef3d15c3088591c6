//! `#[zeroipc::segment]` against real segments: the declared layout is the dynamic API's
//! layout byte for byte, it opens the reference images of the other implementations, and
//! `open` names the field whose entry is missing or differs.

#![cfg(not(loom))]
// The scenario's values are small integers and their halves and quarters: exact in `f32` and
// `f64`, so the casts lose nothing and exact comparison is the point.
#![allow(clippy::cast_precision_loss, clippy::float_cmp)]

mod common;

use bytemuck::{Pod, Zeroable};
use std::time::Duration;

use common::{
    child_role, golden, raw_segment, shm_path, spawn_child, unique_name, Children, Cleanup,
    GOLDEN_FILES,
};
use zeroipc::layout;
use zeroipc::{Array, Barrier, Error, Latch, Memory, Queue, SegmentOptions, Semaphore, Stack};

/// The declaration of the issue.
#[zeroipc::segment]
pub struct Plant {
    #[zeroipc(len = 1000, name = "sensor_data")]
    pub temps: Array<f32>,
    #[zeroipc(len = 16)]
    pub counters: Array<u64>,
    #[zeroipc(capacity = 128)]
    pub events: Queue<i32>,
    #[zeroipc(capacity = 64)]
    pub stack: Stack<f64>,
}

/// A record of the golden scenario: 16 bytes, no padding.
#[derive(Clone, Copy, Debug, PartialEq, Pod, Zeroable)]
#[repr(C)]
pub struct Record {
    pub id: i32,
    pub x: f32,
    pub y: f64,
}

/// The structures of the golden scenario (`tests/vectors/README.md`), in the scenario's
/// order.
#[zeroipc::segment]
pub struct Golden {
    #[zeroipc(len = 1000, name = "sensor_data")]
    pub sensors: Array<f32>,
    #[zeroipc(len = 16)]
    pub counters: Array<u64>,
    #[zeroipc(len = 10)]
    pub records: Array<Record>,
    #[zeroipc(capacity = 128)]
    pub events: Queue<i32>,
    #[zeroipc(capacity = 64)]
    pub stack: Stack<f64>,
    #[zeroipc(count = 3, max = 10)]
    pub sem: Semaphore,
    #[zeroipc(count = 4)]
    pub latch: Latch,
    #[zeroipc(participants = 2)]
    pub barrier: Barrier,
}

/// Writes the golden scenario's values into the declared structures.
fn write_scenario(g: &Golden) {
    for i in 0..1000 {
        g.sensors.set(i, i as f32 * 0.5).unwrap();
    }
    for i in 0..16u64 {
        g.counters.set(i as usize, i * i + 7).unwrap();
    }
    for i in 0..10 {
        let record = Record {
            id: i as i32,
            x: i as f32 * 1.5,
            y: i as f64 * 0.25,
        };
        g.records.set(i, record).unwrap();
    }
    for v in 1..=50 {
        g.events.push(v).unwrap();
    }
    for expected in 1..=10 {
        assert_eq!(g.events.pop(), Some(expected));
    }
    for v in 1..=20 {
        g.stack.push(f64::from(v)).unwrap();
    }
}

/// Checks the golden scenario's values (and consumes the queue and the stack).
fn check_scenario(g: &Golden) {
    for i in 0..1000 {
        assert_eq!(g.sensors.get(i).unwrap(), i as f32 * 0.5);
    }
    for i in 0..16u64 {
        assert_eq!(g.counters.get(i as usize).unwrap(), i * i + 7);
    }
    for i in 0..10 {
        let r = g.records.get(i).unwrap();
        assert_eq!(
            r,
            Record {
                id: i as i32,
                x: i as f32 * 1.5,
                y: i as f64 * 0.25
            }
        );
    }
    assert_eq!(g.events.capacity(), 128);
    let queued: Vec<i32> = std::iter::from_fn(|| g.events.pop()).collect();
    assert_eq!(queued, (11..=50).collect::<Vec<_>>());
    assert_eq!(g.stack.capacity(), 64);
    let stacked: Vec<f64> = std::iter::from_fn(|| g.stack.pop()).collect();
    assert_eq!(stacked, (1..=20).rev().map(f64::from).collect::<Vec<_>>());
    assert_eq!((g.sem.count(), g.sem.max_count()), (3, 10));
    assert_eq!((g.latch.count(), g.latch.initial_count()), (4, 4));
    assert_eq!((g.barrier.participants(), g.barrier.arrived()), (2, 0));
}

#[test]
#[cfg_attr(miri, ignore)]
fn declared_layout_is_the_golden_table() {
    let offsets: Vec<usize> = Golden::ENTRIES.iter().map(|e| e.offset).collect();
    let sizes: Vec<usize> = Golden::ENTRIES.iter().map(|e| e.size).collect();
    assert_eq!(offsets, [3104, 7112, 7248, 7416, 8456, 9240, 9256, 9272]);
    assert_eq!(sizes, [4008, 136, 168, 1040, 784, 16, 16, 16]);
    // Then the schema entry, 8-aligned after the last declared one.
    let name = unique_name("segment_golden_layout");
    let _cleanup = Cleanup(name.clone());
    let g = Golden::create(&name).unwrap();
    let schema = g.memory().find(zeroipc::schema::ENTRY_NAME).unwrap();
    assert_eq!(schema.offset(), 9288);
    assert_eq!(schema.end(), Golden::SIZE as u64);
    assert_eq!(Golden::MAX_ENTRIES, 64);
    assert_eq!(Golden::ENTRIES[0].field, "sensors");
    assert_eq!(Golden::ENTRIES[0].name, "sensor_data");
}

#[test]
#[cfg_attr(miri, ignore)]
fn declared_segment_opens_both_golden_images_and_reads_the_scenario() {
    for file in GOLDEN_FILES {
        let (name, _cleanup) = raw_segment("segment_golden", &golden(file));
        let g = Golden::open(&name).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(g.memory().entries().unwrap().len(), 8);
        check_scenario(&g);
    }
}

#[test]
#[cfg_attr(miri, ignore)]
fn declared_segment_writes_the_golden_bytes() {
    let name = unique_name("segment_golden_write");
    let _cleanup = Cleanup(name.clone());
    // The scenario's segment is 1 MiB: the declared entries, then free space.
    let options = SegmentOptions::new().extra_space((1 << 20) - Golden::SIZE);
    let g = Golden::create_with(&name, &options).unwrap();
    write_scenario(&g);
    let ours = without_schema(&std::fs::read(shm_path(&name)).unwrap());
    let reference = golden(GOLDEN_FILES[0]);
    assert_eq!(ours.len(), reference.len());
    if let Some(at) = ours.iter().zip(&reference).position(|(a, b)| a != b) {
        panic!(
            "first difference at byte {at}: wrote {:#04x}, the reference has {:#04x}",
            ours[at], reference[at]
        );
    }
}

/// The bytes of a declared segment as they would be without its schema entry (the last
/// entry): `entry_count` one less, its table slot and its bytes zero, `next_offset` at the
/// end of the entry before it. Everything else of a declared segment is the format's layout,
/// byte for byte.
fn without_schema(bytes: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    let word = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap());
    // The table header's `entry_count` (at 8) and `next_offset` (at 24); an entry's
    // `offset` and `size` at 32 and 40 of its slot.
    let count = u32::from_le_bytes(bytes[8..12].try_into().unwrap());
    let slot = layout::table_entry_offset(count - 1);
    assert!(bytes[slot..].starts_with(zeroipc::schema::ENTRY_NAME.as_bytes()));
    let (offset, size) = (word(slot + 32) as usize, word(slot + 40) as usize);
    let previous = layout::table_entry_offset(count - 2);
    let previous_end = word(previous + 32) + word(previous + 40);
    out[8..12].copy_from_slice(&(count - 1).to_le_bytes());
    out[24..32].copy_from_slice(&previous_end.to_le_bytes());
    out[slot..slot + layout::TABLE_ENTRY_SIZE].fill(0);
    out[offset..offset + size].fill(0);
    out
}

/// Builds the entries of `Plant` with the dynamic API, in field order.
fn plant_by_hand(name: &str, size: usize) -> Memory {
    let mem = Memory::create(name, size).unwrap();
    Array::<f32>::create(&mem, "sensor_data", 1000).unwrap();
    Array::<u64>::create(&mem, "counters", 16).unwrap();
    Queue::<i32>::create(&mem, "events", 128).unwrap();
    Stack::<f64>::create(&mem, "stack", 64).unwrap();
    mem
}

#[test]
#[cfg_attr(miri, ignore)]
fn declared_segment_is_byte_identical_to_the_dynamic_one() {
    let declared = unique_name("segment_declared");
    let dynamic = unique_name("segment_dynamic");
    let _cleanup = (Cleanup(declared.clone()), Cleanup(dynamic.clone()));
    let plant = Plant::create(&declared).unwrap();
    let mem = plant_by_hand(&dynamic, Plant::SIZE);

    plant.temps.set(3, 1.5).unwrap();
    plant.counters.set(15, 99).unwrap();
    plant.events.push(-7).unwrap();
    plant.stack.push(2.5).unwrap();
    Array::<f32>::open(&mem, "sensor_data")
        .unwrap()
        .set(3, 1.5)
        .unwrap();
    Array::<u64>::open(&mem, "counters")
        .unwrap()
        .set(15, 99)
        .unwrap();
    Queue::<i32>::open(&mem, "events")
        .unwrap()
        .push(-7)
        .unwrap();
    Stack::<f64>::open(&mem, "stack")
        .unwrap()
        .push(2.5)
        .unwrap();

    let a = without_schema(&std::fs::read(shm_path(&declared)).unwrap());
    let b = std::fs::read(shm_path(&dynamic)).unwrap();
    assert_eq!(a.len(), Plant::SIZE);
    assert!(a == b, "the declared and the dynamic segment differ");

    let entries: Vec<(String, u64, u64)> = mem
        .entries()
        .unwrap()
        .map(|e| (e.name().to_owned(), e.offset(), e.size()))
        .collect();
    let declared_entries: Vec<(String, u64, u64)> = Plant::ENTRIES
        .iter()
        .map(|e| (e.name.to_owned(), e.offset as u64, e.size as u64))
        .collect();
    assert_eq!(entries, declared_entries);
}

#[test]
#[cfg_attr(miri, ignore)]
fn declared_segment_reads_the_same_through_the_dynamic_api() {
    let name = unique_name("segment_dynamic_read");
    let _cleanup = Cleanup(name.clone());
    let plant = Plant::create(&name).unwrap();
    for i in 0..1000 {
        plant.temps.set(i, i as f32 * 0.25).unwrap();
    }
    plant.counters.copy_from_slice(0, &[5; 16]).unwrap();
    for v in [3, 1, 4] {
        plant.events.push(v).unwrap();
    }
    plant.stack.push(6.5).unwrap();

    let mem = Memory::open(&name).unwrap();
    let temps = Array::<f32>::open(&mem, "sensor_data").unwrap();
    assert_eq!(temps.to_vec(), plant.temps.to_vec());
    assert_eq!(temps.get(999).unwrap(), 249.75);
    assert_eq!(
        Array::<u64>::open(&mem, "counters").unwrap().to_vec(),
        [5; 16]
    );
    let events = Queue::<i32>::open(&mem, "events").unwrap();
    assert_eq!(
        std::iter::from_fn(|| events.pop()).collect::<Vec<_>>(),
        [3, 1, 4]
    );
    assert_eq!(Stack::<f64>::open(&mem, "stack").unwrap().pop(), Some(6.5));

    // And the other way: a second declared handle sees what the dynamic one wrote.
    temps.set(0, -1.0).unwrap();
    let again = Plant::open(&name).unwrap();
    assert_eq!(again.temps.get(0).unwrap(), -1.0);
    assert!(again.events.pop().is_none());
}

#[test]
#[cfg_attr(miri, ignore)]
fn opening_a_segment_without_an_entry_names_the_field() {
    let name = unique_name("segment_missing");
    let _cleanup = Cleanup(name.clone());
    let mem = Memory::create(&name, 1 << 16).unwrap();
    Array::<f32>::create(&mem, "sensor_data", 1000).unwrap();
    Array::<u64>::create(&mem, "counters", 16).unwrap();
    let err = Plant::open(&name).err().expect("an entry is missing");
    match &err {
        Error::Field { field, source } => {
            assert_eq!(*field, "events");
            assert!(matches!(**source, Error::NotFound { ref name } if name == "events"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(err.to_string(), "field `events`: \"events\" does not exist");
}

#[test]
#[cfg_attr(miri, ignore)]
fn opening_an_entry_of_another_size_names_the_field_and_both_sizes() {
    let name = unique_name("segment_resized");
    let _cleanup = Cleanup(name.clone());
    let mem = Memory::create(&name, 1 << 16).unwrap();
    Array::<f32>::create(&mem, "sensor_data", 1000).unwrap();
    Array::<u64>::create(&mem, "counters", 8).unwrap();
    let err = Plant::open(&name).err().expect("counters has 8 elements");
    assert_eq!(
        err.to_string(),
        "field `counters`: entry \"counters\" has len 16 in the declaration but 8 in the segment"
    );
    assert!(matches!(
        err,
        Error::Field {
            field: "counters",
            ref source,
        } if matches!(**source, Error::DeclarationMismatch { what: "len", expected: 16, found: 8, .. })
    ));
}

#[test]
#[cfg_attr(miri, ignore)]
fn opening_a_queue_of_another_capacity_names_the_field() {
    let name = unique_name("segment_queue_capacity");
    let _cleanup = Cleanup(name.clone());
    let mem = Memory::create(&name, 1 << 16).unwrap();
    Array::<f32>::create(&mem, "sensor_data", 1000).unwrap();
    Array::<u64>::create(&mem, "counters", 16).unwrap();
    Queue::<i32>::create(&mem, "events", 64).unwrap();
    Stack::<f64>::create(&mem, "stack", 64).unwrap();
    let err = Plant::open(&name).err().expect("events holds 64 slots");
    assert_eq!(
        err.to_string(),
        "field `events`: entry \"events\" has capacity 128 in the declaration but 64 in the segment"
    );
}

#[test]
#[cfg_attr(miri, ignore)]
fn opening_an_entry_of_another_element_type_names_the_field() {
    let name = unique_name("segment_element");
    let _cleanup = Cleanup(name.clone());
    let mem = Memory::create(&name, 1 << 16).unwrap();
    // Same byte size as 1000 f32s, but 500 u64s: the element size differs.
    Array::<u64>::create(&mem, "sensor_data", 500).unwrap();
    let err = Plant::open(&name).err().expect("sensor_data holds u64s");
    assert!(
        matches!(err, Error::Field { field: "temps", ref source } if matches!(**source, Error::ElementSizeMismatch { expected: 4, found: 8, .. })),
        "{err:?}"
    );
}

#[test]
#[cfg_attr(miri, ignore)]
fn opening_a_segment_with_extra_entries_succeeds() {
    let name = unique_name("segment_extra");
    let _cleanup = Cleanup(name.clone());
    let mem = Memory::create(&name, 1 << 16).unwrap();
    Array::<u8>::create(&mem, "before", 3).unwrap();
    let _ = plant_entries(&mem);
    Array::<u8>::create(&mem, "after", 3).unwrap();
    let plant = Plant::open(&name).unwrap();
    assert_eq!(plant.temps.len(), 1000);
    assert_eq!(plant.memory().entries().unwrap().len(), 6);
}

fn plant_entries(mem: &Memory) -> (Array<f32>, Array<u64>, Queue<i32>, Stack<f64>) {
    (
        Array::create(mem, "sensor_data", 1000).unwrap(),
        Array::create(mem, "counters", 16).unwrap(),
        Queue::create(mem, "events", 128).unwrap(),
        Stack::create(mem, "stack", 64).unwrap(),
    )
}

#[test]
#[cfg_attr(miri, ignore)]
fn create_never_replaces_a_segment_unless_asked() {
    let name = unique_name("segment_exists");
    let _cleanup = Cleanup(name.clone());
    let first = Plant::create(&name).unwrap();
    first.counters.set(0, 42).unwrap();
    assert!(matches!(
        Plant::create(&name),
        Err(Error::AlreadyExists { .. })
    ));
    assert_eq!(Plant::open(&name).unwrap().counters.get(0).unwrap(), 42);

    let replaced = Plant::create_with(&name, &SegmentOptions::new().replace(true)).unwrap();
    assert_eq!(replaced.counters.get(0).unwrap(), 0);
}

#[test]
#[cfg_attr(miri, ignore)]
fn options_set_mode_and_extra_space() {
    use std::os::unix::fs::PermissionsExt;
    let name = unique_name("segment_options");
    let _cleanup = Cleanup(name.clone());
    let options = SegmentOptions::new().mode(0o640).extra_space(1024);
    let plant = Plant::create_with(&name, &options).unwrap();
    assert_eq!(plant.memory().size(), (Plant::SIZE + 1024) as u64);
    let mode = std::fs::metadata(shm_path(&name))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o640);
    // The extra space takes entries added with the dynamic API.
    Array::<u8>::create(plant.memory(), "notes", 512).unwrap();
    assert!(Plant::open(&name).is_ok());
}

#[test]
#[cfg_attr(miri, ignore)]
fn opening_a_missing_segment_is_not_found() {
    let name = unique_name("segment_absent");
    assert!(matches!(Plant::open(&name), Err(Error::NotFound { .. })));
}

/// Names the segment a child process opens.
const SEGMENT: &str = "ZEROIPC_TEST_SEGMENT";

#[test]
#[cfg_attr(miri, ignore)]
fn a_child_process_shares_a_declared_segment() {
    if child_role().is_some() {
        // The child: open by declaration, read the array, drain the queue, answer on the
        // stack.
        let plant = Plant::open(&std::env::var(SEGMENT).unwrap()).unwrap();
        for i in 0..1000 {
            assert_eq!(plant.temps.get(i).unwrap(), i as f32);
        }
        let mut total = 0.0;
        loop {
            let event = plant.events.pop_timeout(Duration::from_secs(30)).unwrap();
            if event < 0 {
                break;
            }
            total += f64::from(event);
        }
        plant.stack.push(total).unwrap();
        return;
    }
    let name = unique_name("segment_child");
    let _cleanup = Cleanup(name.clone());
    let plant = Plant::create(&name).unwrap();
    for i in 0..1000 {
        plant.temps.set(i, i as f32).unwrap();
    }
    let mut children = Children(vec![spawn_child(
        "a_child_process_shares_a_declared_segment",
        "consumer",
        &[(SEGMENT, name.clone())],
    )]);
    // More events than the queue holds: the two processes take turns through it.
    for event in 1..=1000 {
        plant
            .events
            .push_timeout(event, Duration::from_secs(30))
            .unwrap();
    }
    plant
        .events
        .push_timeout(-1, Duration::from_secs(30))
        .unwrap();
    assert!(
        children.wait_all(Duration::from_secs(60)),
        "the child failed"
    );
    assert_eq!(plant.stack.pop(), Some(500_500.0));
}

/// Every synchronisation primitive as a declared field.
#[zeroipc::segment]
pub struct Coordination {
    #[zeroipc(count = 2, max = 2)]
    pub slots: Semaphore,
    pub lock: zeroipc::Mutex,
    #[zeroipc(count = 3)]
    pub ready: Latch,
    #[zeroipc(participants = 1)]
    pub phase: Barrier,
    #[zeroipc(name = "init")]
    pub once: zeroipc::Once,
}

#[test]
#[cfg_attr(miri, ignore)]
fn declared_sync_fields_are_created_with_their_keys_and_opened_against_them() {
    let name = unique_name("segment_sync");
    let _cleanup = Cleanup(name.clone());
    let c = Coordination::create(&name).unwrap();
    assert_eq!((c.slots.count(), c.slots.max_count()), (2, 2));
    assert!(!c.lock.is_locked());
    assert_eq!(c.ready.count(), 3);
    assert_eq!(c.phase.participants(), 1);
    assert!(c.once.call_once(|| {}).unwrap());

    let other = Coordination::open(&name).unwrap();
    let _guard = other.lock.try_lock().unwrap();
    assert!(c.lock.is_locked());
    assert!(other.once.is_completed());
    assert!(other.phase.wait());
    assert_eq!(c.phase.generation(), 1);

    // The same names with other parameters: the error names the field and the key.
    let other_name = unique_name("segment_sync_other");
    let _cleanup_other = Cleanup(other_name.clone());
    let mem = Memory::create(&other_name, 1 << 16).unwrap();
    Semaphore::create(&mem, "slots", 2, 3).unwrap();
    let err = Coordination::open(&other_name).err().unwrap();
    assert_eq!(
        err.to_string(),
        "field `slots`: entry \"slots\" has max 2 in the declaration but 3 in the segment"
    );
}
