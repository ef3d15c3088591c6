use zeroipc::Array;

#[zeroipc::segment(max_entries = 0)]
pub struct Plant {
    #[zeroipc(len = 16)]
    pub temps: Array<f32>,
}

fn main() {}
