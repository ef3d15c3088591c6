//! Maps, sets, pools and rings whose bytes a peer broke: every rule of their `open` broken on
//! purpose, and states, links and positions scribbled after open, each an error (or, for a
//! ring, nothing moved), never a panic or a hang.

mod common;

use std::time::{Duration, Instant};

use common::{raw_segment, segment, shm_path};
use zeroipc::{Error, Map, Memory, Pool, PoolIndex, Ring, Set};

/// A segment with one structure made by `make`, its bytes changed by `break_it` (given the
/// image and the structure's offset), reopened.
fn broken(
    make: impl FnOnce(&Memory),
    break_it: impl FnOnce(&mut Vec<u8>, usize),
) -> (String, common::Cleanup, common::Cleanup) {
    let (mem, clean) = segment("hostile_ext", 1 << 16);
    make(&mem);
    let offset = mem.entries().unwrap().next().unwrap().offset() as usize;
    let mut bytes = std::fs::read(shm_path(&clean.0)).unwrap();
    break_it(&mut bytes, offset);
    let (name, clean2) = raw_segment("hostile_ext_copy", &bytes);
    (name, clean, clean2)
}

fn put_u32(bytes: &mut [u8], at: usize, v: u32) {
    bytes[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

/// Each `(field, value, what)` of `cases`: the structure `make` adds, with the `u32` at byte
/// `field` of it set to `value`, fails `open` with an error whose text or form names `what`.
fn refused_at_open(
    make: impl Fn(&Memory),
    cases: &[(usize, u32, &str)],
    open: impl Fn(&Memory) -> zeroipc::Result<()>,
) {
    for &(field, value, what) in cases {
        let (name, _a, _b) = broken(&make, |b, at| put_u32(b, at + field, value));
        let mem = Memory::open(&name).unwrap();
        let e = open(&mem).unwrap_err();
        let said = format!("{e:?} {e}");
        assert!(said.contains(what), "field {field} = {value}: {said}");
    }
}

fn corrupt_says(e: Error, what: &str) {
    match e {
        Error::Corrupt { what: w, .. } => assert!(w.contains(what), "{w}"),
        other => panic!("expected a corrupt error about {what:?}, got {other:?}"),
    }
}

fn map(mem: &Memory) {
    let m = Map::<u32, u32>::create(mem, "x", 8).unwrap();
    m.insert(1, 10).unwrap();
}

#[test]
fn a_map_header_that_breaks_a_rule_is_refused_at_open() {
    let cases: [(usize, u32, &str); 5] = [
        (0, 9, "size 9 is above its capacity"),
        (4, 0, "capacity is 0"),
        (4, 9, "CapacityMismatch"),
        (8, 8, "ElementSizeMismatch"),
        (12, 2, "ElementSizeMismatch"),
    ];
    refused_at_open(map, &cases, |mem| {
        Map::<u32, u32>::open(mem, "x").map(|_| ())
    });
}

#[test]
fn a_slot_state_no_writer_leaves_is_an_error_for_every_call() {
    // Key 1's home is slot 1 (2654435761 mod 8).
    let (name, _a, _b) = broken(map, |b, at| put_u32(b, at + 16 + 12, 7));
    let mem = Memory::open(&name).unwrap();
    let m = Map::<u32, u32>::open(&mem, "x").unwrap();
    corrupt_says(m.get(&1).unwrap_err(), "state 7");
    corrupt_says(m.insert(1, 2).unwrap_err(), "state 7");
    corrupt_says(m.remove(&1).unwrap_err(), "state 7");
    corrupt_says(m.contains_key(&1).unwrap_err(), "state 7");
    assert_eq!(m.iter().count(), 0);
    let s = Set::<u32>::create(&mem, "s", 4).unwrap();
    assert!(s.insert(3).unwrap());
}

#[test]
fn a_slot_left_inserting_by_a_dead_peer_fails_the_timeout_calls_within_their_timeout() {
    let (name, _a, _b) = broken(map, |b, at| put_u32(b, at + 16 + 12, 3));
    let mem = Memory::open(&name).unwrap();
    let m = Map::<u32, u32>::open(&mem, "x").unwrap();
    let timeout = Duration::from_millis(50);
    let start = Instant::now();
    assert!(matches!(m.get_timeout(&1, timeout), Err(Error::Timeout)));
    assert!(matches!(
        m.insert_timeout(1, 5, timeout),
        Err(Error::Timeout)
    ));
    assert!(matches!(m.remove_timeout(&1, timeout), Err(Error::Timeout)));
    assert!(matches!(
        m.contains_key_timeout(&1, timeout),
        Err(Error::Timeout)
    ));
    // Generous: four calls of 50 ms each, on a busy machine.
    assert!(start.elapsed() < Duration::from_secs(10));
    // A key whose path does not cross the slot is unaffected (key 0's home is slot 0,
    // EMPTY).
    assert_eq!(m.insert_timeout(0, 5, timeout).unwrap(), None);
}

#[test]
fn a_full_map_is_an_error_and_leaves_the_map_as_it_was() {
    let (mem, _clean) = segment("full_map", 1 << 16);
    let m = Map::<u32, u32>::create(&mem, "m", 3).unwrap();
    for k in 0..3 {
        m.insert(k, k).unwrap();
    }
    assert!(matches!(m.insert(9, 9), Err(Error::Full { .. })));
    assert_eq!(m.len(), 3);
    assert_eq!(m.insert(2, 20).unwrap(), Some(2));
    assert_eq!(m.remove(&2).unwrap(), Some(20));
    // The tombstone keeps key 2: another key cannot use it, key 2 can.
    assert!(matches!(m.insert(9, 9), Err(Error::Full { .. })));
    assert_eq!(m.insert(2, 21).unwrap(), None);
}

#[test]
fn a_set_header_that_breaks_a_rule_is_refused_at_open() {
    let set = |mem: &Memory| {
        Set::<u64>::create(mem, "x", 8).unwrap().insert(5).unwrap();
    };
    let cases: [(usize, u32, &str); 4] = [
        (0, 9, "size 9 is above its capacity"),
        (4, 3, "CapacityMismatch"),
        (8, 4, "ElementSizeMismatch"),
        (12, 1, "ElementSizeMismatch"),
    ];
    refused_at_open(set, &cases, |mem| Set::<u64>::open(mem, "x").map(|_| ()));
}

fn pool(mem: &Memory) {
    let p = Pool::<u64>::create(mem, "x", 4).unwrap();
    let _ = p.allocate().unwrap();
}

#[test]
fn a_pool_header_that_breaks_a_rule_is_refused_at_open() {
    let cases: [(usize, u32, &str); 6] = [
        (0, 4, "free list starts at node 4"),
        (8, 5, "allocated count 5"),
        (12, 1, "padding word is 1"),
        (16, 0, "pool capacity 0"),
        (16, 5, "CapacityMismatch"),
        (20, 4, "ElementSizeMismatch"),
    ];
    refused_at_open(pool, &cases, |mem| Pool::<u64>::open(mem, "x").map(|_| ()));
}

#[test]
fn a_pool_link_past_the_capacity_is_an_error_and_changes_nothing() {
    // Node 1 (the head after one allocation) links to node 9.
    let (name, _a, _b) = broken(pool, |b, at| put_u32(b, at + 24 + 16 + 8, 9));
    let mem = Memory::open(&name).unwrap();
    let p = Pool::<u64>::open(&mem, "x").unwrap();
    let before = std::fs::read(shm_path(&name)).unwrap();
    corrupt_says(p.allocate().unwrap_err(), "links to node 9");
    assert_eq!(p.len(), 1);
    assert!(
        std::fs::read(shm_path(&name)).unwrap() == before,
        "the failed allocate changed the segment"
    );
}

#[test]
fn freeing_a_free_node_or_a_foreign_index_is_an_error() {
    let (mem, _clean) = segment("pool_free", 1 << 16);
    let p = Pool::<u32>::create(&mem, "p", 4).unwrap();
    let a = p.allocate().unwrap().unwrap();
    let raw = a.get();
    p.free(a).unwrap();
    corrupt_says(
        p.free(PoolIndex::from_raw(raw)).unwrap_err(),
        "free already",
    );
    assert!(matches!(
        p.free(PoolIndex::from_raw(4)),
        Err(Error::IndexOutOfBounds { index: 4, len: 4 })
    ));
    assert!(p.get(&PoolIndex::from_raw(7)).is_err());
    assert_eq!(p.len(), 0);
}

fn ring(mem: &Memory) {
    let r = Ring::<u32>::create(mem, "x", 8).unwrap();
    r.write(&[1, 2, 3]);
}

#[test]
fn a_ring_header_or_positions_that_break_a_rule_are_refused_at_open() {
    let cases: [(usize, u32, &str); 6] = [
        (16, 0, "not a whole, non-zero number"),
        (16, 30, "not a whole, non-zero number"),
        (16, 28, "CapacityMismatch"),
        (20, 8, "ElementSizeMismatch"),
        (0, 99, "break its rules"),
        (8, 99, "break its rules"),
    ];
    refused_at_open(ring, &cases, |mem| Ring::<u32>::open(mem, "x").map(|_| ()));
}

#[test]
fn ring_positions_scribbled_after_open_move_nothing() {
    let (name, _a, _b) = broken(ring, |_, _| {});
    let mem = Memory::open(&name).unwrap();
    let r = Ring::<u32>::open(&mem, "x").unwrap();
    let offset = mem.find("x").unwrap().offset() as usize;
    let path = shm_path(&name);
    let mut bytes = std::fs::read(&path).unwrap();
    // 2 bytes written: inside an element.
    bytes[offset..offset + 8].copy_from_slice(&14u64.to_le_bytes());
    std::fs::write(&path, &bytes).unwrap();
    assert!(r.check().is_err());
    assert_eq!(r.read(&mut [0; 4]), 0);
    assert_eq!(r.write(&[9]), 0);
    assert_eq!(r.len(), 0);
    assert!(std::fs::read(&path).unwrap() == bytes, "a position moved");
    // Read far behind write: more unread than the capacity.
    bytes[offset..offset + 8].copy_from_slice(&u64::MAX.to_le_bytes());
    std::fs::write(&path, &bytes).unwrap();
    assert_eq!(r.read(&mut [0; 4]), 0);
    assert_eq!(r.write(&[9]), 0);
    assert!(std::fs::read(&path).unwrap() == bytes, "a position moved");
}
