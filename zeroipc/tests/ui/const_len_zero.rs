// A length given as a constant that evaluates to 0: the literal's message.
use zeroipc::Array;

const SENSORS: usize = 0;

#[zeroipc::segment]
pub struct Plant {
    #[zeroipc(len = SENSORS)]
    pub temps: Array<f32>,
}

fn main() {}
