"""A reusable barrier shared between processes."""

from typing import Optional

from ._atomic import ACQUIRE, RELEASE, AtomicWord
from ._sync import check_i32, sync_entry
from ._wait import Backoff
from .errors import Corrupt
from .memory import Memory

OPENING_PATIENCE = 1.0
"""Seconds a timed-out waiter gives a barrier that is opening with its arrival to open."""


class Barrier:
    """A named barrier: ``i32 arrived``, ``i32 generation``, ``i32 num_participants``, padding.

    The last of ``num_participants`` arrivals resets ``arrived`` to 0 and
    bumps ``generation``, which releases the others.

    ``Barrier(memory, name, num_participants)`` creates it if the entry is
    missing and opens it otherwise; ``Barrier(memory, name)`` only opens.
    """

    def __init__(self, memory: Memory, name: str, num_participants: Optional[int] = None):
        fields = None
        if num_participants is not None:
            num_participants = check_i32(num_participants, "num_participants", 1)
            fields = (0, 0, num_participants, 0)
        entry, (_, _, stored, _) = sync_entry(memory, name, fields)
        if stored <= 0:
            raise Corrupt(f"num_participants {stored} is not positive", name)
        self.memory = memory
        self.name = name
        self.num_participants = stored
        self._arrived = AtomicWord(memory.data, entry.offset, signed=True)
        self._generation = AtomicWord(memory.data, entry.offset + 4, signed=True)

    def wait(self, timeout: Optional[float] = None) -> bool:
        """Arrive, and wait for all participants, up to ``timeout`` seconds (None: no limit).

        Returns False if the time ran out; the arrival is then withdrawn.
        If the barrier is already opening when the time runs out (every
        participant has arrived), the arrival counted: the wait goes on for
        the opening (up to ``OPENING_PATIENCE`` seconds more) and counts as
        success.
        """
        generation = self._generation.load(ACQUIRE)
        if self._arrived.fetch_add(1) + 1 >= self.num_participants:
            self._arrived.store(0, RELEASE)
            self._generation.fetch_add(1)
            return True
        backoff = Backoff(timeout)
        while self._generation.load(ACQUIRE) == generation:
            if not backoff.pause():
                return self._withdraw(generation)
        return True

    def _withdraw(self, generation: int) -> bool:
        """After a wait for ``generation`` gave up: take the arrival back; True if the barrier opened.

        If the barrier is opening (``arrived`` has reached ``num_participants``,
        or the last arrival has reset it), the arrival counted and is not taken
        back: wait up to ``OPENING_PATIENCE`` seconds for the new generation,
        and return False only if it does not come (a leader that died between
        reaching the count and bumping the generation).
        """
        patience = None
        while self._generation.load(ACQUIRE) == generation:
            arrived = self._arrived.load(ACQUIRE)
            if arrived >= self.num_participants or arrived <= 0:
                if patience is None:
                    patience = Backoff(OPENING_PATIENCE)
                if not patience.pause():
                    return self._generation.load(ACQUIRE) != generation
                continue
            withdrawn, _ = self._arrived.compare_exchange(arrived, arrived - 1)
            if withdrawn:
                return False
        return True

    @property
    def arrived(self) -> int:
        """Participants waiting now."""
        return self._arrived.load(ACQUIRE)

    @property
    def generation(self) -> int:
        """How many times the barrier has opened (wrapping at 2**31)."""
        return self._generation.load(ACQUIRE)

    def __repr__(self) -> str:
        return (
            f"Barrier(name={self.name!r}, arrived={self.arrived}, num_participants={self.num_participants})"
        )
