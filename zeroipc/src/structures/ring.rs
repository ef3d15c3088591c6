//! What a queue and a stack share when they are opened: both start with four 32-bit header
//! words (capacity and element size among them) and have the same size formula, so the
//! checks of such a header against its entry and its element type are written once, here.
//! Each structure keeps its own rule for which capacities are valid.

use crate::error::{Error, Result};
use crate::table::Entry;

// ---- Its layout (re-exported by `zeroipc::layout`) ------------------------------------

/// Size of a queue's or stack's header (four 32-bit words); the data starts here.
pub const RING_HEADER_SIZE: usize = 16;

/// Offset, within a queue or stack, of the per-slot word array (sequence numbers or slot
/// states): `16 + align8(capacity * elem_size)`.
pub const fn ring_slots_offset(capacity: usize, elem_size: usize) -> usize {
    crate::layout::unwrap_size(checked_ring_slots_offset(capacity, elem_size))
}

/// [`ring_slots_offset`], or `None` on overflow.
pub const fn checked_ring_slots_offset(capacity: usize, elem_size: usize) -> Option<usize> {
    let Some(data) = capacity.checked_mul(elem_size) else {
        return None;
    };
    let Some(data) = crate::layout::checked_align8(data) else {
        return None;
    };
    data.checked_add(RING_HEADER_SIZE)
}

/// Size of a queue or a stack (a ring, both): `16 + align8(capacity * elem_size) + 4 * capacity`.
pub const fn ring_size(capacity: usize, elem_size: usize) -> usize {
    crate::layout::unwrap_size(checked_ring_size(capacity, elem_size))
}

/// [`ring_size`], or `None` on overflow.
pub const fn checked_ring_size(capacity: usize, elem_size: usize) -> Option<usize> {
    let Some(slots) = checked_ring_slots_offset(capacity, elem_size) else {
        return None;
    };
    let Some(words) = capacity.checked_mul(4) else {
        return None;
    };
    slots.checked_add(words)
}

pub(crate) use crate::structures::read_header;

/// Checks a header's element size against `T`, and the size its capacity implies
/// (`16 + align8(capacity * elem_size) + 4 * capacity`) against the entry's.
///
/// # Errors
///
/// [`Error::ElementSizeMismatch`], [`Error::CapacityMismatch`].
pub(crate) fn check_geometry<T>(
    name: &str,
    entry: &Entry,
    capacity: usize,
    elem_size: u32,
) -> Result<()> {
    crate::structures::expect_elem_size(name, size_of::<T>(), elem_size)?;
    check_size(name, entry, capacity, size_of::<T>())
}

/// Checks that `capacity` slots of `elem_size` bytes give exactly the entry's size.
///
/// # Errors
///
/// [`Error::CapacityMismatch`].
pub(crate) fn check_size(
    name: &str,
    entry: &Entry,
    capacity: usize,
    elem_size: usize,
) -> Result<()> {
    match checked_ring_size(capacity, elem_size) {
        Some(size) if size as u64 == entry.size() => Ok(()),
        _ => Err(Error::CapacityMismatch {
            name: name.to_owned(),
            capacity: capacity as u64,
            entry_size: entry.size(),
        }),
    }
}

/// The start of a queue's or a stack's reading, for tools: `None` unless `capacity` slots
/// (a capacity the structure allows: `allowed`) of `elem_size` bytes give exactly the
/// entry's size; then a reading of `kind` with that geometry and `description`.
pub(crate) fn reading(
    p: &crate::inspect::Probe<'_>,
    kind: &'static str,
    (capacity, elem_size, allowed): (u32, u32, bool),
    description: String,
) -> Option<crate::inspect::Reading> {
    let fits = allowed
        && elem_size > 0
        && crate::inspect::ring_geometry(capacity, elem_size).map(|g| g.0) == Some(p.size);
    if !fits {
        return None;
    }
    let mut r = crate::inspect::Reading::new(kind, description);
    r.capacity = Some(u64::from(capacity));
    r.elem_size = Some(u64::from(elem_size));
    Some(r)
}
