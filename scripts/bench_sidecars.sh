#!/usr/bin/env bash
# `attend batch --sidecars` against plain `attend batch` on the same folder of photos, alternating, every round;
# the figure is the ratio of the medians of the throughputs (images/s from each run's summary line).
#
# Usage: scripts/bench_sidecars.sh [ROUNDS] [PHOTOS]      (default: 3 rounds, 10000 photos)
# Environment: ATTEND_BIN (default .build/release/attend), FLICKR8K (default ../shared/data/flickr8k), WORK (the
# folder of symbolic links to the Flickr8k photos, outside the repository; default /tmp/attend-bench-sidecars).
# The links are named photo-NNNNN.jpg, cycling through the Flickr8k photos; the sidecars land beside them.
set -euo pipefail
rounds=${1:-3}
count=${2:-10000}
bin=${ATTEND_BIN:-.build/release/attend}
data=${FLICKR8K:-../shared/data/flickr8k}
work=${WORK:-/tmp/attend-bench-sidecars}
[ -x "$bin" ] || { echo "bench_sidecars: no $bin (make build)" >&2; exit 2; }
[ -d "$data/images" ] || { echo "bench_sidecars: no Flickr8k images at FLICKR8K=$data" >&2; exit 2; }
data=$(cd "$data" && pwd)

mkdir -p "$work/photos"
if [ "$(find "$work/photos" -name '*.jpg' | wc -l)" -ne "$count" ]; then
    rm -rf "$work/photos" && mkdir -p "$work/photos"
    mapfile -t images < <(ls "$data/images" | sort)
    for ((i = 0; i < count; i++)); do
        ln -s "$data/images/${images[i % ${#images[@]}]}" "$(printf '%s/photos/photo-%05d.jpg' "$work" "$i")"
    done
fi

rate() {   # the images/s of a run's summary line
    sed -n 's/.*, \([0-9.]*\) images\/s over.*/\1/p' "$1" | tail -1
}
plain=(); sidecars=()
for ((r = 1; r <= rounds; r++)); do
    find "$work/photos" -name '*.xmp' -delete
    "$bin" batch "$work/photos" --out "$work/plain.jsonl" --overwrite --progress-every 600 2> "$work/plain.log"
    plain+=("$(rate "$work/plain.log")")
    "$bin" batch "$work/photos" --sidecars --out "$work/sidecars.jsonl" --overwrite --progress-every 600 2> "$work/sidecars.log"
    sidecars+=("$(rate "$work/sidecars.log")")
    [ "$(find "$work/photos" -name '*.xmp' | wc -l)" -eq "$count" ] || { echo "bench_sidecars: sidecars missing" >&2; exit 1; }
    echo "round $r: plain ${plain[-1]} images/s, --sidecars ${sidecars[-1]} images/s"
done
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
mp=$(median "${plain[@]}"); ms=$(median "${sidecars[@]}")
echo "median: plain $mp images/s, --sidecars $ms images/s, ratio $(awk -v a="$ms" -v b="$mp" 'BEGIN { printf "%.3f", a / b }')"
