"""A named POSIX shared-memory segment and its table."""

import errno
import fcntl
import math
import mmap as mmap_module
import os
import struct
import threading
import time
from typing import Callable, Optional

from . import _layout as layout
from ._atomic import ACQUIRE, RELEASE, AtomicWord
from ._table import Table, TableEntry
from ._wait import Backoff
from .errors import (
    AlreadyExists,
    BadMagic,
    Corrupt,
    NotFound,
    NotReady,
    OutOfSpace,
    Timeout,
    UnsupportedVersion,
)

DEFAULT_LOCK_TIMEOUT = 10.0
"""Seconds an add waits for the table lock by default (as the Rust implementation does)."""


def _unlink(name: str) -> bool:
    """Remove the segment called ``name``; False if there was none.

    Processes that have it open keep their mapping; the name is free at once.
    """
    path = layout.shm_path(name)
    try:
        os.unlink(path)
    except FileNotFoundError:
        return False
    return True


class _UnlinkMethod:
    """``Memory.unlink(name)`` removes a segment by name; ``memory.unlink()`` removes this one."""

    def __get__(self, instance, owner):
        if instance is None:
            return _unlink
        return lambda: _unlink(instance.name)


class Memory:
    """A shared-memory segment in format version 2.

    ``Memory(name, size)`` with ``size > 0`` creates the segment, exclusively:
    if a segment of that name exists it is left untouched and
    :class:`~zeroipc.AlreadyExists` is raised. The file gets permissions
    ``mode``, its table gets ``max_entries`` slots, and the magic number is
    stored last, once everything else is in place.

    ``Memory(name)`` opens an existing segment. Its size comes from the
    operating system and ``max_entries`` from its header (the argument is
    ignored). The header and every table entry are checked before anything is
    used; a segment whose magic is still zero is waited for up to
    ``ready_timeout`` seconds, then :class:`~zeroipc.NotReady` is raised.

    Adding an entry takes the segment's table lock (``flock``); if another
    process keeps it for ``lock_timeout`` seconds, the add raises
    :class:`~zeroipc.Timeout` and changes nothing.

    Names are ``/`` followed by up to 255 bytes without ``/`` (Linux keeps the
    segment as ``/dev/shm/<name>``).
    """

    unlink = _UnlinkMethod()

    def __init__(
        self,
        name: str,
        size: int = 0,
        max_entries: int = layout.DEFAULT_MAX_ENTRIES,
        mode: int = 0o600,
        *,
        ready_timeout: float = 1.0,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    ):
        path = layout.shm_path(name)
        if isinstance(size, bool) or not isinstance(size, int):
            raise TypeError(f"size must be an int, not {type(size).__name__}")
        if size < 0:
            raise ValueError(f"size must not be negative, not {size}")
        if (
            isinstance(lock_timeout, bool)
            or not isinstance(lock_timeout, (int, float))
            or not (math.isfinite(lock_timeout) and lock_timeout >= 0)
        ):
            raise ValueError(
                f"lock_timeout must be a finite number of seconds, 0 or more, not {lock_timeout!r}"
            )
        self.name = name
        self.lock_timeout = float(lock_timeout)
        self.owner = size > 0
        self._lock = threading.Lock()
        self._native_segment = None
        self._fd: Optional[int] = None
        self._mmap: Optional[mmap_module.mmap] = None
        self._table: Optional[Table] = None
        if self.owner:
            self._create(path, size, max_entries, mode)
        else:
            self._open(path, ready_timeout)

    def _create(self, path: str, size: int, max_entries: int, mode: int) -> None:
        if isinstance(max_entries, bool) or not isinstance(max_entries, int):
            raise TypeError(f"max_entries must be an int, not {type(max_entries).__name__}")
        if not 1 <= max_entries <= layout.U32_MAX:
            raise ValueError(f"max_entries must be between 1 and {layout.U32_MAX}, not {max_entries}")
        if isinstance(mode, bool) or not isinstance(mode, int) or not 0 <= mode <= 0o777:
            raise ValueError(f"mode must be permission bits between 0 and 0o777, not {mode!r}")
        table_end = layout.table_size(max_entries)
        if size < table_end:
            raise OutOfSpace(table_end, size)
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
        except FileExistsError:
            raise AlreadyExists(self.name) from None
        self._fd = fd
        try:
            os.fchmod(fd, mode)  # the umask must not change the mode asked for
            _reserve(fd, size)
            if not _attach(fd):
                raise Corrupt("a new segment's attachment lock is taken")
            self._map(size)
            layout.TABLE_HEADER.pack_into(self._mmap, 0, 0, layout.VERSION, 0, max_entries, size, table_end)
            # Publication: the magic goes last. Release: pairs with the acquire load in `_wait_for_magic`.
            AtomicWord(self._mmap, layout.MAGIC_AT).store(layout.MAGIC, RELEASE)
        except BaseException:
            self._release_mapping()
            os.unlink(path)
            raise
        self.max_entries = max_entries
        self._table = Table(self._mmap, size, max_entries, limit=size)

    def _open(self, path: str, ready_timeout: float) -> None:
        try:
            self._fd = os.open(path, os.O_RDWR | os.O_NOFOLLOW)
        except FileNotFoundError:
            raise NotFound(self.name) from None
        try:
            backoff = Backoff(ready_timeout)
            # A handle that replaces a stale segment holds the attachment byte exclusively
            # while it removes the object: wait for it, as for an unpublished segment.
            while not _attach(self._fd):
                if not backoff.pause():
                    raise NotReady(self.name, ready_timeout)
            self._wait_for_magic(ready_timeout)
            self._check_header()
        except BaseException:
            self._release_mapping()
            raise

    def _wait_for_magic(self, ready_timeout: float) -> None:
        """Map the segment once its creator has published it (stored the magic)."""
        backoff = Backoff(ready_timeout)
        while True:
            size = os.fstat(self._fd).st_size
            if size >= layout.TABLE_HEADER.size:
                self._map(size)
                # Acquire: pairs with the release store of the magic by the creator.
                magic = AtomicWord(self._mmap, layout.MAGIC_AT).load(ACQUIRE)
                if magic == layout.MAGIC:
                    return
                self._unmap()
                if magic != 0:
                    raise BadMagic(magic)
            if not backoff.pause():
                if 0 < size < layout.TABLE_HEADER.size:
                    raise Corrupt(f"the segment is {size} bytes, smaller than the 32-byte table header")
                raise NotReady(self.name, ready_timeout)

    def _check_header(self) -> None:
        size = len(self._mmap)
        _, version, entry_count, max_entries, memory_size, _ = layout.TABLE_HEADER.unpack_from(self._mmap, 0)
        if version != layout.VERSION:
            raise UnsupportedVersion(version)
        table_end = layout.table_size(max_entries)
        if table_end > size:
            raise Corrupt(f"a table of {max_entries} entries needs {table_end} bytes; the segment has {size}")
        if entry_count > max_entries:
            raise Corrupt(f"entry_count {entry_count} is larger than max_entries {max_entries}")
        if memory_size > size:
            raise Corrupt(f"memory_size {memory_size} is larger than the segment's real size {size}")
        if memory_size < table_end:
            raise Corrupt(f"memory_size {memory_size} is smaller than the table ({table_end} bytes)")
        self.max_entries = max_entries
        self._table = Table(self._mmap, size, max_entries, limit=memory_size)
        self._table.entries()  # checks every entry

    def _map(self, size: int) -> None:
        self._mmap = mmap_module.mmap(self._fd, size)

    def _unmap(self) -> None:
        """Drop this object's mapping; views of it held elsewhere keep it mapped until they go."""
        self._table = None
        if self._mmap is not None:
            try:
                self._mmap.close()
            except BufferError:
                pass  # structures still view the mapping; it is unmapped when they are gone
            self._mmap = None

    def _release_mapping(self) -> None:
        self._unmap()
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    @property
    def size(self) -> int:
        """The segment's size in bytes, as the operating system reports it."""
        return len(self._require_open())

    @property
    def mmap(self) -> mmap_module.mmap:
        """The mapping of the whole segment."""
        return self._require_open()

    @property
    def data(self) -> mmap_module.mmap:
        """The mapping of the whole segment (an alias of :attr:`mmap`)."""
        return self._require_open()

    @property
    def table(self) -> Table:
        """The segment's table of named structures."""
        self._require_open()
        return self._table

    def _require_open(self) -> mmap_module.mmap:
        if self._mmap is None:
            raise ValueError(f"segment {self.name!r} is closed")
        return self._mmap

    def allocate(self, name: str, size: int) -> int:
        """Add an entry of ``size`` zeroed bytes called ``name``; return its offset."""
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise ValueError(f"size must be a non-negative int, not {size!r}")
        return self._add_entry(name, size).offset

    def _add_entry(self, name: str, size: int, init: Optional[Callable[[int], None]] = None) -> TableEntry:
        """Add an entry under the segment's lock: a thread lock, and ``flock`` for other processes.

        Both are waited for, together, at most ``lock_timeout`` seconds.
        """
        table = self.table
        deadline = time.monotonic() + self.lock_timeout
        if not self._lock.acquire(timeout=self.lock_timeout):
            raise self._lock_timeout()
        try:
            self._flock(deadline)
            try:
                return table.add(name, size, init)
            finally:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._lock.release()

    def _flock(self, deadline: float) -> None:
        """Take ``flock(LOCK_EX)`` on the segment, polling until ``deadline`` (a monotonic time).

        A blocking ``flock`` would wait for ever on a process that never lets go.
        """
        backoff = Backoff(max(0.0, deadline - time.monotonic()))
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if not backoff.pause():
                    raise self._lock_timeout() from None

    def _lock_timeout(self) -> Timeout:
        return Timeout(self.name, self.lock_timeout, what="segment", waiting_for="its table lock")

    def _entry_for(
        self, name: str, size: Optional[int], init: Optional[Callable[[int], None]] = None
    ) -> TableEntry:
        """The entry ``name``, created with ``size`` bytes and ``init`` if missing and ``size`` is given.

        Raises :class:`~zeroipc.NotFound` when it is missing and ``size`` is None.
        """
        entry = self.table.find(name)
        if entry is not None:
            return entry
        if size is None:
            raise NotFound(name, "entry")
        try:
            return self._add_entry(name, size, init)
        except AlreadyExists:
            entry = self.table.find(name)  # another process created it meanwhile
            if entry is None:
                raise
            return entry

    def others_attached(self) -> bool:
        """Whether any other handle (in this process or another, Python or Rust) has this
        segment open. Implementations that do not take the attachment lock are not seen."""
        if self._fd is None:
            raise ValueError("the segment is closed")
        return _others_attached(self._fd)

    def _segment(self):
        """The segment as the native module maps it (opened on first use, then kept): what
        the native structures are made in."""
        segment = self._native_segment
        if segment is None:
            from ._native import Segment

            segment = self._native_segment = Segment.open(self.name)
        return segment

    def close(self) -> None:
        """Close the segment (it stays in the system until unlinked).

        Structures opened from it keep their views of the mapping, which stays
        mapped until they are gone.
        """
        if self._fd is not None or self._mmap is not None:
            self._release_mapping()

    def __enter__(self) -> "Memory":
        return self

    def __exit__(self, exc_type, exc_value, traceback) -> None:
        self.close()

    def __del__(self) -> None:
        if getattr(self, "_fd", None) is not None:
            self.close()

    def __repr__(self) -> str:
        if self._mmap is None:
            return f"Memory(name={self.name!r}, closed)"
        return f"Memory(name={self.name!r}, size={self.size}, max_entries={self.max_entries})"


# Every handle holds a shared open-file-description lock on this byte of the segment's
# file for as long as it is open, as the Rust crate's handles do (SPECIFICATION.md,
# "Attachment"): the kernel drops it when the process ends, however it ends, so a process
# can tell whether anyone else still has the segment open.
_ATTACH_OFFSET = 1 << 62
_F_OFD_GETLK = getattr(fcntl, "F_OFD_GETLK", 36)
_F_OFD_SETLK = getattr(fcntl, "F_OFD_SETLK", 37)
_FLOCK = struct.Struct("hhqqi4x")  # struct flock on Linux: l_type, l_whence, l_start, l_len, l_pid


def _attach(fd: int) -> bool:
    """Take the shared attachment lock on ``fd``; ``False`` if an exclusive one is in the way."""
    request = _FLOCK.pack(fcntl.F_RDLCK, os.SEEK_SET, _ATTACH_OFFSET, 1, 0)
    try:
        fcntl.fcntl(fd, _F_OFD_SETLK, request)
    except OSError as e:
        if e.errno in (errno.EAGAIN, errno.EACCES):
            return False
        raise
    return True


def _others_attached(fd: int) -> bool:
    """Whether a handle other than ``fd``'s holds the attachment lock."""
    request = _FLOCK.pack(fcntl.F_WRLCK, os.SEEK_SET, _ATTACH_OFFSET, 1, 0)
    answer = fcntl.fcntl(fd, _F_OFD_GETLK, request)
    return _FLOCK.unpack(answer)[0] != fcntl.F_UNLCK


def _reserve(fd: int, size: int) -> None:
    """Give the new segment its size, reserving the memory where the system can.

    Reserving now turns a full /dev/shm into an error here, instead of a
    SIGBUS on some later write.
    """
    try:
        os.posix_fallocate(fd, 0, size)
    except OSError as error:
        if error.errno not in (errno.EOPNOTSUPP, errno.EINVAL):
            raise
        os.ftruncate(fd, size)
