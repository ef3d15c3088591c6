"""Atomic operations on words of the shared mapping.

The operations are real CPU atomic instructions, performed by the ``atomics``
package (a binding of the C library patomic) directly on the mapped bytes, so
another process, written in any language, sees and takes part in the same
atomics. Nothing here is a Python-level lock.
"""

from typing import Dict, Tuple

import atomics
from atomics import MemoryOrder

RELAXED = MemoryOrder.RELAXED
ACQUIRE = MemoryOrder.ACQUIRE
RELEASE = MemoryOrder.RELEASE
ACQ_REL = MemoryOrder.ACQ_REL


class AtomicWord:
    """One aligned 4- or 8-byte integer of the mapping, accessed atomically.

    The word holds a buffer export of the mapping, which therefore stays mapped
    while the word exists. The export is given back when the word is garbage
    collected.
    """

    __slots__ = ("_context", "_view")

    def __init__(self, buffer, offset: int, width: int = 4, signed: bool = False):
        self._context = atomics.atomicview(
            buffer=memoryview(buffer)[offset : offset + width], atype=atomics.INT if signed else atomics.UINT
        )
        self._view = self._context.__enter__()

    def __del__(self) -> None:
        context = getattr(self, "_context", None)
        if context is not None:
            self._context = None
            context.__exit__(None, None, None)

    def load(self, order: MemoryOrder = ACQUIRE) -> int:
        """Atomically read the word."""
        return self._view.load(order)

    def store(self, value: int, order: MemoryOrder = RELEASE) -> None:
        """Atomically write the word."""
        self._view.store(value, order)

    def compare_exchange(
        self, expected: int, desired: int, success: MemoryOrder = ACQ_REL
    ) -> Tuple[bool, int]:
        """Replace the word by ``desired`` if it holds ``expected``.

        Returns ``(True, expected)`` on success, ``(False, current)`` otherwise.
        A failed exchange is an acquire load.
        """
        result = self._view.cmpxchg_strong(expected, desired, success, ACQUIRE)
        return result.success, result.expected

    def fetch_add(self, delta: int, order: MemoryOrder = ACQ_REL) -> int:
        """Atomically add ``delta`` (wrapping) and return the previous value."""
        return self._view.fetch_add(delta, order)


class AtomicSlots:
    """The u32 words of a per-slot array, made atomic on first use.

    Making a word atomic costs tens of microseconds, so words are kept once
    made, up to ``keep`` of them; past that, a word is made for one use and
    released after it, which bounds the memory a very large structure costs.
    """

    def __init__(self, buffer, base: int, count: int, keep: int = 4096):
        self._buffer = memoryview(buffer)  # its own view: the mapping stays mapped while this lives
        self._base = base
        self._count = count
        self._keep = keep
        self._words: Dict[int, AtomicWord] = {}

    def __getitem__(self, index: int) -> AtomicWord:
        word = self._words.get(index)
        if word is None:
            if not 0 <= index < self._count:
                raise IndexError(index)
            word = AtomicWord(self._buffer, self._base + 4 * index)
            if len(self._words) < self._keep:
                # Two threads may race here; both end up using the word kept first.
                word = self._words.setdefault(index, word)
        return word
