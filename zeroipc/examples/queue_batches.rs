//! Items per second through a `Queue<i64>` between two processes, moved in runs with
//! `push_slice` and `pop_into`: the Rust figure that `python/bench.py` compares the Python
//! package's `push_array`/`pop_into` with, measured the same way (from the consumer's first
//! item to its last).
//!
//! `cargo run --release --example queue_batches -- SEGMENT COUNT RUN` creates the segment,
//! starts itself as the producer (`--produce SEGMENT COUNT RUN`), consumes, checks every
//! item came once and in order, and prints `items_per_s=N`.

// A rate for a person to read: precision past 2^52 items does not matter.
#![allow(clippy::cast_precision_loss)]

use std::process::Command;
use std::time::Instant;

use zeroipc::{Memory, Queue};

const CAPACITY: usize = 1024;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--produce") {
        let (segment, count, run) = parse(&args[1..])?;
        let q = Queue::<i64>::open(&Memory::open(&segment)?, "q")?;
        let mut next = 0i64;
        let mut buf = vec![0i64; run];
        while next < count as i64 {
            let n = run.min(count - next as usize);
            for (i, slot) in buf[..n].iter_mut().enumerate() {
                *slot = next + i as i64;
            }
            let pushed = q.push_slice(&buf[..n]);
            if pushed == 0 {
                std::thread::yield_now();
            }
            next += pushed as i64;
        }
        return Ok(());
    }
    let (segment, count, run) = parse(&args)?;
    let mem = Memory::create(&segment, 1 << 20)?;
    let result = consume(&mem, &segment, count, run);
    Memory::unlink(&segment)?;
    let rate = result?;
    println!("items_per_s={rate:.0}");
    Ok(())
}

fn parse(args: &[String]) -> Result<(String, usize, usize), Box<dyn std::error::Error>> {
    match args {
        [segment, count, run] => Ok((segment.clone(), count.parse()?, run.parse()?)),
        _ => Err("usage: queue_batches SEGMENT COUNT RUN".into()),
    }
}

fn consume(
    mem: &Memory,
    segment: &str,
    count: usize,
    run: usize,
) -> Result<f64, Box<dyn std::error::Error>> {
    let q = Queue::<i64>::create(mem, "q", CAPACITY)?;
    let mut child = Command::new(std::env::current_exe()?)
        .args(["--produce", segment, &count.to_string(), &run.to_string()])
        .spawn()?;
    let mut out = vec![0i64; run];
    let mut expect = 0i64;
    let mut started = None;
    while (expect as usize) < count {
        let n = q.pop_into(&mut out);
        if n == 0 {
            std::thread::yield_now();
            continue;
        }
        started.get_or_insert_with(Instant::now);
        for &v in &out[..n] {
            if v != expect {
                let _ = child.kill();
                return Err(format!("item {v} where {expect} was due").into());
            }
            expect += 1;
        }
    }
    let elapsed = started.map_or(0.0, |s| s.elapsed().as_secs_f64());
    child.wait()?;
    Ok(count as f64 / elapsed.max(1e-9))
}
