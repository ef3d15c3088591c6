"""What the synchronisation structures (native, in ``zeroipc._native``) use from Python."""

from enum import IntEnum


class EventMode(IntEnum):
    """How an :class:`~zeroipc.Event` resets, as the upstream package names it: pass
    ``EventMode.MANUAL_RESET`` (stays set until reset) or ``EventMode.AUTO_RESET`` (lets
    one waiter through per set) where ``manual_reset`` is taken."""

    AUTO_RESET = 0
    MANUAL_RESET = 1
