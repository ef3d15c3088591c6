use zeroipc::Array;

// A size is an integer or a constant expression (see `pass/every_form.rs`), not a string.
#[zeroipc::segment]
pub struct Plant {
    #[zeroipc(len = "16")]
    pub temps: Array<f32>,
}

fn main() {}
