"""What the cross-language tests share: the Rust program, segment names, processes with deadlines.

The Rust side is the example ``interop`` (``zeroipc/examples/interop.rs``); the Python side of a
queue test runs ``xlang_worker.py`` in its own interpreter. Both take the same steps and
print the same one-line ``key=value`` summaries, parsed here by :func:`summary`.
"""

import itertools
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import numpy as np

REPO = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).resolve().with_name("xlang_worker.py")

# Segment names: ``/zeroipc_xlang_<pid>_<n>``. The prefix (without the slash) is how the
# session check finds anything a test left in /dev/shm.
PREFIX = f"zeroipc_xlang_{os.getpid()}_"
_counter = itertools.count()

# Producers push ``id << 32 | seq``; ids stay below 2**32 - 1, so STOP is never an item.
STOP = np.uint64(2**64 - 1)

# How long one push or pop may wait, in either language, before the process gives up.
OP_TIMEOUT = 30.0


def unique_name() -> str:
    """A segment name no other test, and no other run, uses."""
    return f"/{PREFIX}{next(_counter)}"


def pattern(n: int) -> np.ndarray:
    """Element i of a test array: ``20 + (i % 1000) / 4``, exact in float32 (as in interop.rs)."""
    return (20.0 + (np.arange(n) % 1000) * 0.25).astype(np.float32)


def items(producer_id: int, count: int) -> np.ndarray:
    """What producer ``producer_id`` pushes, in order."""
    return (np.uint64(producer_id) << np.uint64(32)) | np.arange(count, dtype=np.uint64)


def _target_dir() -> Path:
    """Cargo's target directory: $CARGO_TARGET_DIR, else what cargo reports, else ./target."""
    if os.environ.get("CARGO_TARGET_DIR"):
        return Path(os.environ["CARGO_TARGET_DIR"]).resolve()
    try:
        out = subprocess.run(
            ["cargo", "metadata", "--format-version", "1", "--no-deps"],
            cwd=REPO,
            capture_output=True,
            check=True,
            timeout=60,
        ).stdout
        return Path(json.loads(out)["target_directory"])
    except (OSError, subprocess.SubprocessError, ValueError, KeyError):
        return REPO / "target"


def interop_binary() -> Path:
    """The built ``interop`` example; built here if it is not there yet."""
    binary = _target_dir() / "debug" / "examples" / "interop"
    if not binary.exists():
        subprocess.run(
            ["cargo", "build", "--quiet", "-p", "zeroipc", "--example", "interop"],
            cwd=REPO,
            check=True,
            timeout=900,
        )
    if not binary.exists():
        raise FileNotFoundError(f"cargo built the interop example, but not at {binary}")
    return binary


def python_worker(*args: str) -> List[str]:
    """The command line of a Python worker process doing one step."""
    return [sys.executable, str(WORKER), *args]


def summary(line: str) -> Dict[str, str]:
    """``"a=1 b=x"`` as ``{"a": "1", "b": "x"}``."""
    return dict(field.split("=", 1) for field in line.split())


class Process:
    """A child process with a deadline; its output goes to files (no pipe can fill up)."""

    def __init__(self, argv: Sequence[str], deadline: float, log_dir: Path, label: str):
        self.argv = [str(arg) for arg in argv]
        self.label = label
        self.deadline = time.monotonic() + deadline
        self._stdout_path = log_dir / f"{label}.out"
        self._stderr_path = log_dir / f"{label}.err"
        with open(self._stdout_path, "wb") as out, open(self._stderr_path, "wb") as err:
            self.popen = subprocess.Popen(self.argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        self.started = time.monotonic()
        self.finished: Optional[float] = None

    def wait(self) -> str:
        """Wait until the process exits or its deadline passes; its stdout, if it succeeded.

        Raises AssertionError (killing the process first, if it is still running) otherwise.
        """
        remaining = max(0.0, self.deadline - time.monotonic())
        try:
            self.popen.wait(timeout=remaining)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"{self.label} missed its deadline and was killed: {self.describe()}")
        self.finished = time.monotonic()
        if self.popen.returncode != 0:
            raise AssertionError(
                f"{self.label} exited with status {self.popen.returncode}: {self.describe()}"
            )
        return self._stdout_path.read_text()

    @property
    def seconds(self) -> float:
        """Wall time from start to exit."""
        assert self.finished is not None
        return self.finished - self.started

    def kill(self) -> None:
        """Kill this process (and only it) if it is still running, and reap it."""
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGKILL)
        try:
            self.popen.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass

    def describe(self) -> str:
        out = self._stdout_path.read_text(errors="replace").strip()
        err = self._stderr_path.read_text(errors="replace").strip()
        return f"{' '.join(self.argv)}\n  stdout: {out!r}\n  stderr: {err!r}"


def check_fifo_per_producer(received: np.ndarray, label: str) -> None:
    """Within one consumer's stream, each producer's sequence numbers strictly increase."""
    ids = received >> np.uint64(32)
    seqs = (received & np.uint64(0xFFFF_FFFF)).astype(np.int64)
    for producer_id in np.unique(ids):
        mine = seqs[ids == producer_id]
        backwards = np.flatnonzero(np.diff(mine) <= 0)
        assert backwards.size == 0, (
            f"{label}: producer {producer_id} item {mine[backwards[0] + 1]} "
            f"came after {mine[backwards[0]]}"
        )


def check_exactly_once(streams: Sequence[np.ndarray], expected: np.ndarray) -> None:
    """Every expected item was received once in all, and nothing else."""
    everything = np.sort(np.concatenate(streams))
    expected = np.sort(expected)
    if everything.shape == expected.shape and np.array_equal(everything, expected):
        return
    values, counts = np.unique(everything, return_counts=True)
    duplicated = values[counts > 1][:5]
    missing = np.setdiff1d(expected, values)[:5]
    extra = np.setdiff1d(values, expected)[:5]
    raise AssertionError(
        f"received {everything.size} items, expected {expected.size}; "
        f"duplicated (first 5): {[hex(v) for v in duplicated]}, "
        f"missing: {[hex(v) for v in missing]}, unexpected: {[hex(v) for v in extra]}"
    )
