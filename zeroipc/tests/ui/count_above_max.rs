use zeroipc::Semaphore;

#[zeroipc::segment]
pub struct Pool {
    #[zeroipc(count = 11, max = 10)]
    pub slots: Semaphore,
}

fn main() {}
