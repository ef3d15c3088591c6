//! The words of a synchronisation structure in a mapping: what every primitive's handle
//! holds, and the checks of a primitive's entry when it is opened.

use bytemuck::Pod;

use crate::atomic::AtomicU32;
use crate::error::{Error, Result};
use crate::memory::Memory;
use crate::region::{Mapped, Region};
use crate::sync::I32;

/// The words of one synchronisation structure in a mapping, and the mapping they live in.
#[derive(Clone)]
pub(crate) struct Words {
    /// The structure's words: 4 for the 16-byte structures, 1 for a once flag.
    words: Mapped<AtomicU32>,
    /// The entry's name, for errors.
    name: String,
}

impl Words {
    /// Adds an entry of `size_of::<H>()` bytes holding `header`, described in the segment's
    /// schema by `line` (whose name is the entry's), and returns its words.
    pub(crate) fn create_described<H: Pod>(
        mem: &Memory,
        header: H,
        line: &crate::schema::EntryDesc<'_>,
    ) -> Result<Words> {
        let entry = mem.add_described(
            size_of::<H>() as u64,
            |region, offset| region.write(offset, header),
            line,
        )?;
        Words::at(mem.region(), line.name, entry.offset(), size_of::<H>())
    }

    /// Finds the entry called `name` and checks that it holds exactly `size` bytes, the
    /// size of a `kind`.
    pub(crate) fn open(mem: &Memory, name: &str, size: usize, kind: &str) -> Result<Words> {
        let region = mem.writable()?;
        let entry = mem.find(name)?;
        if entry.size() != size as u64 {
            return Err(Error::corrupt(
                name,
                format!(
                    "entry size {} is not the {size} bytes of a {kind}",
                    entry.size()
                ),
            ));
        }
        Words::at(region, name, entry.offset(), size)
    }

    fn at(region: &Region, name: &str, offset: u64, size: usize) -> Result<Words> {
        let words = region
            .mapped(offset, (size / 4) as u64)
            .filter(|w: &Mapped<AtomicU32>| w.len() > 0)
            .ok_or_else(|| Error::corrupt(name, "structure lies outside the segment"))?;
        Ok(Words {
            words,
            name: name.to_owned(),
        })
    }

    /// The words, in the order of the structure's fields.
    pub(crate) fn get(&self) -> &[AtomicU32] {
        self.words.atomics()
    }

    /// The word at byte `offset` of the structure (a field offset from `layout`).
    ///
    /// # Panics
    ///
    /// If `offset` is past the structure: a bug in this crate, not a fact of the segment.
    pub(crate) fn word(&self, offset: usize) -> &AtomicU32 {
        &self.get()[offset / size_of::<AtomicU32>()]
    }

    /// The `i32` field at byte `offset` of the structure; as [`Words::word`].
    pub(crate) fn i32(&self, offset: usize) -> I32<'_> {
        I32::new(self.word(offset))
    }

    /// The entry's name.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// This handle alone on the segment (see `Shm::alone`), for a repair.
    pub(crate) fn alone(&self) -> Result<crate::shm::Alone<'_>> {
        self.words.region().shm().alone()
    }

    /// Sets the word at byte `offset` to `want` if it is not already, and says so in
    /// `report` as `field was -> want`, with `why` after it. For repairs, which hold the
    /// segment alone.
    pub(crate) fn reset_i32(
        &self,
        report: &mut crate::EntryRepair,
        (offset, field): (usize, &str),
        want: i32,
        why: &str,
    ) {
        let word = self.i32(offset);
        // Relaxed: the segment is the caller's alone; nobody reads the word meanwhile, and
        // the next opener sees it after the attachment lock's hand-over.
        let was = word.load(crate::atomic::Ordering::Relaxed);
        if was != want {
            // Relaxed: as above.
            word.store(want, crate::atomic::Ordering::Relaxed);
            report.reset.push(format!("{field} {was} -> {want}: {why}"));
        }
    }

    /// The segment's name.
    pub(crate) fn segment(&self) -> &str {
        self.words.region().shm().name()
    }
}
