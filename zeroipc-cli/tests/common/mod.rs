//! Helpers for running the real `zeroipc` binary on copies of the golden segments.

#![allow(dead_code)]

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::Mutex;

/// The reference segments, in `tests/vectors` at the repository's root.
pub(crate) const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors");
pub(crate) const GOLDEN_FILES: [&str; 2] = ["golden-cpp-v2.bin", "golden-python-v2.bin"];

/// `(name, offset, size)` of the golden segment's entries, from vectors/README.md.
pub(crate) const GOLDEN_ENTRIES: [(&str, u64, u64); 8] = [
    ("sensor_data", 3104, 4008),
    ("counters", 7112, 136),
    ("records", 7248, 168),
    ("events", 7416, 1040),
    ("stack", 8456, 784),
    ("sem", 9240, 16),
    ("latch", 9256, 16),
    ("barrier", 9272, 16),
];

pub(crate) fn golden(file: &str) -> Vec<u8> {
    let path = format!("{VECTORS}/{file}");
    std::fs::read(&path).unwrap_or_else(|e| panic!("read {path}: {e}"))
}

/// A name no other test uses, in this process or another.
pub(crate) fn unique_name() -> String {
    static COUNTER: Mutex<u32> = Mutex::new(0);
    let mut n = COUNTER
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    *n += 1;
    format!("zeroipc_cli_{}_{}", std::process::id(), *n)
}

/// A file in /dev/shm, removed when dropped (also when the test fails).
pub(crate) struct ShmFile {
    /// The name without its leading `/`.
    pub(crate) name: String,
    pub(crate) path: PathBuf,
}

impl ShmFile {
    /// Writes `bytes` to a fresh file in /dev/shm, mode 0600.
    pub(crate) fn with_bytes(bytes: &[u8]) -> ShmFile {
        let name = unique_name();
        let path = PathBuf::from("/dev/shm").join(&name);
        let file = ShmFile { name, path };
        std::fs::write(&file.path, bytes).expect("write a test segment");
        std::fs::set_permissions(&file.path, std::fs::Permissions::from_mode(0o600))
            .expect("chmod a test segment");
        file
    }

    /// A copy of a golden image, changed by `break_it`.
    pub(crate) fn golden_with(break_it: impl FnOnce(&mut Vec<u8>)) -> ShmFile {
        let mut bytes = golden(GOLDEN_FILES[0]);
        break_it(&mut bytes);
        ShmFile::with_bytes(&bytes)
    }

    /// The name with its leading `/`.
    pub(crate) fn posix(&self) -> String {
        format!("/{}", self.name)
    }
}

impl Drop for ShmFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Runs the binary with `args`.
pub(crate) fn zeroipc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zeroipc"))
        .args(args)
        .output()
        .expect("run the zeroipc binary")
}

pub(crate) fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub(crate) fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts the run ended by itself (not by a signal), without a panic, with `code`.
#[track_caller]
pub(crate) fn assert_code(o: &Output, code: i32) {
    assert_eq!(
        o.status.code(),
        Some(code),
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status,
        stdout(o),
        stderr(o)
    );
    assert!(!stderr(o).contains("panicked"), "{}", stderr(o));
}

pub(crate) fn put_u32(bytes: &mut [u8], at: usize, v: u32) {
    bytes[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

pub(crate) fn put_u64(bytes: &mut [u8], at: usize, v: u64) {
    bytes[at..at + 8].copy_from_slice(&v.to_le_bytes());
}

/// Byte offset of table entry `i`.
pub(crate) fn entry_at(i: usize) -> usize {
    32 + 48 * i
}
