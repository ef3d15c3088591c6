//! The synchronisation primitives of the format: [`Semaphore`](semaphore::Semaphore),
//! [`Mutex`](mutex::Mutex), [`Latch`](latch::Latch), [`Barrier`](barrier::Barrier) and
//! [`Once`](once::Once); and the composite ones, several table entries each:
//! [`Event`](event::Event), [`RwLock`](rwlock::RwLock), [`Monitor`](monitor::Monitor) and
//! [`Signal`](signal::Signal).
//!
//! Each is a few 32-bit words in one table entry (FORMAT.md fixes which), changed only with
//! atomic instructions, so processes in every language that speaks the format share them.
//! Each algorithm is written once, over a small view of `&AtomicU32`s; the handles build the
//! view from a mapping, and the loom tests from heap atomics.
//!
//! Waiting never burns a core: a waiter spins briefly, yields, then sleeps on a futex on the
//! word it watches, in steps of at most a millisecond (see `wait`). The format's
//! `i32` words are reached as the `AtomicU32` at their address (the same bytes and the same
//! instructions; the futex calls take unsigned words) through [`I32`]. Whoever changes a
//! word that someone may sleep on wakes the sleepers: a post wakes one waiter when the
//! semaphore's `waiting` word says there is one, the last count-down of a latch, the opening
//! of a barrier and the end of a once-function wake them all. The other implementations
//! never wake anyone; their waiters poll, and ours, when those peers change a word, notice
//! at their next sleep step. A missed wake costs latency, never liveness.

use crate::atomic::{AtomicU32, Ordering};

pub(crate) mod barrier;
pub(crate) mod event;
pub(crate) mod latch;
#[cfg(not(loom))]
pub(crate) mod monitor;
#[cfg(not(loom))]
pub(crate) mod mutex;
pub(crate) mod once;
pub(crate) mod rwlock;
pub(crate) mod semaphore;
#[cfg(not(loom))]
pub(crate) mod signal;

#[cfg(not(loom))]
use bytemuck::Pod;

#[cfg(not(loom))]
use crate::{
    error::{Error, Result},
    memory::Memory,
    region::{Mapped, Region},
};

// ---- Its layout (re-exported by `zeroipc::layout`) ------------------------------------

/// Size of the marker entry that composite structures write last.
pub const MARKER_SIZE: usize = 1;

/// An `i32` field of the format, reached through the `AtomicU32` at its address: the same
/// four bytes and the same atomic instructions, read and written as two's complement.
///
/// Each method passes its orderings through unchanged; the comment that justifies them is at
/// the call.
#[derive(Clone, Copy, Debug)]
pub(crate) struct I32<'a>(&'a AtomicU32);

impl<'a> I32<'a> {
    pub(crate) fn new(word: &'a AtomicU32) -> I32<'a> {
        I32(word)
    }

    /// The word, for the futex calls.
    pub(crate) fn word(self) -> &'a AtomicU32 {
        self.0
    }

    #[inline]
    pub(crate) fn load(self, order: Ordering) -> i32 {
        self.0.load(order) as i32
    }

    #[inline]
    pub(crate) fn store(self, value: i32, order: Ordering) {
        self.0.store(value as u32, order);
    }

    #[inline]
    pub(crate) fn compare_exchange(
        self,
        current: i32,
        new: i32,
        success: Ordering,
        failure: Ordering,
    ) -> Result<i32, i32> {
        self.0
            .compare_exchange(current as u32, new as u32, success, failure)
            .map(|v| v as i32)
            .map_err(|v| v as i32)
    }

    /// Adds `delta`, wrapping at the ends of `i32` (as the other implementations' atomics
    /// do); returns the previous value.
    #[inline]
    pub(crate) fn fetch_add(self, delta: i32, order: Ordering) -> i32 {
        self.0.fetch_add(delta as u32, order) as i32
    }

    /// Subtracts `delta`, wrapping; returns the previous value.
    #[inline]
    pub(crate) fn fetch_sub(self, delta: i32, order: Ordering) -> i32 {
        self.0.fetch_sub(delta as u32, order) as i32
    }
}

/// Wakes one waiter sleeping on `word`, in any process. Nothing under loom, where waits
/// yield instead of sleeping, and where there is no futex.
#[inline]
pub(crate) fn wake_one(word: &AtomicU32) {
    #[cfg(all(not(loom), target_os = "linux"))]
    crate::shm::futex_wake(word, 1);
    #[cfg(not(all(not(loom), target_os = "linux")))]
    let _ = word;
}

/// Wakes every waiter sleeping on `word`, in any process; as [`wake_one`] otherwise.
#[inline]
pub(crate) fn wake_all(word: &AtomicU32) {
    #[cfg(all(not(loom), target_os = "linux"))]
    crate::shm::futex_wake(word, i32::MAX);
    #[cfg(not(all(not(loom), target_os = "linux")))]
    let _ = word;
}

/// The words of one synchronisation structure in a mapping, and the mapping they live in.
#[cfg(not(loom))]
#[derive(Clone)]
pub(crate) struct Words {
    /// The structure's words: 4 for the 16-byte structures, 1 for a once flag.
    words: Mapped<AtomicU32>,
    /// The entry's name, for errors.
    name: String,
}

#[cfg(not(loom))]
impl Words {
    /// Adds an entry called `name` of `size_of::<H>()` bytes holding `header`, and returns
    /// its words.
    pub(crate) fn create<H: Pod>(mem: &Memory, name: &str, header: H) -> Result<Words> {
        let entry = mem.add(name, size_of::<H>() as u64, |region, offset| {
            region.write(offset, header)
        })?;
        Words::at(mem.region(), name, entry.offset(), size_of::<H>())
    }

    /// Finds the entry called `name` and checks that it holds exactly `size` bytes, the
    /// size of a `kind`.
    pub(crate) fn open(mem: &Memory, name: &str, size: usize, kind: &str) -> Result<Words> {
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
        Words::at(mem.region(), name, entry.offset(), size)
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

    /// The segment's name.
    pub(crate) fn segment(&self) -> &str {
        self.words.region().shm().name()
    }
}

/// The entries of a composite structure, gathered before any is added and then added all
/// or none, under one hold of the table's lock ([`Memory::add_parts`]): a failure, or
/// another process adding entries at the same moment, never leaves some of them behind.
#[cfg(not(loom))]
#[derive(Default)]
pub(crate) struct Parts {
    /// `(name, first bytes, entry size)` in creation order; the rest of each entry is zero.
    parts: Vec<(String, Vec<u8>, usize)>,
}

#[cfg(not(loom))]
impl Parts {
    /// A part of `size` bytes called `name` that starts with `first`.
    pub(crate) fn bytes(mut self, name: &str, first: Vec<u8>, size: usize) -> Parts {
        debug_assert!(first.len() <= size);
        self.parts.push((name.to_owned(), first, size));
        self
    }

    /// A part called `name` that is `header` and nothing more.
    pub(crate) fn words<H: Pod>(self, name: &str, header: H) -> Parts {
        self.bytes(name, bytemuck::bytes_of(&header).to_vec(), size_of::<H>())
    }

    /// A semaphore called `name` holding `count` permits, at most `max` (0: unbounded); a
    /// mutex is one of at most one permit, free.
    pub(crate) fn semaphore(self, name: &str, count: i32, max: i32) -> Parts {
        self.words(name, semaphore::SemaphoreHeader::new(count, max))
    }

    /// The 1-byte marker `name` that a composite structure's openers look for; last.
    pub(crate) fn marker(self, name: &str) -> Parts {
        self.bytes(name, vec![0], MARKER_SIZE)
    }

    /// Adds every part to `mem`.
    ///
    /// # Errors
    ///
    /// [`Error::NameTooLong`], [`Error::InvalidName`], [`Error::AlreadyExists`] (naming the
    /// first part whose name is taken), [`Error::TableFull`], [`Error::OutOfSpace`] for all
    /// the parts together; a validation error if the table is corrupt. On error the segment
    /// is unchanged.
    pub(crate) fn add(self, mem: &Memory) -> Result<()> {
        let list: Vec<(&str, &[u8], usize)> = self
            .parts
            .iter()
            .map(|(name, first, size)| (name.as_str(), first.as_slice(), *size))
            .collect();
        mem.add_parts(&list).map(drop)
    }
}

/// `name` followed by `suffix`: the name of one part of a composite structure.
#[cfg(not(loom))]
pub(crate) fn part_name(name: &str, suffix: &str) -> String {
    format!("{name}{suffix}")
}

/// Checks that the marker entry `name` of a composite structure exists and is 1 byte.
#[cfg(not(loom))]
pub(crate) fn open_marker(mem: &Memory, name: &str, kind: &str) -> Result<()> {
    let entry = mem.find(name)?;
    if entry.size() != MARKER_SIZE as u64 {
        return Err(Error::corrupt(
            name,
            format!(
                "entry size {} is not the {}-byte marker of a {kind}",
                entry.size(),
                MARKER_SIZE
            ),
        ));
    }
    Ok(())
}

// ---- Its reading, for tools (`zeroipc::inspect`) ---------------------------------------

/// The four `i32` words of a 16-byte entry (a semaphore, mutex, latch or barrier), if the
/// entry is 16 bytes.
#[cfg(not(loom))]
pub(crate) fn words16(p: &crate::inspect::Probe<'_>) -> Option<[i32; 4]> {
    if p.size != 16 {
        return None;
    }
    let w = crate::inspect::words(p.head.get(..16)?);
    Some([w[0] as i32, w[1] as i32, w[2] as i32, w[3] as i32])
}

/// The marker entry of a composite structure: one byte, named as the structure, whose
/// parts are the entries named `<name>_...`.
#[cfg(not(loom))]
pub(crate) const MARKER: crate::structures::Structure =
    crate::structures::Structure::new("marker", read_marker)
        .example(|mem| crate::RwLock::create(mem, "lock").map(|_| "lock".to_owned()));

#[cfg(not(loom))]
fn read_marker(p: &crate::inspect::Probe<'_>) -> Option<crate::inspect::Reading> {
    if p.size != MARKER_SIZE as u64 {
        return None;
    }
    let prefix = format!("{}_", p.name);
    let parts = p.names.suffixes(&prefix, 8);
    let description = if parts.is_empty() {
        "marker byte of a composite structure (no parts found)".to_owned()
    } else {
        format!(
            "marker of a composite structure with parts _{}",
            parts.join(", _")
        )
    };
    Some(crate::inspect::Reading::new("marker", description))
}
