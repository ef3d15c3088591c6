"""A counting semaphore shared between processes."""

from typing import Optional

from . import _layout as layout
from ._atomic import ACQUIRE, AtomicWord
from ._sync import check_i32, sync_entry
from ._wait import Backoff
from .errors import Corrupt, CountAtMaximum
from .memory import Memory


class Semaphore:
    """A named semaphore: ``i32 count``, ``i32 waiting``, ``i32 max_count`` (0: unbounded), padding.

    ``Semaphore(memory, name, initial_count, max_count)`` creates it if the
    entry is missing and opens it otherwise; ``Semaphore(memory, name)`` only
    opens.
    """

    def __init__(self, memory: Memory, name: str, initial_count: Optional[int] = None, max_count: int = 0):
        fields = None
        if initial_count is not None:
            initial_count = check_i32(initial_count, "initial_count", 0)
            max_count = check_i32(max_count, "max_count", 0)
            if max_count and initial_count > max_count:
                raise ValueError(f"initial_count {initial_count} is larger than max_count {max_count}")
            fields = (initial_count, 0, max_count, 0)
        entry, (_, _, stored_max, _) = sync_entry(memory, name, fields)
        if stored_max < 0:
            raise Corrupt(f"max_count {stored_max} is negative", name)
        self.memory = memory
        self.name = name
        self.max_count = stored_max
        # The largest count a release may leave; an unbounded semaphore stops where the i32 does.
        self._limit = stored_max or layout.I32_MAX
        self._count = AtomicWord(memory.data, entry.offset, signed=True)
        self._waiting = AtomicWord(memory.data, entry.offset + 4, signed=True)

    def try_acquire(self) -> bool:
        """Take one permit if one is free, without waiting."""
        count = self._count.load(ACQUIRE)
        while count > 0:
            taken, count = self._count.compare_exchange(count, count - 1)
            if taken:
                return True
        return False

    def acquire(self, timeout: Optional[float] = None) -> bool:
        """Take one permit, waiting up to ``timeout`` seconds (None: no limit); False if the time ran out."""
        backoff = Backoff(timeout)
        self._waiting.fetch_add(1)
        try:
            while not self.try_acquire():
                if not backoff.pause():
                    return False
            return True
        finally:
            self._waiting.fetch_add(-1)

    def release(self) -> None:
        """Give one permit back.

        Raises :class:`~zeroipc.CountAtMaximum` (an ``OverflowError``), and
        changes nothing, if the count is already at ``max_count``, or at
        2**31 - 1 for an unbounded semaphore.
        """
        count = self._count.load(ACQUIRE)
        while True:
            if count >= self._limit:
                raise CountAtMaximum(self.name, self._limit)
            released, count = self._count.compare_exchange(count, count + 1)
            if released:
                return

    @property
    def count(self) -> int:
        """Permits free now."""
        return self._count.load(ACQUIRE)

    @property
    def waiting(self) -> int:
        """Processes and threads waiting in :meth:`acquire` now."""
        return self._waiting.load(ACQUIRE)

    def __enter__(self) -> "Semaphore":
        self.acquire()
        return self

    def __exit__(self, exc_type, exc_value, traceback) -> None:
        self.release()

    def __repr__(self) -> str:
        return f"Semaphore(name={self.name!r}, count={self.count}, max_count={self.max_count})"
