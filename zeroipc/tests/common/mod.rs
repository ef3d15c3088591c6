//! Helpers shared by the integration tests: unique segment names, segments removed on drop
//! (also when a test fails), and the paths of the format's reference segments.

#![allow(dead_code, unreachable_pub)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use zeroipc::Memory;

/// A segment name unique to this process, test binary and call.
pub fn unique_name(tag: &str) -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("/zeroipc_test_{tag}_{}_{n}", std::process::id())
}

/// Unlinks a segment name when dropped, whether or not the segment still exists.
pub struct Cleanup(pub String);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = Memory::unlink(&self.0);
    }
}

/// A fresh segment and the guard that removes it.
pub fn segment(tag: &str, size: usize) -> (Memory, Cleanup) {
    let name = unique_name(tag);
    let mem = Memory::create(&name, size).expect("create a test segment");
    (mem, Cleanup(name))
}

/// Writes raw bytes into a new shared-memory object (as another implementation might have
/// left them), returning its name and the guard that removes it.
pub fn raw_segment(tag: &str, bytes: &[u8]) -> (String, Cleanup) {
    let name = unique_name(tag);
    let path = shm_path(&name);
    std::fs::write(&path, bytes).expect("write a raw segment into /dev/shm");
    (name.clone(), Cleanup(name))
}

/// The file behind a segment name on Linux.
pub fn shm_path(name: &str) -> PathBuf {
    PathBuf::from("/dev/shm").join(name.trim_start_matches('/'))
}

/// The reference segments written by the other implementations (`../shared/vectors`).
pub fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/vectors")
}

/// The bytes of a reference segment, e.g. `golden-cpp-v2.bin`.
pub fn golden(file: &str) -> Vec<u8> {
    let path = vectors_dir().join(file);
    std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// Both reference images.
pub const GOLDEN_FILES: [&str; 2] = ["golden-cpp-v2.bin", "golden-python-v2.bin"];
