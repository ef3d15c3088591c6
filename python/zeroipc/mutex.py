"""A mutual-exclusion lock shared between processes."""

from typing import Optional

from .errors import Corrupt, CountAtMaximum
from .memory import Memory
from .semaphore import Semaphore


class Mutex:
    """A named mutex: a :class:`Semaphore` of count 1 and max_count 1 under the mutex's own name.

    ``Mutex(memory, name, create=True)`` creates it (unlocked) if the entry is
    missing and opens it otherwise; ``Mutex(memory, name)`` only opens. Opening
    checks that the semaphore is a mutex: ``max_count`` 1 and a count of 0 or 1.

    The lock is not owned: any process may release it, as in every other
    implementation of the format.
    """

    def __init__(self, memory: Memory, name: str, create: bool = False):
        if create:
            sem = Semaphore(memory, name, initial_count=1, max_count=1)
        else:
            sem = Semaphore(memory, name)
        if sem.max_count != 1:
            raise Corrupt(f"a mutex is a semaphore of max_count 1, and this one has {sem.max_count}", name)
        count = sem.count
        if count not in (0, 1):
            raise Corrupt(f"a mutex's count is 0 or 1, and this one's is {count}", name)
        self.memory = memory
        self.name = name
        self._sem = sem

    def try_acquire(self) -> bool:
        """Take the lock if it is free, without waiting."""
        return self._sem.try_acquire()

    def acquire(self, timeout: Optional[float] = None) -> bool:
        """Take the lock, waiting up to ``timeout`` seconds (None: no limit); False if the time ran out."""
        return self._sem.acquire(timeout)

    def release(self) -> None:
        """Give the lock back.

        Raises RuntimeError if it is not locked.
        """
        try:
            self._sem.release()
        except CountAtMaximum:
            raise RuntimeError(f"mutex {self.name!r} is not locked") from None

    def locked(self) -> bool:
        """Whether someone holds the lock now."""
        return self._sem.count == 0

    def __enter__(self) -> "Mutex":
        self.acquire()
        return self

    def __exit__(self, exc_type, exc_value, traceback) -> None:
        self.release()

    def __repr__(self) -> str:
        return f"Mutex(name={self.name!r}, locked={self.locked()})"
