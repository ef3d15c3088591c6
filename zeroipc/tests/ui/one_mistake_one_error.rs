// One mistake in a declaration is one error: the code that uses what the macro would have
// generated (`create`, `open`, the constants) still finds it, and adds no errors of its own.

use zeroipc::{Array, SegmentOptions};

#[zeroipc::segment]
pub struct Plant {
    #[zeroipc(len = 16, colour = "red")]
    pub temps: Array<f32>,
}

fn run(name: &str) -> zeroipc::Result<()> {
    let plant = Plant::create(name)?;
    plant.temps.set(0, 1.5)?;
    let _ = Plant::create_with(name, &SegmentOptions::new().replace(true))?;
    let other = Plant::open(name)?;
    let _ = Plant::open_with(name, &SegmentOptions::new())?;
    assert_eq!(other.memory().size(), Plant::SIZE as u64);
    assert_eq!(Plant::ENTRIES[0].name, "temps");
    assert_eq!(Plant::ENTRIES.len(), 1);
    let _: u32 = Plant::MAX_ENTRIES;
    Ok(())
}

fn main() {
    run("/zeroipc_ui").unwrap();
}
