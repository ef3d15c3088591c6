// Maps, sets, pools and rings declared in a segment, opened again by the dynamic API, with a
// record as a map's value and one, made a key, as a set's element.
use zeroipc::{Map, MapKey, Memory, Pool, Ring, Set};

#[derive(Clone, Copy, Debug, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
#[repr(C)]
pub struct Account {
    pub balance: i64,
    pub id: u32,
    pub flags: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
#[repr(C)]
pub struct Pair {
    pub a: i32,
    pub b: i32,
}

impl MapKey for Pair {}

#[zeroipc::segment]
pub struct Bank {
    #[zeroipc(capacity = 64)]
    pub users: Map<u32, Account>,
    #[zeroipc(capacity = 16)]
    pub pairs: Set<Pair>,
    #[zeroipc(capacity = 8)]
    pub nodes: Pool<f64>,
    #[zeroipc(capacity = 32)]
    pub samples: Ring<f32>,
}

const _: () = assert!(Bank::ENTRIES[0].size == zeroipc::layout::map_size(64, 24));
const _: () = assert!(Bank::ENTRIES[3].size == 24 + 32 * 4);

/// Removes the segment when dropped, also when an assertion fails.
struct Unlink(String);

impl Drop for Unlink {
    fn drop(&mut self) {
        let _ = Memory::unlink(&self.0);
    }
}

fn main() {
    let name = format!("/zeroipc_ui_bank_{}", std::process::id());
    let _unlink = Unlink(name.clone());
    let bank = Bank::create(&name).unwrap();
    let account = Account { balance: -5, id: 7, flags: 1 };
    bank.users.insert(7, account).unwrap();
    bank.pairs.insert(Pair { a: 1, b: 2 }).unwrap();
    let again = Bank::open(&name).unwrap();
    assert_eq!(again.users.get(&7).unwrap(), Some(account));
    let mem = Memory::open(&name).unwrap();
    assert!(Set::<Pair>::open(&mem, "pairs").unwrap().contains(&Pair { a: 1, b: 2 }).unwrap());
    let schema = zeroipc::schema::read(&mem).unwrap().unwrap();
    for (entry, kind) in [("users", "map"), ("pairs", "set"), ("nodes", "pool"), ("samples", "ring")] {
        assert_eq!(schema.get(entry).unwrap().kind, kind);
    }
    assert_eq!(again.nodes.capacity(), 8);
    assert_eq!(again.samples.capacity(), 32);
}
