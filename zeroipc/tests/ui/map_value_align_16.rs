use zeroipc::Map;

#[zeroipc::segment]
pub struct Accounts {
    #[zeroipc(capacity = 16)]
    pub wide: Map<u32, u128>,
}

fn main() {}
