use zeroipc::Stack;

#[zeroipc::segment]
pub struct Plant {
    #[zeroipc(capacity = 16)]
    pub flags: Stack<bool>,
}

fn main() {}
