#!/usr/bin/env bash
# Side by side: descent vs PyTorch on every benchmark case.
#   bench/compare.sh [BUILD_DIR] [CASE ...]     (defaults: build, every case)
# For each case and each of ROUNDS rounds (default 3) it runs, interleaved, descent at 1 and 2
# threads and PyTorch at its four settings (torch threads 1|2 × OpenBLAS threads 1|2). The
# ratio is our best median ÷ PyTorch's best median (seconds per step; below 1 means descent is
# faster), with each side's spread over the rounds as (max − min) / median. Raw JSON lines go
# to bench/last_run.jsonl. Also printed: descent's speed-up from 1 to 2 threads (its medians) and
# the most allocations any warm descent step made (operator new and system buffers, counted by
# descent_bench). Needs python3-torch (/usr/bin/python3).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
shift || true
cases=("$@")
[ ${#cases[@]} -gt 0 ] || cases=(mlp_train cnn_train lenet5_train cnn_convs tiny_add tiny_mlp adam_step linear_gemm)
rounds=${ROUNDS:-3}
bench="$build/bench/descent_bench"
[ -x "$bench" ] || { echo "compare.sh: $bench not found; build first (cmake --build $build)" >&2; exit 2; }
out=bench/last_run.jsonl
: > "$out"

for case in "${cases[@]}"; do
  for round in $(seq "$rounds"); do
    for t in 1 2; do "$bench" --case "$case" --threads "$t" | sed 's/^{/{"side": "descent", /' >> "$out"; done
    for t in 1 2; do
      for b in 1 2; do
        /usr/bin/python3 bench/torch_bench.py --case "$case" --threads "$t" --blas-threads "$b" |
          sed 's/^{/{"side": "torch", /' >> "$out"
      done
    done
  done
  echo "done: $case" >&2
done

/usr/bin/python3 - "$out" <<'PY'
import json, statistics, sys, collections
runs = collections.defaultdict(list)
rss = collections.defaultdict(float)
heap = collections.defaultdict(float)
order = []
for line in open(sys.argv[1]):
    r = json.loads(line)
    key = (r["case"], r["side"], r["threads"], r.get("blas_threads", 0))
    runs[key].append(r["seconds_per_step"])
    rss[(r["case"], r["side"])] = max(rss[(r["case"], r["side"])], r["peak_rss_mb"])
    if r["side"] == "descent":
        heap[r["case"]] = max(heap[r["case"]], r.get("heap_allocations_per_step", 0) + r.get("buffer_allocations_per_step", 0))
    if r["case"] not in order:
        order.append(r["case"])
def best(case, side):
    meds = {k: statistics.median(v) for k, v in runs.items() if k[0] == case and k[1] == side}
    k = min(meds, key=meds.get)
    v = runs[k]
    return meds[k], k, (max(v) - min(v)) / meds[k]
print("| case | descent s/step (threads) | spread | PyTorch s/step (threads×blas) | spread | ratio | descent 1→2 threads | allocations/step | peak RSS MB descent / torch |")
print("|---|---|---|---|---|---|---|---|---|")
for case in order:
    d, dk, ds = best(case, "descent")
    t, tk, ts = best(case, "torch")
    one = statistics.median(runs[(case, "descent", 1, 0)])
    two = statistics.median(runs[(case, "descent", 2, 0)])
    print(f"| {case} | {d:.4g} ({dk[2]}) | {ds:.0%} | {t:.4g} ({tk[2]}×{tk[3]}) | {ts:.0%} | {d / t:.3f} | "
          f"{one / two:.2f}× | {heap[case]:.0f} | {rss[(case, 'descent')]:.0f} / {rss[(case, 'torch')]:.0f} |")
PY
