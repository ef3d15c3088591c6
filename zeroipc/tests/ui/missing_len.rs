use zeroipc::Array;

#[zeroipc::segment]
pub struct Plant {
    pub temps: Array<f32>,
}

fn main() {}
