#!/usr/bin/env bash
# Load benchmark of `attend serve` on loopback only (127.0.0.1): wrk (Debian's, installed when missing) posts one
# photo to /v1/caption from 1, 4 and 16 connections, DURATION seconds each (bounded: ~3 × DURATION in all).
# Prints requests/s, p50/p99 latency and failures per level, the server's peak RSS, and the ratio of 16-client to
# 1-client throughput (what dynamic batching buys).
# Usage: scripts/serve_load.sh [seconds per level, default 20] [image, default: a Flickr8k test photo or the sample]
set -euo pipefail
source "$(dirname "$0")/serve_common.sh"
DURATION="${1:-20}"
IMAGE="${2:-$(sample_image)}"
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
start_server --model "${ATTEND_SERVE_MODEL:-default}" --threads "${THREADS:-2}" ${SERVE_FLAGS:-}
echo "attend serve on 127.0.0.1:$PORT, model ${ATTEND_SERVE_MODEL:-default}, image $(basename "$IMAGE") ($(stat -c %s "$IMAGE") bytes), ${DURATION} s per level"
# One request first, so the first level does not pay for warming up.
curl -s -o /dev/null -H "Content-Type: image/jpeg" --data-binary @"$IMAGE" "http://127.0.0.1:$PORT/v1/caption"
printf "%8s %10s %10s %10s %8s %10s\n" clients "req/s" "p50 ms" "p99 ms" failed requests
declare -A RPS
for clients in 1 4 16; do
    line="$(ATTEND_LOAD_IMAGE="$IMAGE" wrk -t 1 -c "$clients" -d "${DURATION}s" --timeout 30s \
        -s "$ROOT/scripts/serve_load.lua" "http://127.0.0.1:$PORT/v1/caption" | grep '^RESULT')"
    eval "$(echo "$line" | sed 's/^RESULT //')"
    RPS[$clients]=$rps
    printf "%8s %10s %10s %10s %8s %10s\n" "$clients" "$rps" "$p50_ms" "$p99_ms" "$failed" "$requests"
done
peak_kb="$(awk '/VmHWM/ {print $2}' "/proc/$SERVER_PID/status")"
echo "peak RSS: $((peak_kb / 1024)) MB"
echo "16-client / 1-client throughput: $(awk -v a="${RPS[16]}" -v b="${RPS[1]}" 'BEGIN { printf "%.2f", a / b }')×"
curl -s "http://127.0.0.1:$PORT/metrics" | grep -E '^attend_model_batch_size_(count|sum) ' | sed 's/^/metrics: /'
