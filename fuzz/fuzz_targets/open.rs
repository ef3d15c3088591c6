//! Any bytes, as a segment: `Memory::open`, then every entry opened as arrays of several
//! element types and read whole, must give values or errors, never a crash.
//!
//! ```text
//! cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run open -- -max_total_time=60
//! ```

#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use zeroipc::{Array, Memory, Options};

fuzz_target!(|data: &[u8]| {
    if data.is_empty() {
        return;
    }
    let name = format!("/zeroipc_fuzz_{}", std::process::id());
    let path = format!("/dev/shm/{}", &name[1..]);
    if std::fs::write(&path, data).is_err() {
        return;
    }
    if let Ok(mem) = Options::new().timeout(Duration::ZERO).open(&name) {
        if let Ok(entries) = mem.entries() {
            for entry in entries {
                read_all::<u8>(&mem, entry.name());
                read_all::<u32>(&mem, entry.name());
                read_all::<u64>(&mem, entry.name());
            }
        }
    }
    let _ = Memory::unlink(&name);
});

fn read_all<T: bytemuck::Pod>(mem: &Memory, name: &str) {
    if let Ok(array) = Array::<T>::open(mem, name) {
        let _ = array.to_vec();
    }
}
