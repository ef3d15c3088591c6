"""Arrays across languages: Rust writes and Python reads through a numpy view, and the reverse.

The Rust side is ``zeroipc/examples/interop.rs``; element i of every test array is ``pattern(i)``,
computed the same way in both languages and exact in float32, so values compare for equality.
"""

import re
import sys

import numpy as np
import pytest
from xlang_support import REPO, pattern, summary

from zeroipc import Array, ElementSizeMismatch, Memory

STEP_DEADLINE = 60.0


def run(processes, argv, label=None):
    """Run one step to completion within its deadline; its summary line as a dict."""
    return summary(processes(argv, STEP_DEADLINE, label).wait())


def test_rust_writes_python_reads_the_sensor_array_as_a_live_view(interop, segment, processes):
    name = segment()
    run(processes, [interop, "write-array", name, "temperature", "1000"], "rust_writer")

    with Memory(name) as mem:  # size 0: open
        temps = Array(mem, "temperature", dtype=np.float32)
        assert (temps.name, temps.dtype, temps.capacity, len(temps)) == (
            "temperature",
            np.float32,
            1000,
            1000,
        )
        view = temps.data
        assert not view.flags.owndata  # a view of the mapping, not a copy
        np.testing.assert_array_equal(view, pattern(1000))
        assert temps[999] == pattern(1000)[999]
        np.testing.assert_array_equal(temps[2:5], pattern(1000)[2:5])

        # Another process's write shows in the view already held, with no re-read.
        run(processes, [interop, "set", name, "temperature", "7", "-1.5"], "rust_set")
        assert view[7] == np.float32(-1.5)
        del view, temps


def _readme_python_quick_start() -> str:
    """The Python quick start of README.md: the python block that opens ``/sensors``."""
    readme = (REPO / "README.md").read_text()
    for block in re.findall(r"```python\n(.*?)```", readme, flags=re.S):
        if '"/sensors"' in block and "Array(" in block:
            return block
    raise AssertionError("README.md has no python block that opens the /sensors segment")


def test_the_readme_python_quick_start_reads_a_segment_rust_wrote(interop, segment, processes):
    name = segment()
    run(processes, [interop, "write-array", name, "temperature", "1000"], "rust_writer")
    code = _readme_python_quick_start().replace('"/sensors"', repr(name))
    reader = processes([sys.executable, "-c", code], STEP_DEADLINE, "readme_reader")
    output = reader.wait().strip()
    # The quick start prints the first ten values through the numpy view.
    assert output == str(pattern(1000)[:10])


def test_python_writes_rust_reads(interop, segment, processes):
    name = segment()
    with Memory(name, 1 << 20) as mem:  # size > 0: create
        temps = Array(mem, "temperature", 1000, np.float32)
        temps.fill(1.0)
        temps[0] = 20.0  # pattern(0), through indexing
        temps[1:1000] = pattern(1000)[1:]  # the rest, through a slice
        del temps
    got = run(processes, [interop, "read-array", name, "temperature", "1000"], "rust_reader")
    assert int(got["len"]) == 1000
    assert float(got["first"]) == pattern(1000)[0]
    assert float(got["last"]) == pattern(1000)[-1]
    assert float(got["sum"]) == pattern(1000).astype(np.float64).sum()


@pytest.mark.parametrize("n", [1, 1_000_000])
def test_sizes_both_ways(interop, segment, processes, n):
    rust_written = segment()
    run(processes, [interop, "write-array", rust_written, "big", str(n)], "rust_writer")
    with Memory(rust_written) as mem:
        np.testing.assert_array_equal(Array(mem, "big", dtype=np.float32).data, pattern(n))

    python_written = segment()
    with Memory(python_written, 8 * n + (1 << 16)) as mem:
        Array(mem, "big", n, np.float32).data[:] = pattern(n)
    got = run(processes, [interop, "read-array", python_written, "big", str(n)], "rust_reader")
    assert int(got["len"]) == n


def test_an_element_size_mismatch_is_an_error_in_both_languages(interop, segment, processes):
    rust_written = segment()
    run(processes, [interop, "write-array", rust_written, "temperature", "10"], "rust_writer")
    with Memory(rust_written) as mem:
        with pytest.raises(ElementSizeMismatch):
            Array(mem, "temperature", dtype=np.float64)

    python_written = segment()
    with Memory(python_written, 1 << 16) as mem:
        Array(mem, "temperature", 10, np.float64)
    reader = processes([interop, "read-array", python_written, "temperature"], STEP_DEADLINE, "rust_reader")
    with pytest.raises(AssertionError, match="exited with status 1"):
        reader.wait()
    assert "temperature" in reader.describe()


def test_a_python_handle_counts_as_attached_for_rust(interop, segment, processes):
    name = segment()
    with Memory(name, 1 << 16):
        assert run(processes, [interop, "attached", name], "rust_attached")["others_attached"] == "true"
    # The segment outlives its handles; nobody has it open now.
    assert run(processes, [interop, "attached", name], "rust_alone")["others_attached"] == "false"
