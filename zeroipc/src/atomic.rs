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
        #[repr(transparent)]
        #[derive(Debug)]
        pub(crate) struct $name(imp::$name);

        #[allow(dead_code)]
        impl $name {
            pub(crate) fn new(v: $int) -> $name {
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

            #[inline]
            pub(crate) fn load(&self, order: Ordering) -> $int {
                self.0.load(order)
            }

            #[inline]
            pub(crate) fn store(&self, v: $int, order: Ordering) {
                self.0.store(v, order);
            }

            #[inline]
            pub(crate) fn swap(&self, v: $int, order: Ordering) -> $int {
                self.0.swap(v, order)
            }

            #[inline]
            pub(crate) fn compare_exchange(
                &self,
                current: $int,
                new: $int,
                success: Ordering,
                failure: Ordering,
            ) -> Result<$int, $int> {
                self.0.compare_exchange(current, new, success, failure)
            }

            #[inline]
            pub(crate) fn compare_exchange_weak(
                &self,
                current: $int,
                new: $int,
                success: Ordering,
                failure: Ordering,
            ) -> Result<$int, $int> {
                self.0.compare_exchange_weak(current, new, success, failure)
            }

            #[inline]
            pub(crate) fn fetch_add(&self, v: $int, order: Ordering) -> $int {
                self.0.fetch_add(v, order)
            }

            #[inline]
            pub(crate) fn fetch_sub(&self, v: $int, order: Ordering) -> $int {
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
