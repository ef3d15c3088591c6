use zeroipc::Barrier;

#[zeroipc::segment]
pub struct Workers {
    #[zeroipc(participants = 0)]
    pub phase: Barrier,
}

fn main() {}
