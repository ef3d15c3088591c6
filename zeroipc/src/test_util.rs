//! Helpers for the unit tests: unique segment names and segments removed on drop.

use crate::atomic::{AtomicUsize, Ordering};

use crate::memory::Memory;

/// A segment name no other test, in this process or another, uses.
pub(crate) fn unique_name() -> String {
    static COUNTER: std::sync::OnceLock<AtomicUsize> = std::sync::OnceLock::new();
    let n = COUNTER
        .get_or_init(|| AtomicUsize::new(0))
        .fetch_add(1, Ordering::Relaxed);
    format!("/zeroipc_unit_{}_{n}", std::process::id())
}

/// A fresh segment, unlinked when dropped (also when the test fails).
pub(crate) struct Segment {
    pub(crate) mem: Memory,
    pub(crate) name: String,
}

impl Segment {
    pub(crate) fn new(size: usize) -> Segment {
        let name = unique_name();
        let mem = Memory::create(&name, size).expect("create a test segment");
        Segment { mem, name }
    }
}

impl Drop for Segment {
    fn drop(&mut self) {
        let _ = Memory::unlink(&self.name);
    }
}
