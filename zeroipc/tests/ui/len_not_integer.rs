use zeroipc::Array;

const SENSORS: usize = 16;

#[zeroipc::segment]
pub struct Plant {
    #[zeroipc(len = SENSORS)]
    pub temps: Array<f32>,
}

fn main() {}
