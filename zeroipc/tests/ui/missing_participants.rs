use zeroipc::Barrier;

#[zeroipc::segment]
pub struct Workers {
    pub phase: Barrier,
}

fn main() {}
