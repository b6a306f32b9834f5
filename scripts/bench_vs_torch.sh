#!/usr/bin/env bash
# Captioner speed against the PyTorch mirror (../shared/bench/torch_sat.py), same threads, alternating runs,
# medians. Usage: scripts/bench_vs_torch.sh [ROUNDS] [THREADS]   (needs ../torch-peer, see ../shared/bench/README.md)
set -euo pipefail
rounds=${1:-3}; threads=${2:-2}
bin=${ATTEND_BIN:-.build/release/attend}
torch=${TORCH_PYTHON:-../torch-peer/bin/python}
out=$(mktemp -d)
for r in $(seq "$rounds"); do
    "$bin" bench --config scratch --threads "$threads" --repeats 5 --batch 32 > "$out/attend.$r"
    "$torch" ../shared/bench/torch_sat.py "$threads" 2>/dev/null | tail -1 > "$out/torch.$r"
done
python3 - "$out" "$rounds" <<'PY'
import re, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
def grab(pattern, text): return float(re.search(pattern, text).group(1))
a = [open(f"{out}/attend.{r}").read() for r in range(1, rounds + 1)]
t = [open(f"{out}/torch.{r}").read() for r in range(1, rounds + 1)]
al = statistics.median(grab(r"caption latency, beam 3\s+([\d.]+) ms", x) for x in a)
ag = statistics.median(grab(r"greedy batch \d+\s+([\d.]+) images/s", x) for x in a)
ae = statistics.median(grab(r"encoder, 1 image\s+[\d.]+ ms\s+([\d.]+) GFLOP/s", x) for x in a)
sg = statistics.median(grab(r"sgemm 512×512×512\s+([\d.]+) GFLOP/s", x) for x in a)
tl = statistics.median(grab(r"beam3 latency ([\d.]+) ms", x) for x in t)
tg = statistics.median(grab(r"greedy batch32 ([\d.]+) img/s", x) for x in t)
print(f"medians of {rounds} alternating rounds")
print(f"beam-3 latency, one image: attend {al:.1f} ms, PyTorch {tl:.1f} ms -> {tl / al:.2f}x lower")
print(f"greedy batch-32 throughput: attend {ag:.1f} img/s, PyTorch {tg:.1f} img/s -> {ag / tg:.2f}x")
print(f"encoder {ae:.1f} GFLOP/s = {100 * ae / sg:.0f}% of sgemm {sg:.1f} GFLOP/s (same process)")
PY
