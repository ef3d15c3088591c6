// Two composites take 8 table entries, and the schema one more: a table of 8 is too small,
// though it has room for the two fields.
use zeroipc::{Monitor, RwLock};

#[zeroipc::segment(max_entries = 8)]
pub struct Locks {
    pub config: RwLock,
    pub guard: Monitor,
}

fn main() {}
