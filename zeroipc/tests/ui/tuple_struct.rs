use zeroipc::Array;

#[zeroipc::segment]
pub struct Plant(#[zeroipc(len = 16)] pub Array<f32>);

fn main() {}
