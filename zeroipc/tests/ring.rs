//! `Ring<T>`: whole elements between one producer and one consumer, the capacity in bytes.

mod common;

use common::segment;
use zeroipc::Ring;

#[test]
fn writes_wrap_around_the_end_and_read_back_in_order() {
    let (mem, _guard) = segment("ring_wrap", 1 << 16);
    let r = Ring::<u32>::create(&mem, "r", 5).unwrap();
    let mut next = 0;
    let mut expected = 0;
    let mut out = [0; 3];
    for _ in 0..20 {
        let batch: Vec<u32> = (next..next + 3).collect();
        next += r.write(&batch) as u32;
        let n = r.read(&mut out);
        for &v in &out[..n] {
            assert_eq!(v, expected);
            expected += 1;
        }
    }
    assert!(expected > 20, "the ring wrapped several times");
}

#[test]
fn a_full_ring_takes_nothing_more_and_an_empty_one_gives_nothing() {
    let (mem, _guard) = segment("ring_full", 1 << 16);
    let r = Ring::<u64>::create(&mem, "r", 4).unwrap();
    assert_eq!(r.read(&mut [0; 2]), 0);
    assert_eq!(r.write(&[1, 2, 3, 4, 5, 6]), 4);
    assert_eq!(r.write(&[7]), 0);
    assert_eq!(r.len(), 4);
    assert_eq!(r.snapshot(), [1, 2, 3, 4]);
    assert_eq!(r.len(), 4, "a snapshot reads nothing");
    let mut out = [0; 8];
    assert_eq!(r.read(&mut out), 4);
    assert_eq!(&out[..4], &[1, 2, 3, 4]);
}

#[test]
fn the_capacity_is_stored_in_bytes() {
    let (mem, guard) = segment("ring_bytes", 1 << 16);
    let r = Ring::<f64>::create(&mem, "r", 10).unwrap();
    assert_eq!((r.capacity(), r.capacity_bytes()), (10, 80));
    let entry = mem.find("r").unwrap();
    assert_eq!(entry.size(), 24 + 80);
    let bytes = std::fs::read(common::shm_path(&guard.0)).unwrap();
    let at = entry.offset() as usize + 16;
    assert_eq!(
        u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()),
        80
    );
    assert_eq!(
        u32::from_le_bytes(bytes[at + 4..at + 8].try_into().unwrap()),
        8
    );
}
