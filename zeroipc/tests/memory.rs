//! Creating, opening, listing and removing segments, and adding entries to them.

mod common;

use std::os::unix::fs::PermissionsExt;

use common::{segment, shm_path, unique_name, Cleanup};
use zeroipc::{layout, Array, Error, Memory};

#[test]
fn a_new_segment_is_mode_0600_and_publishes_its_table() {
    let (mem, c) = segment("mode", 1 << 16);
    let meta = std::fs::metadata(shm_path(&c.0)).unwrap();
    assert_eq!(meta.permissions().mode() & 0o7777, 0o600);
    assert_eq!(meta.len(), 1 << 16);
    assert_eq!(mem.size(), 1 << 16);
    assert_eq!(mem.max_entries(), 64);
    assert_eq!(mem.used().unwrap(), layout::table_size(64));
    assert_eq!(mem.entries().unwrap().len(), 0);
    let bytes = std::fs::read(shm_path(&c.0)).unwrap();
    assert_eq!(bytes[0..4], layout::MAGIC.to_le_bytes());
}

#[test]
fn options_set_the_mode_exactly_and_the_table_size() {
    let name = unique_name("opts");
    let _c = Cleanup(name.clone());
    let mem = Memory::options()
        .mode(0o644)
        .max_entries(3)
        .create(&name, 4096)
        .unwrap();
    let meta = std::fs::metadata(shm_path(&name)).unwrap();
    assert_eq!(meta.permissions().mode() & 0o7777, 0o644);
    assert_eq!(mem.max_entries(), 3);
    assert_eq!(Memory::open(&name).unwrap().max_entries(), 3);
}

#[test]
fn creating_an_existing_name_fails_and_leaves_it_unchanged() {
    let (mem, c) = segment("exists", 1 << 16);
    let a = Array::<u32>::create(&mem, "a", 8).unwrap();
    a.copy_from_slice(0, &[1, 2, 3, 4, 5, 6, 7, 8]).unwrap();
    let before = std::fs::read(shm_path(&c.0)).unwrap();
    let again = Memory::create(&c.0, 1 << 20);
    assert!(matches!(again, Err(Error::AlreadyExists { ref name }) if *name == c.0));
    let after = std::fs::read(shm_path(&c.0)).unwrap();
    assert_eq!(before, after);
}

#[test]
fn replace_removes_a_stale_segment_first() {
    let (mem, c) = segment("replace", 1 << 16);
    Array::<u8>::create(&mem, "old", 8).unwrap();
    let fresh = Memory::options().replace(&c.0, 1 << 16).unwrap();
    assert_eq!(fresh.entries().unwrap().len(), 0);
    // The old mapping is still usable, and separate.
    assert!(mem.find("old").is_ok());
    assert!(matches!(fresh.find("old"), Err(Error::NotFound { .. })));
}

#[test]
fn invalid_segment_names_fail_before_any_system_call() {
    let long = format!("/{}", "n".repeat(256));
    for name in ["noslash", "/", "/a/b", "/.", "/..", "/a\0b", long.as_str()] {
        assert!(
            matches!(Memory::create(name, 4096), Err(Error::InvalidName { .. })),
            "create {name:?}"
        );
        assert!(
            matches!(Memory::open(name), Err(Error::InvalidName { .. })),
            "open {name:?}"
        );
        assert!(
            matches!(Memory::unlink(name), Err(Error::InvalidName { .. })),
            "unlink {name:?}"
        );
    }
}

#[test]
fn a_size_too_small_for_the_table_fails_and_leaves_nothing() {
    let name = unique_name("small");
    let _c = Cleanup(name.clone());
    let r = Memory::create(&name, 100);
    assert!(
        matches!(
            r,
            Err(Error::OutOfSpace {
                requested: 3104,
                available: 100
            })
        ),
        "{r:?}"
    );
    assert!(!shm_path(&name).exists());
}

#[test]
fn opening_or_removing_a_missing_segment_is_not_found() {
    let name = unique_name("missing");
    assert!(matches!(Memory::open(&name), Err(Error::NotFound { .. })));
    assert!(matches!(Memory::unlink(&name), Err(Error::NotFound { .. })));
}

#[test]
fn entries_are_listed_in_table_order_and_found_by_name() {
    let (mem, _c) = segment("list", 1 << 16);
    Array::<u8>::create(&mem, "first", 3).unwrap();
    Array::<u64>::create(&mem, "second", 2).unwrap();
    let entries: Vec<_> = mem.entries().unwrap().collect();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0].name(), "first");
    assert_eq!(entries[0].offset(), 3104);
    assert_eq!(entries[0].size(), 11);
    // Aligned up past the 11-byte array.
    assert_eq!(entries[1].offset(), 3120);
    assert_eq!(entries[1].end(), 3120 + 24);
    assert_eq!(mem.find("second").unwrap(), entries[1]);
    assert!(matches!(mem.find("third"), Err(Error::NotFound { .. })));
    assert_eq!(mem.used().unwrap(), 3144);
}

#[test]
fn bad_entry_names_are_refused() {
    let (mem, _c) = segment("names", 1 << 16);
    let long = "x".repeat(32);
    assert!(matches!(
        Array::<u8>::create(&mem, &long, 1),
        Err(Error::NameTooLong { len: 32, .. })
    ));
    assert!(matches!(
        Array::<u8>::create(&mem, "", 1),
        Err(Error::InvalidName { .. })
    ));
    assert!(matches!(
        Array::<u8>::create(&mem, "a\0", 1),
        Err(Error::InvalidName { .. })
    ));
    Array::<u8>::create(&mem, &"y".repeat(31), 1).unwrap();
}

/// Every failed add leaves the segment exactly as it was: no space leaked, no entry written.
#[test]
fn failed_adds_change_nothing() {
    let name = unique_name("failed_add");
    let c = Cleanup(name.clone());
    let mem = Memory::options()
        .max_entries(2)
        .create(&name, 4096)
        .unwrap();
    Array::<u8>::create(&mem, "a", 8).unwrap();
    let snapshot = || std::fs::read(shm_path(&c.0)).unwrap();

    let before = snapshot();
    assert!(matches!(
        Array::<u8>::create(&mem, "a", 8),
        Err(Error::AlreadyExists { .. })
    ));
    assert_eq!(snapshot(), before, "duplicate name");

    assert!(matches!(
        Array::<u8>::create(&mem, "big", 4096),
        Err(Error::OutOfSpace {
            requested: 4104,
            ..
        })
    ));
    assert_eq!(snapshot(), before, "no room");

    assert!(matches!(
        Array::<u64>::create(&mem, "huge", usize::MAX / 4),
        Err(Error::OutOfSpace { .. })
    ));
    assert_eq!(snapshot(), before, "size overflow");

    Array::<u8>::create(&mem, "b", 8).unwrap();
    let before = snapshot();
    assert!(matches!(
        Array::<u8>::create(&mem, "c", 8),
        Err(Error::TableFull { max_entries: 2 })
    ));
    assert_eq!(snapshot(), before, "table full");
}

#[test]
fn handles_keep_the_mapping_alive_after_memory_is_dropped() {
    let (mem, _c) = segment("alive", 1 << 16);
    let a = Array::<u32>::create(&mem, "a", 4).unwrap();
    drop(mem);
    a.set(3, 42).unwrap();
    assert_eq!(a.get(3).unwrap(), 42);
}

#[test]
fn threads_adding_at_once_get_distinct_entries() {
    let (mem, _c) = segment("threads", 1 << 20);
    std::thread::scope(|s| {
        for t in 0..4 {
            let mem = mem.clone();
            s.spawn(move || {
                for i in 0..16 {
                    Array::<u64>::create(&mem, &format!("t{t}_{i}"), 3).unwrap();
                }
            });
        }
    });
    let entries: Vec<_> = mem.entries().unwrap().collect();
    assert_eq!(entries.len(), 64);
    // `entries` validated alignment and overlap; opening each checks its header.
    for e in &entries {
        assert_eq!(Array::<u64>::open(&mem, e.name()).unwrap().len(), 3);
    }
}

/// A segment larger than `/dev/shm` can hold is refused at creation (the pages are reserved
/// then), rather than crashing the first write that finds no page; nothing is left behind.
#[test]
fn a_segment_larger_than_dev_shm_fails_at_create_and_leaves_nothing() {
    let mut fs = std::mem::MaybeUninit::<libc::statvfs>::uninit();
    let path = c"/dev/shm";
    // SAFETY: `path` is NUL-terminated and `fs` is a buffer the call fills.
    let rc = unsafe { libc::statvfs(path.as_ptr(), fs.as_mut_ptr()) };
    assert_eq!(rc, 0, "statvfs /dev/shm");
    // SAFETY: `statvfs` returned 0, so it filled `fs`.
    let fs = unsafe { fs.assume_init() };
    let total = fs.f_blocks.saturating_mul(fs.f_frsize);
    if total == 0 {
        // An unbounded tmpfs: no size is too large to try without using the memory.
        return;
    }
    let name = unique_name("too_big");
    let _c = Cleanup(name.clone());
    let size = usize::try_from(total + (1 << 20)).unwrap();
    let r = Memory::create(&name, size);
    assert!(
        matches!(
            r,
            Err(Error::Io {
                op: "posix_fallocate",
                ..
            })
        ),
        "{r:?}"
    );
    assert!(!shm_path(&name).exists());
}

// ---- Attachment -----------------------------------------------------------------------------

#[test]
fn a_second_handle_is_seen_as_attached_until_it_is_dropped() {
    let (mem, _guard) = segment("attach_two", 1 << 16);
    assert!(!mem.others_attached().unwrap());
    let other = Memory::open(mem.name()).unwrap();
    assert!(mem.others_attached().unwrap());
    assert!(other.others_attached().unwrap());
    drop(other);
    assert!(!mem.others_attached().unwrap());
}

#[test]
fn a_structure_keeps_its_segment_attached_after_its_memory_is_dropped() {
    let (mem, _guard) = segment("attach_structure", 1 << 16);
    let other = Memory::open(mem.name()).unwrap();
    let array = Array::<u32>::create(&other, "a", 4).unwrap();
    drop(other);
    assert!(mem.others_attached().unwrap());
    drop(array);
    assert!(!mem.others_attached().unwrap());
}

#[test]
fn replace_if_stale_refuses_while_anyone_is_attached_and_replaces_after() {
    let (mem, guard) = segment("attach_replace", 1 << 16);
    Array::<u32>::create(&mem, "old", 4).unwrap().fill(7);
    let options = Memory::options().replace_if_stale(true);
    assert!(matches!(
        options.create(&guard.0, 1 << 16),
        Err(Error::AlreadyExists { .. })
    ));
    // The segment is as it was.
    assert_eq!(Array::<u32>::open(&mem, "old").unwrap().to_vec(), [7; 4]);
    drop(mem);
    let fresh = options.create(&guard.0, 1 << 16).unwrap();
    assert!(matches!(fresh.find("old"), Err(Error::NotFound { .. })));
    // Without the option, an existing segment is never replaced, stale or not.
    drop(fresh);
    assert!(matches!(
        Memory::create(&guard.0, 1 << 16),
        Err(Error::AlreadyExists { .. })
    ));
}
