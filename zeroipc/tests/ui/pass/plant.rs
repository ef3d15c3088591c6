// The declaration of the issue: arrays, a queue and a stack, a table name of its own.
use zeroipc::{Array, Queue, Stack};

#[zeroipc::segment]
pub struct Plant {
    #[zeroipc(len = 1000, name = "sensor_data")]
    pub temps: Array<f32>,
    #[zeroipc(len = 16)]
    pub counters: Array<u64>,
    #[zeroipc(capacity = 128)]
    pub events: Queue<i32>,
    #[zeroipc(capacity = 64)]
    pub stack: Stack<f64>,
}

const _: () = assert!(Plant::MAX_ENTRIES == 64);
// The declared entries end where the format puts them; the schema entry follows.
const _: () = assert!(Plant::ENTRIES[3].offset + Plant::ENTRIES[3].size == 3104 + 4008 + 136 + 1040 + 784);
const _: () = assert!(Plant::SIZE > 3104 + 4008 + 136 + 1040 + 784 + 16);
const _: () = assert!(Plant::ENTRIES[3].offset == 8288);

fn main() {
    let names: Vec<&str> = Plant::ENTRIES.iter().map(|e| e.name).collect();
    assert_eq!(names, ["sensor_data", "counters", "events", "stack"]);
}
