#!/usr/bin/env bash
# Runs the thread-sharing tests under ThreadSanitizer and fails if it reports a data race
# between two accesses made by the library (frames in zeroipc/src on both sides).
#
# Needs a nightly toolchain (`cargo +nightly`). Without the standard library's source the
# standard library is not instrumented, so ThreadSanitizer cannot see how threads are joined
# and reports races inside std and the test harness (memory reused after a join); those are
# listed but do not fail the run. Usage: bash scripts/tsan.sh [test target ...] (default:
# races, queue, stack, sync).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! cargo +nightly --version >/dev/null 2>&1; then
    echo "no nightly toolchain: ThreadSanitizer needs one" >&2
    exit 2
fi
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(races queue stack sync)
args=()
for t in "${targets[@]}"; do args+=(--test "$t"); done

log=$(mktemp)
trap 'rm -f "$log"' EXIT
RUSTFLAGS="-Zsanitizer=thread -Cunsafe-allow-abi-mismatch=sanitizer" \
TSAN_OPTIONS="halt_on_error=0 exitcode=0 report_signal_unsafe=0" \
    cargo +nightly test --target "$(rustc -vV | sed -n 's/^host: //p')" \
    --target-dir target/tsan --no-fail-fast -p zeroipc "${args[@]}" -- --test-threads=1 >"$log" 2>&1 || true

python3 - "$log" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
reports = text.split("WARNING: ThreadSanitizer")[1:]
ours = []
for report in reports:
    report = report.split("SUMMARY")[0]
    parts = re.split(r"\n\s*Previous ", report, maxsplit=1)
    if len(parts) == 2 and all("/zeroipc/src/" in p.split("\n\n")[0] for p in parts):
        ours.append(report)
for report in ours:
    print("WARNING: ThreadSanitizer" + report)
results = re.findall(r"^test result: .*$", text, flags=re.M)
print("\n".join(results))
print(f"{len(reports)} reports in all; {len(ours)} between two accesses of the library")
if not results:
    print(text[-4000:])
    sys.exit(1)
sys.exit(1 if ours else 0)
PY
