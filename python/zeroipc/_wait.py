"""Bounded waiting: spin briefly, then yield, then sleep with growing pauses."""

import os
import time
from typing import Optional

_SPINS = 8
_YIELDS = 32
_FIRST_SLEEP = 20e-6
_LONGEST_SLEEP = 1e-3


class Backoff:
    """Pauses between attempts, until an optional deadline.

    ``timeout`` is in seconds; ``None`` waits without a deadline.
    """

    __slots__ = ("_deadline", "_attempt", "_sleep")

    def __init__(self, timeout: Optional[float]):
        if timeout is not None and timeout < 0:
            raise ValueError(f"timeout must not be negative, not {timeout}")
        self._deadline = None if timeout is None else time.monotonic() + timeout
        self._attempt = 0
        self._sleep = _FIRST_SLEEP

    def pause(self) -> bool:
        """Wait a little before the next attempt; False once the deadline has passed."""
        remaining = None
        if self._deadline is not None:
            remaining = self._deadline - time.monotonic()
            if remaining <= 0:
                return False
        self._attempt += 1
        if self._attempt <= _SPINS:
            return True
        if self._attempt <= _SPINS + _YIELDS:
            os.sched_yield()
            return True
        delay = self._sleep if remaining is None else min(self._sleep, remaining)
        time.sleep(delay)
        self._sleep = min(self._sleep * 2, _LONGEST_SLEEP)
        return True
