//! Model checking of the map's algorithm: `MapView`, the code `Map` and `Set` run, over
//! loom's atomics and cells on the heap (`CellRecords`: one state word and a key and a value
//! cell per slot, whose every access loom checks for a data race).
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test --release --target-dir target/loom -p zeroipc
//! --test loom_map`.
//!
//! A scan waits a bounded time for a slot a peer is writing (a second in a segment, a few
//! steps here), so operations may give up (`Stuck`) in these models. What must hold in every
//! schedule: a key is in at most one slot, `size` counts the occupied slots, and no value is
//! read while it is written (loom's cells).

#![cfg(loom)]

mod loom_util;

use loom::sync::Arc;
use loom::thread;
use loom_util::check;
use zeroipc::__loom::{AtomicU32, CellRecords, MapFail, MapView, Records, Wait};

/// A map of `u32` to `u32` on the heap: slots of 12 bytes, the state at 0, key at 4, value
/// at 8 (as `Map<u32, u32>` lays them out).
struct HeapMap {
    size: AtomicU32,
    slots: CellRecords,
}

type View<'a> = MapView<'a, u32, u32, &'a CellRecords>;

impl HeapMap {
    fn new(capacity: usize) -> Arc<HeapMap> {
        assert_eq!((View::KEY_OFFSET, View::VALUE_OFFSET), (4, 8));
        Arc::new(HeapMap {
            size: AtomicU32::new(0),
            slots: CellRecords::new(capacity, 0, &[4, 8]),
        })
    }

    fn view(&self) -> View<'_> {
        MapView::new(&self.size, &self.slots)
    }

    /// The keys of the occupied slots, once every thread is done.
    fn keys(&self) -> Vec<u32> {
        let view = self.view();
        (0..(&self.slots).len())
            .filter_map(|i| view.key_at(i))
            .collect()
    }
}

fn wait() -> Wait {
    Wait::for_slot()
}

/// Whether `result` is a give-up (allowed) rather than another failure (a bug).
fn gave_up<T>(result: &Result<T, MapFail>) -> bool {
    match result {
        Err(MapFail::Stuck { .. }) => true,
        Err(other) => panic!("unexpected failure {other:?}"),
        Ok(_) => false,
    }
}

/// The map's invariants once every thread is done: each key in at most one slot, and
/// `size` the number of occupied slots.
fn verdict(map: &HeapMap) -> Vec<u32> {
    let mut keys = map.keys();
    let count = keys.len();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), count, "a key in two slots");
    assert_eq!(map.view().len(), count, "size is not the occupied slots");
    keys
}

#[test]
fn two_inserts_of_one_key_leave_it_in_one_slot_with_one_of_the_values() {
    check(|| {
        // Keys 1 and 3 share home slot 1 of 2 (2654435761 and 3 * it are odd).
        let map = HeapMap::new(2);
        let other = map.clone();
        let t = thread::spawn(move || other.view().insert(1, 10, &mut wait()));
        let mine = map.view().insert(1, 20, &mut wait());
        let theirs = t.join().unwrap();
        let stuck = gave_up(&mine) | gave_up(&theirs);
        assert_eq!(verdict(&map), [1]);
        let now = map.view().get(&1, &mut wait()).unwrap().unwrap();
        if !stuck {
            // One insert came first (None); the other saw its value (an update) and left
            // its own.
            let answers = (mine.unwrap(), theirs.unwrap());
            assert!(
                answers == (None, Some(20)) && now == 10
                    || answers == (Some(10), None) && now == 20,
                "{answers:?} then {now}"
            );
        }
    });
}

#[test]
fn a_key_removed_while_another_is_inserted_on_its_path_is_never_duplicated() {
    check(|| {
        // Keys 1 and 3 share home slot 1 of 2: 1 sits there, 3 goes to slot 0 behind it.
        let map = HeapMap::new(2);
        map.view().insert(1, 10, &mut wait()).unwrap();
        let other = map.clone();
        let t = thread::spawn(move || {
            let view = other.view();
            let removed = view.remove(&1, &mut wait());
            let back = view.insert(1, 11, &mut wait());
            (removed, back)
        });
        let three = map.view().insert(3, 30, &mut wait());
        let (removed, back) = t.join().unwrap();
        let stuck = gave_up(&three) | gave_up(&removed) | gave_up(&back);
        let keys = verdict(&map);
        if !stuck {
            assert_eq!(keys, [1, 3]);
            assert_eq!(removed.unwrap(), Some(10));
            assert_eq!(back.unwrap(), None);
            assert_eq!(map.view().get(&1, &mut wait()).unwrap(), Some(11));
            assert_eq!(map.view().get(&3, &mut wait()).unwrap(), Some(30));
        }
    });
}

#[test]
fn a_read_racing_an_update_sees_the_old_or_the_new_value_whole() {
    check(|| {
        let map = HeapMap::new(2);
        map.view().insert(1, 10, &mut wait()).unwrap();
        let other = map.clone();
        let t = thread::spawn(move || other.view().insert(1, 20, &mut wait()));
        let seen = map.view().get(&1, &mut wait());
        let updated = t.join().unwrap();
        if !gave_up(&seen) {
            assert!(matches!(seen.unwrap(), Some(10 | 20)));
        }
        if !gave_up(&updated) {
            assert_eq!(updated.unwrap(), Some(10));
        }
        assert_eq!(verdict(&map), [1]);
    });
}
