// A queue capacity given as a constant expression that is not a power of two: the
// literal's message, with the value and the next power of two.
use zeroipc::Queue;

const SLOTS: usize = 50;

#[zeroipc::segment]
pub struct Plant {
    #[zeroipc(capacity = 2 * SLOTS)]
    pub events: Queue<i32>,
}

fn main() {}
