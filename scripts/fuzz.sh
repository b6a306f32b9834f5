#!/usr/bin/env bash
# Runs each libFuzzer target of attend-fuzz for SECONDS (make fuzz / make fuzz-smoke), then reports per target:
# CPU minutes spent on it in all runs so far (kept in FUZZ_DIR/cpu-seconds), executions a second, coverage
# (edges `cov`, features `ft`), corpus size, peak RSS, and the slowest input in whole seconds (libFuzzer's
# slowest_unit_time_sec: 0 is under 1 s). A crash, leak, or input slower than FUZZ_TIMEOUT seconds stops that
# target; it is minimised and the command fails, naming the file to commit under
# Tests/AttendFuzzingTests/Regressions/TARGET/ once fixed.
# Usage: scripts/fuzz.sh SECONDS [TARGET...]   (no TARGET: every one, in attend-fuzz list's order)
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SECONDS_EACH="${1:?seconds per target}"
shift
FUZZ_DIR="${FUZZ_DIR:-$ROOT/.build-fuzz}"
BIN="$FUZZ_DIR/release/attend-fuzz"
[ -x "$BIN" ] || { echo "no $BIN: run make fuzz-build" >&2; exit 1; }
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || mapfile -t TARGETS < <("$BIN" list)
# UBSan in the C shims: a report is a finding, not a warning.
# Crashes go to libFuzzer (which saves the input), not to the Swift runtime's backtracer.
export SWIFT_BACKTRACE=enable=no
# libFuzzer's -timeout is wall-clock time: on a shared 2-core machine under load a 0.1 s input can take over a
# second, so the default is 5 s; AttendFuzzingTests holds every committed input to 1 s of CPU time.
TIMEOUT="${FUZZ_TIMEOUT:-5}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
failed=()
ROW="%-12s %8s %9s %10s %8s %8s %8s %10s %8s %s\n"
printf "$ROW" target seconds "CPU min" "exec/s" cov ft corpus "peak MB" "slowest" result
for target in "${TARGETS[@]}"; do
    corpus="$FUZZ_DIR/corpus/$target"
    artifacts="$FUZZ_DIR/artifacts/$target"
    log="$FUZZ_DIR/logs/$target.log"
    mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
    "$BIN" seeds "$target" "$corpus" >/dev/null
    TIMEFORMAT="%U %S"
    { time nice -n 10 "$BIN" "$target" -max_total_time="$SECONDS_EACH" -timeout="$TIMEOUT" -rss_limit_mb=2048 -max_len=65536 \
        -print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus" >"$log" 2>&1; } 2>"$log.cpu"
    status=$?
    # CPU seconds this run took, added to the target's running total (the machine is shared: wall time is not CPU).
    cpu_total="$FUZZ_DIR/cpu-seconds/$target"
    mkdir -p "$(dirname "$cpu_total")"
    awk -v before="$(cat "$cpu_total" 2>/dev/null || echo 0)" '{ printf "%d\n", before + $1 + $2 }' "$log.cpu" >"$cpu_total.new"
    mv "$cpu_total.new" "$cpu_total"
    last="$(grep -E '^#[0-9]+' "$log" | tail -1)"
    cov="$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")"
    ft="$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")"
    size="$(find "$corpus" -type f | wc -l)"
    rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")"
    peak="$(sed -n 's/^stat::peak_rss_mb: *//p' "$log")"
    slowest="$(sed -n 's/^stat::slowest_unit_time_sec: *//p' "$log")"
    result=ok
    if [ $status -ne 0 ]; then
        crash="$(ls -t "$artifacts"/* 2>/dev/null | grep -v minimized | head -1)"
        result="FAILED (exit $status): $log"
        if [ -n "$crash" ]; then
            "$BIN" "$target" -minimize_crash=1 -max_total_time=60 -timeout="$TIMEOUT" \
                -exact_artifact_path="$crash.minimized" "$crash" >"$log.minimize" 2>&1
            result="FAILED: $(grep -m1 -E 'ERROR|Fatal error|SUMMARY|timeout|leak' "$log" | cut -c1-100); input $crash"
            [ -f "$crash.minimized" ] && result="$result (minimised: $crash.minimized, $(stat -c %s "$crash.minimized") bytes)"
        fi
        failed+=("$target")
    fi
    printf "$ROW" "$target" "$SECONDS_EACH" \
        "$(awk '{ printf "%.1f", $1 / 60 }' "$cpu_total")" "${rate:-?}" "${cov:-?}" "${ft:-?}" "$size" "${peak:-?}" "${slowest:-?}" "$result"
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzzing found problems in: ${failed[*]} (logs in $FUZZ_DIR/logs; replay with: $BIN TARGET FILE)" >&2
    exit 1
fi
