use zeroipc::Ring;

#[zeroipc::segment]
pub struct Samples {
    #[zeroipc(capacity = 0)]
    pub ring: Ring<f32>,
}

fn main() {}
