//! A segment declared as a struct, shared by two processes.
//!
//! The producer creates the segment `Plant` declares, fills the sensor array, and starts a
//! copy of this program as the consumer, which opens the same segment by name: every entry
//! is checked against the declaration, so a consumer built from another declaration gets an
//! error naming the field instead of reading garbage. The producer then feeds events through
//! the queue, the consumer reads them, and the producer removes the segment.
//!
//! ```text
//! cargo run -p zeroipc --example plant
//! ```

use std::process::{Command, ExitCode};
use std::time::Duration;

use zeroipc::{Array, Memory, Queue, Stack};

/// The layout both processes agree on. Sizes and offsets are constants
/// (`Plant::SIZE`, `Plant::ENTRIES`); `create` and `open` are generated.
#[zeroipc::segment]
pub struct Plant {
    /// One temperature per sensor; its table name is `sensor_data`.
    #[zeroipc(len = 1000, name = "sensor_data")]
    pub temps: Array<f32>,
    /// Event counters.
    #[zeroipc(len = 16)]
    pub counters: Array<u64>,
    /// Events from the producer to the consumer (a capacity is a power of two).
    #[zeroipc(capacity = 128)]
    pub events: Queue<i32>,
    /// Readings the consumer hands back.
    #[zeroipc(capacity = 64)]
    pub stack: Stack<f64>,
}

/// Tells a copy of this program that it is the consumer, and of which segment.
const CONSUMER: &str = "ZEROIPC_PLANT_CONSUMER";
/// The event that tells the consumer to stop.
const DONE: i32 = -1;
const WAIT: Duration = Duration::from_secs(10);

fn main() -> ExitCode {
    let result = match std::env::var(CONSUMER) {
        Ok(name) => consumer(&name),
        Err(_) => producer(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("plant: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Removes the segment when the producer is done, whether or not all went well.
struct Remove(String);

impl Drop for Remove {
    fn drop(&mut self) {
        let _ = Memory::unlink(&self.0);
    }
}

fn producer() -> Result<(), Box<dyn std::error::Error>> {
    let name = format!("/zeroipc_example_plant_{}", std::process::id());
    let plant = Plant::create(&name)?;
    let _remove = Remove(name.clone());
    println!(
        "producer: created {name}, {} bytes, entries at {:?}",
        Plant::SIZE,
        Plant::ENTRIES.map(|e| (e.name, e.offset))
    );

    for (i, sensor) in (0..plant.temps.len()).zip(0u16..) {
        plant.temps.set(i, 20.0 + f32::from(sensor % 10) * 0.5)?;
    }

    let mut consumer = Command::new(std::env::current_exe()?)
        .env(CONSUMER, &name)
        .spawn()?;

    for event in 1..=100 {
        plant
            .events
            .push_timeout(event, WAIT)
            .map_err(|_| "the consumer does not take events")?;
        plant.counters.set(0, u64::try_from(event)?)?;
    }
    plant
        .events
        .push_timeout(DONE, WAIT)
        .map_err(|_| "the consumer does not take events")?;

    let status = consumer.wait()?;
    if !status.success() {
        return Err(format!("the consumer failed: {status}").into());
    }
    let total = plant.stack.pop().ok_or("the consumer left no total")?;
    println!("producer: the consumer reports a total of {total}");
    println!("producer: removing {name}");
    Ok(())
}

fn consumer(name: &str) -> Result<(), Box<dyn std::error::Error>> {
    // Checks every entry: present, of the declared length or capacity, header consistent.
    let plant = Plant::open(name)?;
    let (sum, sensors) = plant
        .temps
        .iter()
        .fold((0.0f32, 0.0f32), |(sum, n), t| (sum + t, n + 1.0));
    let mean = sum / sensors;
    println!(
        "consumer: opened {name}; {} sensors, mean temperature {mean:.2}",
        plant.temps.len()
    );

    let mut total = 0.0f64;
    let mut count = 0;
    loop {
        let event = plant.events.pop_timeout(WAIT)?;
        if event == DONE {
            break;
        }
        total += f64::from(event);
        count += 1;
    }
    println!("consumer: {count} events, sum {total}");
    plant.stack.push(total).map_err(|_| "the stack is full")?;
    Ok(())
}
