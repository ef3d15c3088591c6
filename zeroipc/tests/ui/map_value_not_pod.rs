use zeroipc::Map;

#[zeroipc::segment]
pub struct Accounts {
    #[zeroipc(capacity = 16)]
    pub names: Map<u32, String>,
}

fn main() {}
