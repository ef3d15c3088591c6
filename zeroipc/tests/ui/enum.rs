use zeroipc::Array;

#[zeroipc::segment]
pub enum Plant {
    Temps(Array<f32>),
}

fn main() {}
