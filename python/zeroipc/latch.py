"""A single-use countdown latch shared between processes."""

from typing import Optional

from ._atomic import ACQUIRE, AtomicWord
from ._sync import check_i32, sync_entry
from ._wait import Backoff
from .errors import Corrupt
from .memory import Memory


class Latch:
    """A named latch: ``i32 count`` (counts down to 0 and stays there), ``i32 initial_count``, padding.

    ``Latch(memory, name, count)`` creates it if the entry is missing and
    opens it otherwise; ``Latch(memory, name)`` only opens.
    """

    def __init__(self, memory: Memory, name: str, count: Optional[int] = None):
        fields = None
        if count is not None:
            count = check_i32(count, "count", 0)
            fields = (count, count, 0, 0)
        entry, (_, initial_count, _, _) = sync_entry(memory, name, fields)
        if initial_count < 0:
            raise Corrupt(f"initial_count {initial_count} is negative", name)
        self.memory = memory
        self.name = name
        self.initial_count = initial_count
        self._count = AtomicWord(memory.data, entry.offset, signed=True)

    def count_down(self, n: int = 1) -> None:
        """Lower the count by ``n``, stopping at 0."""
        if isinstance(n, bool) or not isinstance(n, int) or n <= 0:
            raise ValueError(f"count_down takes a positive int, not {n!r}")
        count = self._count.load(ACQUIRE)
        while count > 0:
            done, count = self._count.compare_exchange(count, max(0, count - n))
            if done:
                return

    def try_wait(self) -> bool:
        """True if the count has reached 0."""
        return self._count.load(ACQUIRE) <= 0

    def wait(self, timeout: Optional[float] = None) -> bool:
        """Wait for the count to reach 0, up to ``timeout`` seconds (None: no limit).

        Returns False if the time ran out.
        """
        backoff = Backoff(timeout)
        while not self.try_wait():
            if not backoff.pause():
                return False
        return True

    @property
    def count(self) -> int:
        """The count now."""
        return self._count.load(ACQUIRE)

    def __repr__(self) -> str:
        return f"Latch(name={self.name!r}, count={self.count}, initial_count={self.initial_count})"
