#!/usr/bin/env bash
# Runs every test of the project, from a fresh checkout on a fresh machine: the Rust
# workspace (unit, integration, multi-process, golden vectors, compile-fail and doc tests),
# the loom models, the Python package's tests and the cross-language tests.
# It installs what it needs (the Python package, built from the Rust crate by maturin, and
# pytest, in a virtual environment under target/) and starts nothing that outlives it.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

step() { printf '\n==> %s\n' "$*"; }

step "Python environment (target/pyenv)"
if [ ! -x target/pyenv/bin/python ]; then
    mkdir -p target
    python3 -m venv target/pyenv
fi
target/pyenv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade ./python pytest

step "Rust: build everything (examples and the zeroipc command included)"
cargo build --workspace --all-targets --quiet

step "Rust: unit, integration, multi-process and compile-fail tests"
if cargo nextest --version >/dev/null 2>&1; then
    cargo nextest run --workspace --no-fail-fast
else
    cargo test --workspace --no-fail-fast
fi

step "Rust: doc tests"
cargo test --workspace --doc --quiet

loom_tests=()
for f in zeroipc/tests/loom_*.rs; do
    [ -e "$f" ] && loom_tests+=(--test "$(basename "$f" .rs)")
done
if [ ${#loom_tests[@]} -gt 0 ]; then
    step "Rust: loom models (${loom_tests[*]})"
    RUSTFLAGS="--cfg loom" cargo test --release --quiet --target-dir target/loom -p zeroipc "${loom_tests[@]}"
fi

step "Python package and cross-language tests"
pytest_dirs=(python/tests)
[ -d tests/cross_language ] && pytest_dirs+=(tests/cross_language)
target/pyenv/bin/python -m pytest -q "${pytest_dirs[@]}"

leftover=$(ls /dev/shm | grep -i zeroipc || true)
if [ -n "$leftover" ]; then
    printf '\nshared-memory objects left behind by the tests:\n%s\n' "$leftover" >&2
    exit 1
fi
