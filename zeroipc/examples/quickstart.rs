//! The quick start: one process writes a sensor array into a shared-memory segment, a second
//! process (this program run again as the reader) opens the segment by name and reads it.
//!
//! ```text
//! cargo run --example quickstart
//! ```

use std::process::{Command, ExitCode};

use zeroipc::{Array, Memory};

const ROLE_READER: &str = "reader";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let result = match args.get(1).map(String::as_str) {
        Some(ROLE_READER) => read(&args[2]),
        _ => write_then_spawn_reader(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("quickstart: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Removes the segment when the writer is done, also on an early return.
struct Unlink<'a>(&'a str);

impl Drop for Unlink<'_> {
    fn drop(&mut self) {
        let _ = Memory::unlink(self.0);
    }
}

fn write_then_spawn_reader() -> Result<(), Box<dyn std::error::Error>> {
    let name = format!("/zeroipc_quickstart_{}", std::process::id());
    let mem = Memory::create(&name, 1 << 20)?;
    let _unlink = Unlink(&name);

    let temps = Array::<f32>::create(&mem, "temperature", 1000)?;
    for i in 0..1000u16 {
        temps.set(usize::from(i), 20.0 + f32::from(i % 100) * 0.1)?;
    }
    println!(
        "writer: created {name} with {} temperatures in {} of {} bytes",
        temps.len(),
        mem.used()?,
        mem.size()
    );

    let status = Command::new(std::env::current_exe()?)
        .args([ROLE_READER, &name])
        .status()?;
    if !status.success() {
        return Err(format!("the reader failed: {status}").into());
    }
    println!("writer: the reader is done; removing {name}");
    Ok(())
}

fn read(name: &str) -> Result<(), Box<dyn std::error::Error>> {
    let mem = Memory::open(name)?;
    for entry in mem.entries()? {
        println!(
            "reader: entry {:?} at offset {}, {} bytes",
            entry.name(),
            entry.offset(),
            entry.size()
        );
    }
    let temps = Array::<f32>::open(&mem, "temperature")?;
    let first = temps.get(0)?;
    let last = temps.get(temps.len() - 1)?;
    let mean = temps.iter().map(f64::from).sum::<f64>() / f64::from(u32::try_from(temps.len())?);
    println!(
        "reader: {} temperatures, first {first:.1}, last {last:.1}, mean {mean:.2}",
        temps.len()
    );
    Ok(())
}
