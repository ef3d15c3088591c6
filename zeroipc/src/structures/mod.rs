//! The data structures a segment holds, one per file.

#[cfg(not(loom))]
pub(crate) mod array;
pub(crate) mod queue;
#[cfg(not(loom))]
pub(crate) mod ring;
pub(crate) mod slots;
pub(crate) mod stack;
pub(crate) mod wait;

#[cfg(not(loom))]
use std::marker::PhantomData;

/// The compile-time rules every element type (and a signal's value type) follows: it has
/// bytes, and format v2 can align it. `let () = ElementType::<T>::OK;` in a constructor turns
/// a broken rule into a compile error that names it.
#[cfg(not(loom))]
pub(crate) struct ElementType<T>(PhantomData<T>);

#[cfg(not(loom))]
impl<T> ElementType<T> {
    /// `T` is not zero-sized: a zero-sized element would make every length a division by
    /// zero, and an entry of any size would hold "any number" of them.
    pub(crate) const NOT_ZERO_SIZED: () = assert!(
        size_of::<T>() > 0,
        "zeroipc: zero-sized element types (such as `()` or `[u8; 0]`) are not supported: a segment stores each element as its bytes; use a type of at least one byte"
    );
    /// `T`'s alignment is at most 8, as format v2 requires.
    pub(crate) const ALIGN_OK: () = assert!(
        align_of::<T>() <= 8,
        "zeroipc: element types with an alignment above 8 are not supported by format v2"
    );
    /// Both rules.
    pub(crate) const OK: () = {
        let () = Self::NOT_ZERO_SIZED;
        let () = Self::ALIGN_OK;
    };
}
