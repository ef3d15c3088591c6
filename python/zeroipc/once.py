"""A function run exactly once among the processes sharing a segment."""

from typing import Callable, Optional

from . import _layout as layout
from ._atomic import ACQUIRE, RELEASE, AtomicWord
from ._wait import Backoff
from .errors import Corrupt, Timeout
from .memory import Memory

SIZE = 4
PENDING = 0
RUNNING = 1
DONE = 2


class Once:
    """A named once flag: ``u32 state``, 0 pending, 1 running, 2 done.

    ``Once(memory, name, create=True)`` creates it (pending) if the entry is
    missing and opens it otherwise; ``Once(memory, name)`` only opens. Opening
    checks the entry's size (4 bytes) and its state (0, 1 or 2).

    The first :meth:`call_once` runs its function; calls made while it runs
    wait for it to finish; later calls return at once. If the function raises,
    the flag goes back to pending and the next call runs its own function. A
    process that dies while running the function leaves the flag running for
    ever: waits with a timeout then raise :class:`~zeroipc.Timeout`.
    """

    def __init__(self, memory: Memory, name: str, create: bool = False):
        layout.entry_name(name)
        entry = memory._entry_for(name, SIZE if create else None)  # a new entry is zeroed: pending
        if entry.size != SIZE:
            raise Corrupt(f"size {entry.size} is not the {SIZE} bytes of a once flag", name)
        self.memory = memory
        self.name = name
        self._state = AtomicWord(memory.data, entry.offset)
        state = self._state.load(ACQUIRE)
        if state > DONE:
            raise self._corrupt(state)

    def _corrupt(self, state: int) -> Corrupt:
        return Corrupt(f"once state {state} is not 0 (pending), 1 (running) or 2 (done)", self.name)

    def call_once(self, fn: Callable[[], object], timeout: Optional[float] = None) -> bool:
        """Run ``fn`` if no one has run this flag's function yet; True if this call ran it.

        While another caller runs its function, waits up to ``timeout`` seconds
        (None: no limit) and raises :class:`~zeroipc.Timeout` if that caller
        has not finished by then (``fn`` is then not run). An exception ``fn``
        raises puts the flag back to pending and goes on.
        """
        backoff = Backoff(timeout)
        while True:
            state = self._state.load(ACQUIRE)
            if state == DONE:
                return False
            if state == PENDING:
                taken, _ = self._state.compare_exchange(PENDING, RUNNING)
                if taken:
                    try:
                        fn()
                    except BaseException:
                        self._state.store(PENDING, RELEASE)
                        raise
                    self._state.store(DONE, RELEASE)
                    return True
            elif state == RUNNING:
                if not backoff.pause():
                    raise Timeout(self.name, timeout)
            else:
                raise self._corrupt(state)

    def wait(self, timeout: Optional[float] = None) -> bool:
        """Wait, without running anything, until the function has run, up to ``timeout`` seconds.

        Returns False if the time ran out.
        """
        backoff = Backoff(timeout)
        while True:
            state = self._state.load(ACQUIRE)
            if state == DONE:
                return True
            if state > DONE:
                raise self._corrupt(state)
            if not backoff.pause():
                return False

    def done(self) -> bool:
        """Whether the function has run to completion (here or in another process)."""
        return self._state.load(ACQUIRE) == DONE

    is_completed = done

    @property
    def state(self) -> int:
        """The state now: 0 pending, 1 running, 2 done."""
        return self._state.load(ACQUIRE)

    def __repr__(self) -> str:
        return f"Once(name={self.name!r}, state={self.state})"
