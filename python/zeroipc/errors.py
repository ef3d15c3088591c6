"""The exceptions of the package.

Every exception raised because of a name, a segment or a structure is a
:class:`ZeroIPCError`. Each class also derives from the built-in exception the
other Python implementation of the format raised in the same situation
(``FileNotFoundError``, ``FileExistsError``, ``ValueError``, ``RuntimeError``,
``TimeoutError``), so code written against it keeps catching them.
"""

from typing import Optional


class ZeroIPCError(Exception):
    """Base class of every error about a segment, a name or a structure."""


class InvalidName(ZeroIPCError, ValueError):
    """A segment or entry name breaks the naming rules; nothing was done."""

    def __init__(self, name: object, reason: str):
        self.name = name
        self.reason = reason
        super().__init__(f"invalid name {name!r}: {reason}")


class NotFound(ZeroIPCError, FileNotFoundError):
    """No segment, or no table entry, of that name exists."""

    def __init__(self, name: str, what: str = "segment"):
        self.name = name
        super().__init__(f"{what} {name!r} does not exist")


class AlreadyExists(ZeroIPCError, FileExistsError):
    """A segment, or a table entry, of that name exists already."""

    def __init__(self, name: str, what: str = "segment"):
        self.name = name
        super().__init__(f"{what} {name!r} already exists; open it, or remove it first if it is stale")


class NotReady(ZeroIPCError, TimeoutError):
    """The segment exists, but its creator did not publish it in the time allowed."""

    def __init__(self, name: str, timeout: float):
        self.name = name
        super().__init__(
            f"segment {name!r} exists but its creator has not finished initialising it (waited {timeout} s)"
        )


class BadMagic(ZeroIPCError, ValueError):
    """The segment does not start with the format's magic number."""

    def __init__(self, found: int):
        self.found = found
        super().__init__(f"not a zeroipc segment: magic is {found:#010x}, expected 0x5a49504d")


class UnsupportedVersion(ZeroIPCError, ValueError):
    """The segment is of a format version this package does not read."""

    def __init__(self, found: int):
        self.found = found
        super().__init__(f"segment has format version {found}; this package reads version 2")


class Corrupt(ZeroIPCError, ValueError):
    """The table, or a structure's own header, is inconsistent.

    ``what`` says what is wrong; ``name`` is the entry concerned, when there is one.
    """

    def __init__(self, what: str, name: Optional[str] = None):
        self.what = what
        self.name = name
        where = f"entry {name!r}: " if name is not None else ""
        super().__init__(f"corrupt segment: {where}{what}")


class ElementSizeMismatch(ZeroIPCError, ValueError):
    """A structure holds elements of another size than the dtype it is opened with."""

    def __init__(self, name: str, expected: int, found: int):
        self.name = name
        self.expected = expected
        self.found = found
        super().__init__(
            f"entry {name!r} holds {found}-byte elements, but the dtype given is {expected} bytes"
        )


class TableFull(ZeroIPCError, RuntimeError):
    """Every entry slot of the table is in use."""

    def __init__(self, max_entries: int):
        self.max_entries = max_entries
        super().__init__(
            f"the segment's table is full ({max_entries} entries); "
            "create the segment with a larger max_entries"
        )


class OutOfSpace(ZeroIPCError, RuntimeError):
    """The segment has too little room left, or the size asked for cannot hold the table."""

    def __init__(self, requested: int, available: int):
        self.requested = requested
        self.available = available
        super().__init__(f"not enough room in the segment: {requested} bytes needed, {available} available")


class Timeout(ZeroIPCError, TimeoutError):
    """A wait on a synchronisation structure, or on a segment's table lock, ran out of time.

    Raised where a result other than the wait's outcome is returned, as by
    :meth:`Once.call_once` or by adding an entry; waits that return a bool
    report a timeout by returning False instead. ``name`` is the entry's, or
    the segment's when ``what`` is ``"segment"``.
    """

    def __init__(
        self, name: str, timeout: Optional[float], what: str = "entry", waiting_for: Optional[str] = None
    ):
        self.name = name
        self.timeout = timeout
        self.what = what
        detail = f" for {waiting_for}" if waiting_for else ""
        super().__init__(f"{what} {name!r}: still waiting{detail} after {timeout} s")


class Full(ZeroIPCError, RuntimeError):
    """A map or set had no room for a new key: every slot on the key's probe path holds
    another key (removed keys leave tombstones that only the same key reuses)."""

    def __init__(self, name: str):
        self.name = name
        super().__init__(f"entry {name!r} has no free slot on the key's path")


class CountAtMaximum(ZeroIPCError, OverflowError):
    """A semaphore release found the count already at its maximum; the count is unchanged.

    The maximum is ``max_count``, or 2**31 - 1 (the largest count the format's
    i32 holds) for an unbounded semaphore. Reaching it means more releases
    than acquires somewhere.
    """

    def __init__(self, name: str, maximum: int):
        self.name = name
        self.max = maximum
        super().__init__(
            f"semaphore {name!r} is already at its maximum count {maximum}; release only what was acquired"
        )


class SlotStuck(ZeroIPCError, TimeoutError):
    """A stack slot stayed in another process's hands past the time allowed.

    This happens when a peer died between claiming a slot and releasing it.
    The failed call has given back the index it claimed (unless another
    operation moved ``top`` meanwhile), but a later operation that reaches the
    same slot fails the same way until the slot is released.
    """

    def __init__(self, name: str, index: int, state: int, timeout: float):
        self.name = name
        self.index = index
        self.state = state
        super().__init__(
            f"entry {name!r}: slot {index} stayed in state {state} for {timeout} s; "
            "a peer probably died in the middle of an operation"
        )


class NotLocked(ZeroIPCError, RuntimeError, OverflowError):
    """An unlock found the mutex unlocked; nothing changed.

    Also a ``RuntimeError`` (as this package raised before) and an ``OverflowError``
    (as the upstream package's semaphore-based mutex raises).
    """


class ElementTypeError(ZeroIPCError, TypeError, ValueError):
    """A value is not of the kind a structure's elements are (a float for an integer dtype,
    a string for a number, an array for one element); nothing was pushed.

    Also a ``TypeError``, and a ``ValueError`` as the package raised before.
    """


def _from_native(class_name: str, message: str, attrs: dict) -> ZeroIPCError:
    """The exception ``class_name`` of this module with the Rust crate's ``message`` and the
    attributes ``attrs``, made without the class's own ``__init__`` (used by the native module)."""
    cls = globals().get(class_name)
    if not (isinstance(cls, type) and issubclass(cls, ZeroIPCError)):
        cls = ZeroIPCError
    error = cls.__new__(cls)
    Exception.__init__(error, message)
    for key, value in attrs.items():
        setattr(error, key, value)
    return error
