use zeroipc::Array;

#[zeroipc::segment(entries = 8)]
pub struct Plant {
    #[zeroipc(len = 16)]
    pub temps: Array<f32>,
}

fn main() {}
