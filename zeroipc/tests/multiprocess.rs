//! Real processes sharing segments: the test binary re-executes itself as the child.

// The values compared are exact: small integers and halves.
#![allow(clippy::cast_precision_loss, clippy::float_cmp)]

mod common;

use std::time::Duration;

use common::{child_role, segment, spawn_child, unique_name, Children, Cleanup};
use zeroipc::{Array, Memory};

const SEGMENT: &str = "ZEROIPC_TEST_SEGMENT";
const PREFIX: &str = "ZEROIPC_TEST_PREFIX";

#[test]
fn a_child_process_reads_what_the_parent_wrote_and_writes_back() {
    if child_role().is_some() {
        let mem = Memory::open(&std::env::var(SEGMENT).unwrap()).unwrap();
        let from_parent = Array::<f64>::open(&mem, "from_parent").unwrap();
        for i in 0..1000 {
            assert_eq!(from_parent.get(i).unwrap(), i as f64 * 0.5);
        }
        let back = Array::<u64>::create(&mem, "from_child", 1000).unwrap();
        for i in 0..1000 {
            back.set(i, from_parent.get(i).unwrap() as u64 * 3).unwrap();
        }
        return;
    }
    let (mem, c) = segment("mp_rw", 1 << 20);
    let data = Array::<f64>::create(&mem, "from_parent", 1000).unwrap();
    for i in 0..1000 {
        data.set(i, i as f64 * 0.5).unwrap();
    }
    let mut children = Children(vec![spawn_child(
        "a_child_process_reads_what_the_parent_wrote_and_writes_back",
        "reader",
        &[(SEGMENT, c.0.clone())],
    )]);
    assert!(
        children.wait_all(Duration::from_secs(60)),
        "the child failed"
    );
    let back = Array::<u64>::open(&mem, "from_child").unwrap();
    for i in 0..1000 {
        assert_eq!(back.get(i).unwrap(), (i as f64 * 0.5) as u64 * 3);
    }
}

#[test]
fn two_processes_adding_at_once_get_distinct_entries() {
    const PER_PROCESS: usize = 100;
    if child_role().is_some() {
        let mem = Memory::open(&std::env::var(SEGMENT).unwrap()).unwrap();
        let prefix = std::env::var(PREFIX).unwrap();
        // Start together, so that the two processes really add at the same time.
        let go = Array::<u32>::open(&mem, "go").unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while go.get(0).unwrap() == 0 {
            assert!(std::time::Instant::now() < deadline, "never told to start");
            std::thread::yield_now();
        }
        for i in 0..PER_PROCESS {
            let a = Array::<u32>::create(&mem, &format!("{prefix}{i}"), 1 + i % 7).unwrap();
            a.fill(i as u32);
        }
        return;
    }
    let name = unique_name("mp_add");
    let _c = Cleanup(name.clone());
    let mem = Memory::options()
        .max_entries(256)
        .create(&name, 1 << 20)
        .unwrap();
    let go = Array::<u32>::create(&mem, "go", 1).unwrap();
    let test = "two_processes_adding_at_once_get_distinct_entries";
    let mut children = Children(
        ["a", "b"]
            .iter()
            .map(|p| {
                spawn_child(
                    test,
                    "adder",
                    &[(SEGMENT, name.clone()), (PREFIX, (*p).to_owned())],
                )
            })
            .collect(),
    );
    std::thread::sleep(Duration::from_millis(100));
    go.set(0, 1).unwrap();
    assert!(children.wait_all(Duration::from_secs(60)), "a child failed");

    // `entries` checks alignment, bounds and that no two overlap.
    let entries: Vec<_> = mem.entries().unwrap().skip(1).collect();
    assert_eq!(entries.len(), 2 * PER_PROCESS);
    let mut names: Vec<&str> = entries.iter().map(zeroipc::Entry::name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), 2 * PER_PROCESS);
    for p in ["a", "b"] {
        for i in 0..PER_PROCESS {
            let a = Array::<u32>::open(&mem, &format!("{p}{i}")).unwrap();
            assert_eq!(a.len(), 1 + i % 7);
            assert!(a.iter().all(|v| v == i as u32));
        }
    }
    assert_eq!(
        mem.used().unwrap(),
        entries.iter().map(zeroipc::Entry::end).max().unwrap()
    );
}

#[test]
fn a_killed_child_is_no_longer_attached_and_its_segment_can_then_be_replaced() {
    const TEST: &str = "a_killed_child_is_no_longer_attached_and_its_segment_can_then_be_replaced";
    if child_role().is_some() {
        let mem = Memory::open(&std::env::var(SEGMENT).unwrap()).unwrap();
        Array::<u32>::open(&mem, "ready")
            .unwrap()
            .set(0, 1)
            .unwrap();
        // Attached until killed (or, if the parent never kills it, for a minute).
        std::thread::sleep(Duration::from_secs(60));
        return;
    }
    let (mem, c) = segment("mp_attach", 1 << 16);
    let ready = Array::<u32>::create(&mem, "ready", 1).unwrap();
    assert!(!mem.others_attached().unwrap());
    let mut children = Children(vec![spawn_child(TEST, "holder", &[(SEGMENT, c.0.clone())])]);
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while ready.get(0).unwrap() == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the child never opened"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    assert!(mem.others_attached().unwrap());
    drop((ready, mem));
    let options = Memory::options().replace_if_stale(true);
    assert!(matches!(
        options.create(&c.0, 1 << 16),
        Err(zeroipc::Error::AlreadyExists { .. })
    ));
    let child = &mut children.0[0];
    child.kill().unwrap();
    child.wait().unwrap();
    let fresh = options.create(&c.0, 1 << 16).unwrap();
    assert!(!fresh.others_attached().unwrap());
    assert!(fresh.find("ready").is_err(), "a new segment");
}
