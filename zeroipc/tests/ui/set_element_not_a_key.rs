use zeroipc::Set;

#[zeroipc::segment]
pub struct Seen {
    #[zeroipc(capacity = 16)]
    pub names: Set<String>,
}

fn main() {}
