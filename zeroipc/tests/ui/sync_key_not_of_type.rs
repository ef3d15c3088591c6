use zeroipc::{Mutex, Semaphore};

#[zeroipc::segment]
pub struct Pool {
    #[zeroipc(count = 3, participants = 2)]
    pub slots: Semaphore,
    #[zeroipc(count = 1)]
    pub lock: Mutex,
}

fn main() {}
