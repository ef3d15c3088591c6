use zeroipc::Array;

#[zeroipc::segment(max_entries = 2)]
pub struct Plant {
    #[zeroipc(len = 16)]
    pub a: Array<f32>,
    #[zeroipc(len = 16)]
    pub b: Array<f32>,
    #[zeroipc(len = 16)]
    pub c: Array<f32>,
}

fn main() {}
