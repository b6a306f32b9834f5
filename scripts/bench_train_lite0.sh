#!/usr/bin/env bash
# Training speed on cached grids against the PyTorch mirror's train_speed_cached (../shared/bench/torch_lite0.py):
# the projection and decoder of the default configuration, 32 images × 5 captions a step, 15 predicted words,
# V = 3000, forward + backward + Adam. attend's side is `attend bench --train --config default`. Alternating
# runs at each thread count, medians and their ratio.
# Usage: scripts/bench_train_lite0.sh [ROUNDS] [THREADS...]   (default: 5 rounds at 1 and 2 threads;
#        needs ../torch-peer, see ../shared/bench/README.md; ATTEND_BIN, TORCH_PYTHON override the two programs)
set -euo pipefail
rounds=${1:-5}; shift || true
threads=("$@"); [ ${#threads[@]} -gt 0 ] || threads=(1 2)
bin=${ATTEND_BIN:-.build/release/attend}
torch=${TORCH_PYTHON:-../torch-peer/bin/python}
bench_dir=$(cd "$(dirname "$0")/../../shared/bench" 2>/dev/null && pwd || echo ../shared/bench)
out=$(mktemp -d)
for n in "${threads[@]}"; do
    for r in $(seq "$rounds"); do
        "$bin" bench --train --config default --threads "$n" --repeats 5 --batch 32 > "$out/attend.$n.$r"
        "$torch" -c "
import sys, torch; sys.path.insert(0, '$bench_dir'); import torch_lite0 as m
torch.manual_seed(0); torch.set_num_threads($n)
print('train', m.train_speed_cached(m.Projection(1280, 512), m.Decoder(V=3000, D=512), 49, V=3000, C=1280))" \
            2>/dev/null | tail -1 > "$out/torch.$n.$r"
        echo "threads $n round $r: attend $(grep -o '[0-9.]* images/s' "$out/attend.$n.$r"), PyTorch $(cut -d' ' -f2 "$out/torch.$n.$r") images/s" >&2
    done
done
python3 - "$out" "$rounds" "${threads[@]}" <<'PY'
import re, statistics, sys
out, rounds, threads = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
for n in threads:
    a = [float(re.search(r"training step\s+([\d.]+) images/s", open(f"{out}/attend.{n}.{r}").read()).group(1))
         for r in range(1, rounds + 1)]
    t = [float(open(f"{out}/torch.{n}.{r}").read().split()[1]) for r in range(1, rounds + 1)]
    am, tm = statistics.median(a), statistics.median(t)
    print(f"training on cached grids, {n} thread(s), 32 images x 5 captions, medians of {rounds} alternating rounds: "
          f"attend {am:.2f} images/s (runs {', '.join(f'{x:.2f}' for x in a)}), "
          f"PyTorch {tm:.2f} (runs {', '.join(f'{x:.2f}' for x in t)}) -> {am / tm:.2f}x")
PY
