// Zero-sized element types are refused by every structure's constructors, at compile time.
use std::marker::PhantomData;

use zeroipc::{Array, Memory, Queue, Signal, Stack};

fn main() -> zeroipc::Result<()> {
    let mem = Memory::open("/zeroipc_ui_never_run")?;
    let _ = Array::<()>::open(&mem, "a")?;
    let _ = Queue::<[u32; 0]>::create(&mem, "q", 4)?;
    let _ = Stack::<PhantomData<u8>>::open(&mem, "s")?;
    let _ = Signal::<[u8; 0]>::create(&mem, "sig", [])?;
    Ok(())
}
