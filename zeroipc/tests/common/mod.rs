//! Helpers shared by the integration tests: unique segment names, segments removed on drop
//! (also when a test fails), and the paths of the format's reference segments.

// Each test binary uses some of these; a test counter is not an algorithm under loom.
#![allow(dead_code, unreachable_pub, clippy::disallowed_types)]

pub mod nobody;
pub mod scenario;

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

/// The reference segments written by the other implementations (`tests/vectors` at the repository's root).
pub fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors")
}

/// The bytes of a reference segment, e.g. `golden-cpp-v2.bin`.
pub fn golden(file: &str) -> Vec<u8> {
    let path = vectors_dir().join(file);
    std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// Both reference images.
pub const GOLDEN_FILES: [&str; 2] = ["golden-cpp-v2.bin", "golden-python-v2.bin"];

/// The environment variable that tells a re-executed test binary which child role to play.
pub const CHILD_ROLE: &str = "ZEROIPC_TEST_CHILD_ROLE";

/// The role this process was started to play, if it is a child started by [`spawn_child`].
pub fn child_role() -> Option<String> {
    std::env::var(CHILD_ROLE).ok()
}

/// Re-runs this test binary as a child process that runs only `test` (which must check
/// [`child_role`] first thing), with `role` and the extra environment given. Works under
/// `cargo test` and `cargo nextest`, whose test binaries share libtest's arguments.
pub fn spawn_child(test: &str, role: &str, env: &[(&str, String)]) -> std::process::Child {
    let exe = std::env::current_exe().expect("the test binary's path");
    let mut cmd = std::process::Command::new(exe);
    cmd.args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ROLE, role)
        .stdin(std::process::Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.spawn().expect("start a child test process")
}

/// Kills and reaps the children it holds when dropped (a failed test leaves none behind).
pub struct Children(pub Vec<std::process::Child>);

impl Children {
    /// Waits for every child, with a deadline; kills them all if it passes. Returns whether
    /// every child exited successfully.
    pub fn wait_all(&mut self, deadline: std::time::Duration) -> bool {
        let end = std::time::Instant::now() + deadline;
        let mut ok = true;
        for child in &mut self.0 {
            loop {
                match child.try_wait().expect("poll a child") {
                    Some(status) => {
                        ok &= status.success();
                        break;
                    }
                    None if std::time::Instant::now() >= end => {
                        let _ = child.kill();
                        let _ = child.wait();
                        ok = false;
                        break;
                    }
                    None => std::thread::sleep(std::time::Duration::from_millis(5)),
                }
            }
        }
        ok
    }
}

impl Drop for Children {
    fn drop(&mut self) {
        for child in &mut self.0 {
            if let Ok(None) = child.try_wait() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }
}
