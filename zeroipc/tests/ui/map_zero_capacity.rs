use zeroipc::Map;

#[zeroipc::segment]
pub struct Accounts {
    #[zeroipc(capacity = 0)]
    pub users: Map<u32, u64>,
}

fn main() {}
