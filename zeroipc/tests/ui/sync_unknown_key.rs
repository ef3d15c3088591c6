use zeroipc::Semaphore;

#[zeroipc::segment]
pub struct Pool {
    #[zeroipc(count = 3, maximum = 10)]
    pub slots: Semaphore,
}

fn main() {}
