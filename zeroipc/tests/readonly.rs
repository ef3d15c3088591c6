//! Segments opened read-only (`Options::read_only`) and private copies (`Memory::open_copy`):
//! read permission is enough, every structure reads, every writing call is refused with
//! `Error::ReadOnly`, and no byte of the segment changes. The main test runs the reading
//! side as the user `nobody` on a segment of root's with mode 0644 when it runs as root
//! (as CI does), and as the current user otherwise.

mod common;

use std::process::Command;

use common::nobody::{nobody, run_as, Exposed};
use common::{child_role, shm_path, unique_name, Cleanup, CHILD_ROLE};
use zeroipc::{
    inspect, Array, Barrier, Error, Event, Latch, Map, Memory, Monitor, Mutex, Once, Pool, Queue,
    Ring, RwLock, Semaphore, Set, Signal, Stack,
};

const SEGMENT: &str = "ZEROIPC_TEST_SEGMENT";

/// A segment of mode 0644 holding one of every structure, with known contents.
fn segment_of_every_structure() -> (String, Cleanup) {
    let name = unique_name("ro");
    let cleanup = Cleanup(name.clone());
    let mem = Memory::options()
        .mode(0o644)
        .create(&name, 1 << 16)
        .unwrap();
    Array::<u32>::create(&mem, "array", 4)
        .unwrap()
        .copy_from_slice(0, &[10, 20, 30, 40])
        .unwrap();
    let queue = Queue::<u64>::create(&mem, "queue", 8).unwrap();
    queue.push(1).unwrap();
    queue.push(2).unwrap();
    let stack = Stack::<i16>::create(&mem, "stack", 4).unwrap();
    stack.push(-5).unwrap();
    stack.push(7).unwrap();
    Semaphore::create(&mem, "semaphore", 3, 8).unwrap();
    Mutex::create(&mem, "mutex").unwrap();
    let map = Map::<u32, f64>::create(&mem, "map", 8).unwrap();
    map.insert(3, 0.5).unwrap();
    map.insert(9, -2.0).unwrap();
    Set::<u16>::create(&mem, "set", 8)
        .unwrap()
        .insert(42)
        .unwrap();
    let pool = Pool::<u64>::create(&mem, "pool", 4).unwrap();
    let node = pool.allocate().unwrap().unwrap();
    pool.set(&node, 77).unwrap();
    Ring::<u32>::create(&mem, "ring", 8)
        .unwrap()
        .write(&[5, 6, 7]);
    Latch::create(&mem, "latch", 2).unwrap();
    Barrier::create(&mem, "barrier", 2).unwrap();
    Event::create(&mem, "event", true).unwrap();
    RwLock::create(&mem, "rwlock").unwrap();
    Monitor::create(&mem, "monitor").unwrap();
    Once::create(&mem, "once").unwrap();
    Signal::<u64>::create(&mem, "signal", 99).unwrap();
    (name, cleanup)
}

fn is_read_only<T: std::fmt::Debug>(what: &str, result: zeroipc::Result<T>) {
    match result {
        Err(Error::ReadOnly { .. }) => {}
        other => panic!("{what}: {other:?}, not Error::ReadOnly"),
    }
}

/// Every reading of `mem` gives the contents `segment_of_every_structure` wrote, and every
/// writing call is refused.
fn read_everything_and_refuse_every_write(mem: &Memory) {
    assert!(mem.is_read_only());
    assert_eq!(
        Array::<u32>::open_read(mem, "array").unwrap().to_vec(),
        [10, 20, 30, 40]
    );
    let queue = Queue::<u64>::open_read(mem, "queue").unwrap();
    assert_eq!((queue.len(), queue.snapshot()), (2, vec![1, 2]));
    let stack = Stack::<i16>::open_read(mem, "stack").unwrap();
    assert_eq!((stack.peek(), stack.snapshot()), (Some(7), vec![-5, 7]));
    let mut pairs = Map::<u32, f64>::open_read(mem, "map").unwrap().snapshot();
    pairs.sort_by_key(|&(k, _)| k);
    assert_eq!(pairs, [(3, 0.5), (9, -2.0)]);
    let set = Set::<u16>::open_read(mem, "set").unwrap();
    assert_eq!(
        (set.iter().collect::<Vec<_>>(), set.contains(&42).unwrap()),
        (vec![42], true)
    );
    let pool = Pool::<u64>::open_read(mem, "pool").unwrap();
    assert_eq!((pool.len(), pool.get(0).unwrap()), (1, 77));
    assert_eq!(
        Ring::<u32>::open_read(mem, "ring").unwrap().snapshot(),
        [5, 6, 7]
    );
    let sem = inspect::read(mem, "semaphore").unwrap();
    assert!(sem.iter().any(|r| r.kind == "semaphore"), "{sem:?}");
    for entry in mem.entries().unwrap() {
        for reading in inspect::read(mem, entry.name()).unwrap() {
            if let Some(checked) = inspect::check(mem, entry.name(), &reading) {
                assert!(checked.is_ok(), "{}: {checked:?}", entry.name());
            }
        }
    }

    // Opening a handle that could write, and adding a structure: refused.
    is_read_only("Array::open", Array::<u32>::open(mem, "array"));
    is_read_only("Queue::open", Queue::<u64>::open(mem, "queue"));
    is_read_only("Stack::open", Stack::<i16>::open(mem, "stack"));
    is_read_only("Semaphore::open", Semaphore::open(mem, "semaphore"));
    is_read_only("Mutex::open", Mutex::open(mem, "mutex"));
    is_read_only("Latch::open", Latch::open(mem, "latch"));
    is_read_only("Barrier::open", Barrier::open(mem, "barrier"));
    is_read_only("Event::open", Event::open(mem, "event"));
    is_read_only("RwLock::open", RwLock::open(mem, "rwlock"));
    is_read_only("Monitor::open", Monitor::open(mem, "monitor"));
    is_read_only("Once::open", Once::open(mem, "once"));
    is_read_only("Signal::open", Signal::<u64>::open(mem, "signal"));
    is_read_only("Map::open", Map::<u32, f64>::open(mem, "map"));
    is_read_only("Set::open", Set::<u16>::open(mem, "set"));
    is_read_only("Pool::open", Pool::<u64>::open(mem, "pool"));
    is_read_only("Ring::open", Ring::<u32>::open(mem, "ring"));
    is_read_only("Map::create", Map::<u32, f64>::create(mem, "new", 4));
    is_read_only("Set::create", Set::<u16>::create(mem, "new", 4));
    is_read_only("Pool::create", Pool::<u64>::create(mem, "new", 4));
    is_read_only("Ring::create", Ring::<u32>::create(mem, "new", 4));
    is_read_only("Array::create", Array::<u32>::create(mem, "new", 4));
    is_read_only("Queue::create", Queue::<u64>::create(mem, "new", 4));
    is_read_only(
        "Queue::create_at",
        Queue::<u64>::create_at(mem, "new", 4, 9),
    );
    is_read_only("Stack::create", Stack::<i16>::create(mem, "new", 4));
    is_read_only("Semaphore::create", Semaphore::create(mem, "new", 0, 1));
    is_read_only("Mutex::create", Mutex::create(mem, "new"));
    is_read_only("Latch::create", Latch::create(mem, "new", 1));
    is_read_only("Barrier::create", Barrier::create(mem, "new", 1));
    is_read_only("Event::create", Event::create(mem, "new", false));
    is_read_only("RwLock::create", RwLock::create(mem, "new"));
    is_read_only("Monitor::create", Monitor::create(mem, "new"));
    is_read_only("Once::create", Once::create(mem, "new"));
    is_read_only("Signal::create", Signal::<u64>::create(mem, "new", 1));
    // An existing name is refused as read-only too, before the table is looked at.
    is_read_only("Array::create", Array::<u32>::create(mem, "array", 4));
    // Repair writes: refused before any lock is asked for.
    is_read_only("Memory::repair", mem.repair());
    is_read_only("Memory::repair_entry", mem.repair_entry("queue"));
    // A segment cannot be created or replaced read-only.
    let ro = Memory::options().read_only(true);
    is_read_only("create", ro.create(&unique_name("ro_new"), 1 << 12));
    is_read_only("replace", ro.replace(mem.name(), 1 << 12));
}

/// The child's side: what a user with read permission only can do.
fn reader_child() {
    let name = std::env::var(SEGMENT).unwrap();
    if std::env::var("ZEROIPC_TEST_AS_NOBODY").is_ok() {
        // The permission is real: a read-write open is refused by the system.
        match Memory::open(&name) {
            Err(Error::Io { source, .. })
                if source.kind() == std::io::ErrorKind::PermissionDenied => {}
            other => panic!("a read-write open as nobody gave {other:?}"),
        }
    }
    let mem = Memory::options().read_only(true).open(&name).unwrap();
    assert!(mem.others_attached().unwrap(), "the creator is attached");
    read_everything_and_refuse_every_write(&mem);
    read_everything_and_refuse_every_write(&Memory::open_copy(&name).unwrap());
}

#[test]
fn a_read_only_memory_of_a_0644_segment_reads_everything_and_refuses_every_write() {
    if child_role().is_some() {
        reader_child();
        return;
    }
    let (name, _c) = segment_of_every_structure();
    // Attached while the child runs, so the child can see an attachment.
    let creator = Memory::open(&name).unwrap();
    let before = std::fs::read(shm_path(&name)).unwrap();

    let exe = std::env::current_exe().unwrap();
    let exposed;
    let mut cmd;
    match nobody() {
        Ok(ids) => {
            exposed = Exposed::new(&exe);
            cmd = Command::new(&exposed.exe);
            run_as(&mut cmd, ids).env("ZEROIPC_TEST_AS_NOBODY", "1");
        }
        Err(why) => {
            println!("skipped: the reading side runs as this user, not as nobody: {why}");
            cmd = Command::new(&exe);
        }
    }
    let status = cmd
        .args([
            "a_read_only_memory_of_a_0644_segment_reads_everything_and_refuses_every_write",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ROLE, "reader")
        .env(SEGMENT, &name)
        .status()
        .unwrap();
    assert!(status.success(), "the reading child failed: {status}");
    let after = std::fs::read(shm_path(&name)).unwrap();
    assert!(before == after, "the segment's bytes changed");
    drop(creator);
}

#[test]
fn a_read_only_memory_in_this_process_refuses_every_write_and_changes_no_byte() {
    let (name, _c) = segment_of_every_structure();
    let before = std::fs::read(shm_path(&name)).unwrap();
    let mem = Memory::options().read_only(true).open(&name).unwrap();
    read_everything_and_refuse_every_write(&mem);
    assert!(before == std::fs::read(shm_path(&name)).unwrap());
}

#[test]
fn a_private_copy_keeps_the_bytes_it_copied_whatever_the_segment_does_afterwards() {
    let (name, _c) = segment_of_every_structure();
    let copy = Memory::open_copy(&name).unwrap();
    let writer = Memory::open(&name).unwrap();
    let entries = writer.entries().unwrap().count();
    Array::<u32>::open(&writer, "array")
        .unwrap()
        .set(0, 77)
        .unwrap();
    // Shrink the segment to nothing: the copy, never a mapping of it, reads on.
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(shm_path(&name))
        .unwrap();
    file.set_len(0).unwrap();
    assert_eq!(
        Array::<u32>::open_read(&copy, "array").unwrap().to_vec(),
        [10, 20, 30, 40]
    );
    assert_eq!(copy.entries().unwrap().count(), entries);
    // A copy of what is left now is a damaged segment, reported as an error.
    let copy = Memory::options()
        .private_copy(true)
        .timeout(std::time::Duration::from_millis(10))
        .open(&name);
    assert!(copy.is_err(), "{copy:?}");
}

#[test]
fn a_copy_of_a_segment_cut_short_is_reported_as_damaged() {
    let (name, _c) = segment_of_every_structure();
    // Keep the table's page, lose the rest: the header's memory_size no longer fits.
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(shm_path(&name))
        .unwrap();
    file.set_len(4096).unwrap();
    match Memory::open_copy(&name) {
        Err(Error::SizeMismatch { header, actual }) => {
            assert_eq!((header, actual), (1 << 16, 4096));
        }
        other => panic!("{other:?}"),
    }
}
