#!/usr/bin/env bash
# Training speed against the PyTorch mirror's teacher-forced step (../shared/bench/torch_sat.py train_speed):
# batch 32, V = 3000, 15 predicted words, same threads, alternating runs, ratio of medians.
# Usage: scripts/bench_train_vs_torch.sh [ROUNDS] [THREADS]   (needs ../torch-peer, see ../shared/bench/README.md)
set -euo pipefail
rounds=${1:-5}; threads=${2:-2}
bin=${ATTEND_BIN:-.build/release/attend}
torch=${TORCH_PYTHON:-../torch-peer/bin/python}
out=$(mktemp -d)
for r in $(seq "$rounds"); do
    "$bin" bench --train --config scratch --threads "$threads" --repeats 5 --batch 32 > "$out/attend.$r"
    "$torch" -c "import sys; sys.path.insert(0, '../shared/bench'); import torch_sat; print('train', torch_sat.train_speed($threads))" \
        2>/dev/null | tail -1 > "$out/torch.$r"
    cat "$out/attend.$r" "$out/torch.$r"
done
python3 - "$out" "$rounds" <<'PY'
import re, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
a = [open(f"{out}/attend.{r}").read() for r in range(1, rounds + 1)]
t = [open(f"{out}/torch.{r}").read() for r in range(1, rounds + 1)]
ai = [float(re.search(r"training step\s+([\d.]+) images/s", x).group(1)) for x in a]
ti = [float(re.search(r"train ([\d.]+)", x).group(1)) for x in t]
am, tm = statistics.median(ai), statistics.median(ti)
print(f"training images/s, batch 32, medians of {rounds} alternating rounds: attend {am:.2f} "
      f"(runs {', '.join(f'{x:.2f}' for x in ai)}), PyTorch {tm:.2f} (runs {', '.join(f'{x:.2f}' for x in ti)}) "
      f"-> {am / tm:.2f}x")
PY
