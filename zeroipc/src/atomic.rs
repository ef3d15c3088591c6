//! The atomics every algorithm in the crate uses.
//!
//! Each type here wraps the atomic of the same name: `core`'s normally, loom's under
//! `--cfg loom`, so the same algorithm code runs under the model checker; the parts of the
//! crate that reach atomics inside a mapping (`from_ptr`) are compiled out then. Nothing
//! else in the crate names `core::sync::atomic` types (clippy's `disallowed-types`
//! enforces it), so the swap cannot be bypassed.

#![allow(clippy::disallowed_types)]

pub(crate) use core::sync::atomic::Ordering;

#[cfg(not(loom))]
use core::sync::atomic as imp;
#[cfg(loom)]
use loom::sync::atomic as imp;

macro_rules! atomic {
    ($name:ident, $int:ty) => {
        /// An atomic integer with the layout of the plain integer (see the module docs).
        // `pub` for the loom tests, which build the algorithms' views from heap atomics
        // (`crate::__loom`); out of reach from outside the crate otherwise.
        #[allow(unreachable_pub)]
        #[repr(transparent)]
        #[derive(Debug)]
        pub struct $name(imp::$name);

        #[allow(dead_code, unreachable_pub)]
        impl $name {
            /// An atomic holding `v`.
            pub fn new(v: $int) -> $name {
                $name(imp::$name::new(v))
            }

            /// The atomic at `ptr`.
            ///
            /// # Safety
            ///
            /// - `ptr` is valid for reads and writes of the integer and aligned to its size,
            ///   for all of `'a`;
            /// - for all of `'a`, every access to those bytes is atomic.
            #[cfg(not(loom))]
            pub(crate) unsafe fn from_ptr<'a>(ptr: *mut $int) -> &'a $name {
                // SAFETY: `$name` is `repr(transparent)` over the atomic of the same name,
                // which has the size and alignment of the integer, so `ptr` (valid, aligned,
                // accessed only atomically for `'a`: the caller's promise) is a valid
                // `&'a $name`.
                unsafe { &*ptr.cast::<$name>() }
            }

            /// The address of the integer, for system calls that name the word (futex).
            #[cfg(not(loom))]
            pub(crate) fn as_ptr(&self) -> *mut $int {
                self.0.as_ptr()
            }

            /// The value, read with `order`.
            #[inline]
            pub fn load(&self, order: Ordering) -> $int {
                self.0.load(order)
            }

            /// Stores `v` with `order`.
            #[inline]
            pub fn store(&self, v: $int, order: Ordering) {
                self.0.store(v, order);
            }

            /// Stores `v` with `order`; returns the value before.
            #[inline]
            pub fn swap(&self, v: $int, order: Ordering) -> $int {
                self.0.swap(v, order)
            }

            /// Stores `new` if the value is `current`, as the atomic of the same name does.
            ///
            /// # Errors
            ///
            /// The value found, when it is not `current`.
            #[inline]
            pub fn compare_exchange(
                &self,
                current: $int,
                new: $int,
                success: Ordering,
                failure: Ordering,
            ) -> Result<$int, $int> {
                self.0.compare_exchange(current, new, success, failure)
            }

            /// As [`compare_exchange`](Self::compare_exchange), but may fail spuriously.
            ///
            /// # Errors
            ///
            /// The value found, when it is not `current` (or spuriously).
            #[inline]
            pub fn compare_exchange_weak(
                &self,
                current: $int,
                new: $int,
                success: Ordering,
                failure: Ordering,
            ) -> Result<$int, $int> {
                self.0.compare_exchange_weak(current, new, success, failure)
            }

            /// Adds `v`, wrapping; returns the value before.
            #[inline]
            pub fn fetch_add(&self, v: $int, order: Ordering) -> $int {
                self.0.fetch_add(v, order)
            }

            /// Subtracts `v`, wrapping; returns the value before.
            #[inline]
            pub fn fetch_sub(&self, v: $int, order: Ordering) -> $int {
                self.0.fetch_sub(v, order)
            }
        }
    };
}

atomic!(AtomicU32, u32);
atomic!(AtomicI32, i32);
atomic!(AtomicU64, u64);
atomic!(AtomicUsize, usize);

/// A memory fence.
#[allow(dead_code)]
#[inline]
pub(crate) fn fence(order: Ordering) {
    imp::fence(order);
}

/// A hint that the caller is spinning on a value another thread or process will change.
#[allow(dead_code)]
#[inline]
pub(crate) fn spin_loop() {
    #[cfg(not(loom))]
    core::hint::spin_loop();
    #[cfg(loom)]
    loom::hint::spin_loop();
}

/// Gives up the rest of this thread's time slice.
#[allow(dead_code)]
#[inline]
pub(crate) fn yield_now() {
    #[cfg(not(loom))]
    std::thread::yield_now();
    #[cfg(loom)]
    loom::thread::yield_now();
}

// ---- Copies between private memory and memory that others write -------------------------
//
// Elements, headers and table entries live in memory that other threads and processes may
// write at any moment. A plain or volatile copy of such bytes is a data race in Rust's memory
// model (undefined behaviour, whatever the hardware does), so every copy into or out of a
// mapping goes through the functions below: each byte is moved by a relaxed atomic load or
// store of 1, 2, 4 or 8 bytes, the widest that the address's alignment and the bytes left
// allow. That is the per-byte atomic copy of Rust RFC 3301 (`AtomicPerByte`): a copy that
// races a writer may see some bytes old and some new (a torn value, which a `Pod` type
// accepts), never undefined behaviour. Runs of any length are copied here rather than with
// the `atomic-memcpy` crate, which copies one value of a type fixed at compile time: an
// array's run has a length known only at run time, and a copy through a fixed-size value
// would cost a second pass. The words in the middle of a run are 8 bytes; on x86-64 a run
// of `copies::LONG_RUN` bytes or more is one `rep movsb` (`string_copy`), per-byte atomic at the
// machine level and as fast as `memcpy`.

#[cfg(not(loom))]
mod copies {
    use super::Ordering;

    macro_rules! unit_copies {
        ($load:ident, $store:ident, $atomic:ident, $int:ty) => {
            /// Moves one unit from `src`, in the mapping, to private `dst`.
            ///
            /// # Safety
            ///
            /// - `src` is aligned to the unit's size and valid for reads of it, and every
            ///   access to those bytes while the copy runs is atomic;
            /// - `dst` is valid for writes of the unit's size (any alignment).
            #[inline(always)] // hot: one element is one instruction only when all of this inlines
            #[allow(clippy::inline_always)]
            unsafe fn $load(src: *const u8, dst: *mut u8) {
                // SAFETY: aligned, valid and only accessed atomically (the caller's promise);
                // every bit pattern is a valid integer.
                let word = unsafe { core::sync::atomic::$atomic::from_ptr(src.cast_mut().cast()) };
                // Relaxed: a copy orders nothing; its callers order their accesses themselves.
                let value: $int = word.load(Ordering::Relaxed);
                // SAFETY: `dst` is valid for the unit's bytes (the caller's promise).
                unsafe { dst.cast::<$int>().write_unaligned(value) };
            }

            /// Moves one unit from private `src` to `dst`, in the mapping.
            ///
            /// # Safety
            ///
            /// - `dst` is aligned to the unit's size and valid for writes of it, and every
            ///   access to those bytes while the copy runs is atomic;
            /// - `src` is valid for reads of the unit's size (any alignment).
            #[inline(always)] // hot: one element is one instruction only when all of this inlines
            #[allow(clippy::inline_always)]
            unsafe fn $store(src: *const u8, dst: *mut u8) {
                // SAFETY: `src` is valid for the unit's bytes (the caller's promise).
                let value = unsafe { src.cast::<$int>().read_unaligned() };
                // SAFETY: aligned, valid and only accessed atomically (the caller's promise).
                let word = unsafe { core::sync::atomic::$atomic::from_ptr(dst.cast()) };
                // Relaxed: as in the load.
                word.store(value, Ordering::Relaxed);
            }
        };
    }

    unit_copies!(load_u8, store_u8, AtomicU8, u8);
    unit_copies!(load_u16, store_u16, AtomicU16, u16);
    unit_copies!(load_u32, store_u32, AtomicU32, u32);
    unit_copies!(load_u64, store_u64, AtomicU64, u64);

    /// The widest unit (8, 4, 2 or 1 bytes) that `addr` is aligned to and `left` holds.
    #[inline(always)] // hot: one element is one instruction only when all of this inlines
    #[allow(clippy::inline_always)]
    fn unit_at(addr: usize, left: usize) -> usize {
        let mut unit = 8;
        while unit > 1 && (addr % unit != 0 || unit > left) {
            unit /= 2;
        }
        unit
    }

    /// From this many bytes on, a copy on x86-64 is one `rep movsb` (see [`string_copy`]);
    /// shorter runs of 8-aligned types go word by word.
    const LONG_RUN: usize = 512;

    /// Copies `len` bytes from `from` to `to` with the processor's string copy (`rep movsb`),
    /// which processors with fast short string copies (most x86-64 processors of the last decade)
    /// run at the speed of `memcpy`.
    ///
    /// This is a per-byte atomic copy: an assembly block is outside Rust's memory model (the
    /// compiler treats it as an operation it cannot see into, like a call to unknown code), and
    /// at the machine level `rep movsb` reads each source byte once and writes each destination
    /// byte once with ordinary accesses, and on x86-64 every ordinary access to a byte is atomic.
    /// A concurrent writer can make the copy torn, never undefined.
    ///
    /// # Safety
    ///
    /// - `from` is valid for reads and `to` for writes of `len` bytes, and they do not overlap;
    /// - any access to them by this process while the copy runs is atomic.
    #[cfg(target_arch = "x86_64")]
    #[inline]
    unsafe fn string_copy(from: *const u8, to: *mut u8, len: usize) {
        // SAFETY: `rep movsb` copies `rcx` bytes from `rsi` to `rdi` upwards (the direction flag
        // is clear on entry to Rust code, as the ABI requires), touching no memory but those two
        // ranges (valid and disjoint: the caller's promise) and no stack; it leaves the flags as
        // they were.
        unsafe {
            core::arch::asm!(
                "rep movsb",
                inout("rcx") len => _,
                inout("rsi") from => _,
                inout("rdi") to => _,
                options(nostack, preserves_flags)
            );
        }
    }

    /// Which way a copy goes.
    #[derive(Clone, Copy)]
    enum Way {
        /// From the mapping into private memory.
        Load,
        /// From private memory into the mapping.
        Store,
    }

    /// Copies `len` bytes between `shared` and `private`, the way `way` says, one unit at a time.
    ///
    /// # Safety
    ///
    /// - `shared` is valid for reads and writes of `len` bytes, and every access to them while
    ///   the copy runs is atomic;
    /// - `private` is valid for reads (for `Store`) or writes (for `Load`) of `len` bytes and
    ///   does not overlap `shared`.
    #[inline(always)] // hot: one element is one instruction only when all of this inlines
    #[allow(clippy::inline_always)]
    unsafe fn copy_units(way: Way, shared: *mut u8, private: *mut u8, len: usize) {
        #[cfg(target_arch = "x86_64")]
        if len >= LONG_RUN {
            let (from, to) = match way {
                Way::Load => (shared.cast_const(), private),
                Way::Store => (private.cast_const(), shared),
            };
            // SAFETY: the ranges are valid, disjoint, and reached atomically by this process
            // (the caller's promises, which are `string_copy`'s).
            unsafe { string_copy(from, to, len) };
            return;
        }
        // Moves the unit of `unit` bytes at `done`.
        let step = |done: usize, unit: usize| {
            // `wrapping_add`: `done < len`, so both stay within their ranges (the caller's).
            let s = shared.wrapping_add(done);
            let p = private.wrapping_add(done);
            let op: unsafe fn(*const u8, *mut u8) = match (way, unit) {
                (Way::Load, 8) => load_u64,
                (Way::Load, 4) => load_u32,
                (Way::Load, 2) => load_u16,
                (Way::Load, _) => load_u8,
                (Way::Store, 8) => store_u64,
                (Way::Store, 4) => store_u32,
                (Way::Store, 2) => store_u16,
                (Way::Store, _) => store_u8,
            };
            let (from, to) = match way {
                Way::Load => (s.cast_const(), p),
                Way::Store => (p.cast_const(), s),
            };
            // SAFETY: `s` is aligned to `unit` and `unit` bytes at `s` and at `p` lie within the
            // ranges the caller vouched for (both checked by the loops below, which choose
            // `unit`); `op` moves `unit` bytes from the one to the other.
            unsafe { op(from, to) };
        };
        let mut done = 0;
        // The head, up to the first 8-aligned byte. Exit: aligned, or every byte moved.
        while done < len && (shared as usize + done) % 8 != 0 {
            let unit = unit_at(shared as usize + done, len - done);
            step(done, unit);
            done += unit;
        }
        // The body, in whole words: `shared + done` is 8-aligned here and stays so.
        while len - done >= 8 {
            step(done, 8);
            done += 8;
        }
        // The tail, fewer than 8 bytes.
        while done < len {
            let unit = unit_at(shared as usize + done, len - done);
            step(done, unit);
            done += unit;
        }
    }

    /// Copies `len` bytes from `src`, in the mapping, into private `dst` (see the section's
    /// docs: per-byte atomic, torn under a concurrent writer, never undefined behaviour).
    ///
    /// # Safety
    ///
    /// - `src` is valid for reads of `len` bytes, and every access to them while the copy runs
    ///   (by this process or another) is atomic or, in another process, a plain machine access;
    /// - `dst` is valid for writes of `len` bytes and does not overlap `src`.
    #[inline(always)] // hot: one element is one instruction only when all of this inlines
    #[allow(clippy::inline_always)]
    pub(crate) unsafe fn load_bytes(src: *const u8, dst: *mut u8, len: usize) {
        // SAFETY: the caller's promises are `copy_units`'s for a load (a load only reads
        // `shared`, so the mutable pointer is never written through).
        unsafe { copy_units(Way::Load, src.cast_mut(), dst, len) }
    }

    /// Copies `len` bytes from private `src` into `dst`, in the mapping (see `load_bytes`).
    ///
    /// # Safety
    ///
    /// - `dst` is valid for writes of `len` bytes, and every access to them while the copy runs
    ///   is atomic or, in another process, a plain machine access;
    /// - `src` is valid for reads of `len` bytes and does not overlap `dst`.
    #[inline(always)] // hot: one element is one instruction only when all of this inlines
    #[allow(clippy::inline_always)]
    pub(crate) unsafe fn store_bytes(src: *const u8, dst: *mut u8, len: usize) {
        // SAFETY: the caller's promises are `copy_units`'s for a store.
        unsafe { copy_units(Way::Store, dst, src.cast_mut(), len) }
    }

    /// Copies `count` values of `T` from `src`, in the mapping, into private `dst`.
    ///
    /// # Safety
    ///
    /// As for [`load_bytes`] with `len = count * size_of::<T>()`, and `src` aligned for `T`.
    #[inline(always)] // hot: one element is one instruction only when all of this inlines
    #[allow(clippy::inline_always)]
    pub(crate) unsafe fn load_run<T: bytemuck::Pod>(src: *const T, dst: *mut T, count: usize) {
        let len = count * size_of::<T>();
        if align_of::<T>() >= 8 && len < LONG_RUN {
            // Every unit is a whole word: the alignment is known here, so no unit is chosen at
            // run time (one `T` of 8 bytes is one load).
            for i in 0..len / 8 {
                let (from, to) = (
                    src.cast::<u8>().wrapping_add(8 * i),
                    dst.cast::<u8>().wrapping_add(8 * i),
                );
                // SAFETY: `src` is 8-aligned (aligned for `T`), so is every word in the run,
                // and word `i` lies in the run the caller vouched for.
                unsafe { load_u64(from, to) };
            }
        } else {
            // SAFETY: the caller's promises.
            unsafe { load_bytes(src.cast(), dst.cast(), len) };
        }
    }

    /// Copies `count` values of `T` from private `src` into `dst`, in the mapping.
    ///
    /// # Safety
    ///
    /// As for [`store_bytes`] with `len = count * size_of::<T>()`, and `dst` aligned for `T`.
    #[inline(always)] // hot: one element is one instruction only when all of this inlines
    #[allow(clippy::inline_always)]
    pub(crate) unsafe fn store_run<T: bytemuck::Pod>(src: *const T, dst: *mut T, count: usize) {
        let len = count * size_of::<T>();
        if align_of::<T>() >= 8 && len < LONG_RUN {
            for i in 0..len / 8 {
                let (from, to) = (
                    src.cast::<u8>().wrapping_add(8 * i),
                    dst.cast::<u8>().wrapping_add(8 * i),
                );
                // SAFETY: `dst` is 8-aligned (aligned for `T`), so is every word in the run, and
                // word `i` lies in the run the caller vouched for.
                unsafe { store_u64(from, to) };
            }
        } else {
            // SAFETY: the caller's promises.
            unsafe { store_bytes(src.cast(), dst.cast(), len) };
        }
    }

    /// Copies the `T` at `src`, in the mapping, into private memory.
    ///
    /// # Safety
    ///
    /// As for [`load_run`] with `count = 1`.
    #[inline(always)] // hot: one element is one instruction only when all of this inlines
    #[allow(clippy::inline_always)]
    pub(crate) unsafe fn load<T: bytemuck::Pod>(src: *const T) -> T {
        let mut value = T::zeroed();
        // SAFETY: the caller's promises; `value` is private and one `T` long.
        unsafe { load_run(src, &mut value, 1) };
        value
    }

    /// Copies `value` to `dst`, in the mapping.
    ///
    /// # Safety
    ///
    /// As for [`store_run`] with `count = 1`.
    #[inline(always)] // hot: one element is one instruction only when all of this inlines
    #[allow(clippy::inline_always)]
    pub(crate) unsafe fn store<T: bytemuck::Pod>(dst: *mut T, value: T) {
        // SAFETY: the caller's promises; `value` is private and one `T` long.
        unsafe { store_run(&value, dst, 1) };
    }
}
#[cfg(not(loom))]
pub(crate) use copies::{load, load_bytes, load_run, store, store_bytes, store_run};

#[cfg(all(test, not(loom)))]
mod tests {
    use super::copies::load_bytes;
    use super::*;

    /// Every head offset and a spread of lengths, short (units) and long (the string copy),
    /// both ways, against a plain copy of the same bytes.
    #[test]
    fn copies_move_exactly_the_bytes_asked_for() {
        let lens = [
            0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 63, 511, 512, 513, 4095, 4096, 4103,
        ];
        for offset in 0..8 {
            for len in lens {
                // "Shared" bytes: 8-aligned storage, reached at `offset`.
                let mut shared = vec![0u64; (offset + len) / 8 + 2];
                let at = shared.as_mut_ptr().cast::<u8>().wrapping_add(offset);
                let pattern: Vec<u8> = (0..len).map(|i| (i * 7 + offset) as u8 | 1).collect();

                // SAFETY: `offset + len` bytes fit in `shared`; nothing else touches it.
                unsafe { store_bytes(pattern.as_ptr(), at, len) };
                let all = bytemuck::cast_slice::<u64, u8>(&shared);
                assert!(
                    all[..offset].iter().all(|&b| b == 0),
                    "{offset} {len}: before"
                );
                assert_eq!(&all[offset..offset + len], &pattern[..], "{offset} {len}");
                assert!(
                    all[offset + len..].iter().all(|&b| b == 0),
                    "{offset} {len}: after"
                );

                let mut back = vec![0u8; len];
                // SAFETY: as above; `back` is private and `len` long.
                unsafe { load_bytes(at, back.as_mut_ptr(), len) };
                assert_eq!(back, pattern, "{offset} {len}: back");
            }
        }
    }

    #[test]
    fn runs_of_words_round_trip_short_and_long() {
        for count in [0, 1, 5, 63, 64, 65, 1000] {
            let src: Vec<u64> = (0..count as u64).map(|i| i * 0x0101_0101 + 3).collect();
            let mut shared = vec![0u64; count];
            let mut back = vec![0u64; count];
            // SAFETY: both runs are `count` long, aligned, and private to this test.
            unsafe { store_run(src.as_ptr(), shared.as_mut_ptr(), count) };
            // SAFETY: as above.
            unsafe { load_run(shared.as_ptr(), back.as_mut_ptr(), count) };
            assert_eq!(shared, src);
            assert_eq!(back, src);
        }
    }
}
