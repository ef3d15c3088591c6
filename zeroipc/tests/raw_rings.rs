//! `RawQueue` and `RawStack`: a queue and a stack whose element size is known at run time
//! (for bindings), over the same words and algorithms as `Queue<T>` and `Stack<T>`, so the
//! two kinds of handle mix on one structure.

mod common;

use std::time::Duration;

use std::fs::OpenOptions;
use std::os::unix::fs::FileExt;

use common::{segment, shm_path};
use zeroipc::{BusySince, Error, Queue, RawQueue, RawStack, Stack, StackFail};

/// Writes `value` at `offset` of the segment's file, as another process could.
fn write_u32(mem: &zeroipc::Memory, offset: usize, value: u32) {
    let file = OpenOptions::new()
        .write(true)
        .open(shm_path(mem.name()))
        .unwrap();
    file.write_all_at(&value.to_le_bytes(), offset as u64)
        .unwrap();
}

fn bytes_of(values: &[u64]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

#[test]
fn a_raw_queue_and_a_typed_queue_hand_elements_to_each_other_in_order() {
    let (mem, _guard) = segment("raw_queue_mix", 1 << 16);
    let raw = RawQueue::create(&mem, "q", 8, 8).unwrap();
    let typed = Queue::<u64>::open(&mem, "q").unwrap();
    assert_eq!((raw.capacity(), raw.elem_size()), (8, 8));

    // A run longer than the room: the longest prefix that fits, in one claim.
    assert_eq!(
        raw.push_bytes(&bytes_of(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10])),
        8
    );
    assert_eq!(raw.len(), 8);
    let mut out = [0u64; 3];
    assert_eq!(typed.pop_into(&mut out), 3);
    assert_eq!(out, [1, 2, 3]);

    typed.push_slice(&[11, 12]);
    let mut dst = vec![0u8; 8 * 16];
    assert_eq!(raw.pop_bytes(&mut dst), 7);
    let got: Vec<u64> = dst
        .chunks_exact(8)
        .take(7)
        .map(|c| u64::from_le_bytes(c.try_into().unwrap()))
        .collect();
    assert_eq!(got, [4, 5, 6, 7, 8, 11, 12]);
    assert_eq!(raw.pop_bytes(&mut dst), 0);
}

#[test]
fn elements_of_any_size_go_through_whole_and_past_the_wrap_of_the_slots() {
    let (mem, _guard) = segment("raw_queue_odd", 1 << 16);
    let raw = RawQueue::create(&mem, "q", 4, 13).unwrap();
    let reopened = RawQueue::open(&mem, "q").unwrap();
    assert_eq!(reopened.elem_size(), 13);
    let mut next = 0u8;
    let mut expect = 0u8;
    for _ in 0..10 {
        let src: Vec<u8> = (0..3 * 13)
            .map(|_| {
                next = next.wrapping_add(1);
                next
            })
            .collect();
        assert_eq!(raw.push_bytes(&src), 3);
        let mut dst = [0u8; 13 * 4];
        assert_eq!(reopened.pop_bytes(&mut dst), 3);
        for b in &dst[..3 * 13] {
            expect = expect.wrapping_add(1);
            assert_eq!(*b, expect);
        }
    }
}

#[test]
fn the_waiting_calls_give_up_at_their_timeout_and_take_one_element() {
    let (mem, _guard) = segment("raw_queue_wait", 1 << 16);
    let raw = RawQueue::create(&mem, "q", 2, 4).unwrap();
    let mut one = [0u8; 4];
    assert!(!raw.pop_bytes_timeout(&mut one, Duration::from_millis(20)));
    assert!(raw.push_bytes_timeout(&[1, 0, 0, 0, 9, 9, 9, 9], Duration::from_millis(20)));
    assert!(raw.push_bytes_timeout(&[2, 0, 0, 0], Duration::ZERO));
    assert!(!raw.push_bytes_timeout(&[3, 0, 0, 0], Duration::from_millis(20)));
    assert_eq!(raw.len(), 2);
    assert!(raw.pop_bytes_timeout(&mut one, Duration::from_millis(20)));
    assert_eq!(one, [1, 0, 0, 0]);
    assert!(
        !raw.push_bytes_timeout(&[1, 2], Duration::ZERO),
        "shorter than an element"
    );
}

#[test]
fn opening_checks_the_geometry_and_creating_refuses_elements_of_no_size() {
    let (mem, _guard) = segment("raw_queue_open", 1 << 16);
    assert!(matches!(
        RawQueue::create(&mem, "q", 4, 0),
        Err(Error::OutOfSpace { .. })
    ));
    Queue::<u32>::create(&mem, "q", 3).unwrap();
    let raw = RawQueue::open(&mem, "q").unwrap();
    assert_eq!((raw.capacity(), raw.elem_size()), (4, 4));
    assert!(matches!(
        RawQueue::open(&mem, "absent"),
        Err(Error::NotFound { .. })
    ));
}

const NOW: Duration = Duration::ZERO;
const PATIENCE: Duration = Duration::from_millis(50);

#[test]
fn a_raw_stack_and_a_typed_stack_share_their_elements_last_in_first_out() {
    let (mem, _guard) = segment("raw_stack_mix", 1 << 16);
    let raw = RawStack::create(&mem, "s", 3, 4).unwrap();
    let typed = Stack::<u32>::open(&mem, "s").unwrap();
    let mut busy: BusySince = None;
    for v in [1u32, 2] {
        raw.push_bytes(&v.to_le_bytes(), NOW, PATIENCE, &mut busy)
            .unwrap();
    }
    typed.push(3).unwrap();
    assert_eq!(
        raw.push_bytes(&9u32.to_le_bytes(), NOW, PATIENCE, &mut busy),
        Err(StackFail::Full)
    );
    let mut top = [0u8; 4];
    assert_eq!(raw.peek_bytes(&mut top, PATIENCE), Ok(true));
    assert_eq!(u32::from_le_bytes(top), 3);
    assert_eq!(typed.pop(), Some(3));
    let mut out = [0u8; 4];
    raw.pop_bytes(&mut out, NOW, PATIENCE, &mut busy).unwrap();
    assert_eq!(u32::from_le_bytes(out), 2);
    raw.pop_bytes(&mut out, NOW, PATIENCE, &mut busy).unwrap();
    assert_eq!(u32::from_le_bytes(out), 1);
    assert_eq!(
        raw.pop_bytes(&mut out, NOW, PATIENCE, &mut busy),
        Err(StackFail::Empty)
    );
    assert_eq!(raw.peek_bytes(&mut top, PATIENCE), Ok(false));
}

#[test]
fn a_raw_stack_reports_a_slot_a_peer_left_busy_after_its_patience_and_claims_nothing() {
    let (mem, _guard) = segment("raw_stack_busy", 1 << 16);
    let raw = RawStack::create(&mem, "s", 4, 8).unwrap();
    let mut busy: BusySince = None;
    raw.push_bytes(&[7; 8], NOW, PATIENCE, &mut busy).unwrap();
    // Slot 1's state word (after the header and 4 slots of 8 bytes): READING, as a popper
    // that died there leaves it.
    let entry = mem.find("s").unwrap();
    let state_of_slot_1 = entry.offset() as usize + 16 + 32 + 4;
    write_u32(&mem, state_of_slot_1, 3);
    assert_eq!(
        raw.push_bytes(&[8; 8], NOW, PATIENCE, &mut busy),
        Err(StackFail::Busy { index: 1, state: 3 })
    );
    assert_eq!(raw.len(), 1, "the push moved nothing");
    write_u32(&mem, state_of_slot_1, 0);
    let mut busy: BusySince = None;
    raw.push_bytes(&[8; 8], NOW, PATIENCE, &mut busy).unwrap();
    assert_eq!(raw.len(), 2);
}
