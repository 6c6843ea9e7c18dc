#!/usr/bin/env bash
# Side by side: descent vs PyTorch on every benchmark case, on one instruction set.
#   bench/compare.sh [--isa avx2|avx512|native] [BUILD_DIR] [CASE ...]   (defaults: build, every case)
#   bench/compare.sh --isa avx2 build-bench cnn_train mlp_train
# --isa measures both sides on that instruction set, through the variables each library reads:
#   avx2     DESCENT_CPU=avx2    ATEN_CPU_CAPABILITY=avx2    ONEDNN_MAX_CPU_ISA=AVX2         OPENBLAS_CORETYPE=Haswell
#   avx512   DESCENT_CPU=avx512  ATEN_CPU_CAPABILITY=avx512  ONEDNN_MAX_CPU_ISA=AVX512_CORE  OPENBLAS_CORETYPE=SkylakeX
#   native   all four unset, even when the environment sets them: each library picks from CPUID
# OPENBLAS_CORETYPE applies to both sides (descent's GEMMs and PyTorch's are the same OpenBLAS).
# An ISA the CPU lacks is refused (exit 2): OpenBLAS dies with SIGILL on it and ATen does not
# check. Without --isa the environment is used as it is. The output starts with the CPU model,
# the ISA and the value of each variable, and, above the table, the kernel set each side
# reported running (the "cpu" of its JSON lines), with a warning when it is not the ISA asked for.
# For each case and each of ROUNDS rounds (default 3) it runs, interleaved, descent at 1 and 2
# threads and PyTorch at its four settings (torch threads 1|2 × OpenBLAS threads 1|2). The
# ratio is our best median ÷ PyTorch's best median (seconds per step; below 1 means descent is
# faster), with each side's spread over the rounds as (max − min) / median. Raw JSON lines go
# to bench/last_run.jsonl (overwritten by each run), each tagged with "side" and "isa" (the
# --isa given, or "environment"). Also printed: descent's speed-up from 1 to 2 threads (its
# medians) and the most allocations any warm descent step made (operator new and system
# buffers, counted by descent_bench). Needs python3-torch (/usr/bin/python3).
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "compare.sh: $*" >&2; exit 2; }

isa=""
positional=()
while [ $# -gt 0 ]; do
  case $1 in
    --isa) [ $# -ge 2 ] || fail "--isa needs a value: avx2, avx512 or native"; isa=$2; shift 2 ;;
    --isa=*) isa=${1#--isa=}; shift ;;
    -h|--help) sed -n '2,/^set -euo/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;;
    -*) fail "unknown option $1 (usage: bench/compare.sh [--isa avx2|avx512|native] [BUILD_DIR] [CASE ...])" ;;
    *) positional+=("$1"); shift ;;
  esac
done
build=${positional[0]:-build}
cases=("${positional[@]:1}")
[ ${#cases[@]} -gt 0 ] || cases=(mlp_train cnn_train lenet5_train cnn_convs tiny_add tiny_mlp adam_step linear_gemm gpt_train lstm_train)
rounds=${ROUNDS:-3}

# ---- The instruction set: refuse what the CPU lacks, then set (or clear) each library's variable.
# The first processor's value of a /proc/cpuinfo field; empty where there is none (not Linux, ARM).
cpu_field() { sed -n "/^$1[[:space:]]*:/{s/^[^:]*:[[:space:]]*//p;q}" /proc/cpuinfo 2>/dev/null || true; }
cpu_flags=" $(cpu_field flags) "
require_flags() {
  for flag in "$@"; do
    [[ $cpu_flags == *" $flag "* ]] || fail "--isa $isa needs $flag, which this CPU lacks (/proc/cpuinfo);" \
      "OpenBLAS would die with SIGILL and ATen does not check"
  done
}
case $isa in
  avx2) require_flags avx2 fma
        values=(avx2 avx2 AVX2 Haswell) ;;
  avx512) require_flags avx512f avx512bw avx512dq avx512vl  # oneDNN's AVX512_CORE and OpenBLAS's SkylakeX
          values=(avx512 avx512 AVX512_CORE SkylakeX) ;;
  native) values=("" "" "" "") ;;
  "") ;;
  *) fail "--isa must be avx2, avx512 or native, got '$isa'" ;;
esac
variables=(DESCENT_CPU ATEN_CPU_CAPABILITY ONEDNN_MAX_CPU_ISA OPENBLAS_CORETYPE)
settings=()
for i in "${!variables[@]}"; do
  name=${variables[$i]}
  before=${!name:-}
  if [ -n "$isa" ]; then
    if [ -n "${values[$i]}" ]; then export "$name=${values[$i]}"; else unset "$name"; fi
  fi
  now=${!name:-}
  if [ -n "$now" ]; then setting="$name=$now"; else setting="$name unset"; fi
  [ -z "$before" ] || [ "$before" = "$now" ] || setting+=" (the environment had $before)"
  settings+=("$setting")
done
joined=$(IFS=,; echo "${settings[*]}")
# oneDNN's older name for the same cap: it would otherwise speak where ONEDNN_MAX_CPU_ISA is unset.
[ -z "$isa" ] || unset DNNL_MAX_CPU_ISA
bench="$build/bench/descent_bench"
[ -x "$bench" ] || fail "$bench not found; build first (cmake --build $build)"

family=$(cpu_field 'cpu family')
model=$(cpu_field model)
echo "CPU: $(cpu_field 'model name')${family:+ (family $family, model $model)}, $(nproc) cores"
echo "ISA: ${isa:-as the environment says (no --isa)}; ${joined//,/, }"
echo

out=bench/last_run.jsonl
: > "$out"
tag="\"isa\": \"${isa:-environment}\""
for case in "${cases[@]}"; do
  for round in $(seq "$rounds"); do
    for t in 1 2; do "$bench" --case "$case" --threads "$t" | sed "s/^{/{\"side\": \"descent\", $tag, /" >> "$out"; done
    for t in 1 2; do
      for b in 1 2; do
        /usr/bin/python3 bench/torch_bench.py --case "$case" --threads "$t" --blas-threads "$b" |
          sed "s/^{/{\"side\": \"torch\", $tag, /" >> "$out"
      done
    done
  done
  echo "done: $case" >&2
done

/usr/bin/python3 - "$out" "$isa" <<'PY'
import json, statistics, sys, collections
runs = collections.defaultdict(list)
rss = collections.defaultdict(float)
heap = collections.defaultdict(float)
ran = {"descent": set(), "torch": set()}
order = []
for line in open(sys.argv[1]):
    r = json.loads(line)
    key = (r["case"], r["side"], r["threads"], r.get("blas_threads", 0))
    runs[key].append(r["seconds_per_step"])
    rss[(r["case"], r["side"])] = max(rss[(r["case"], r["side"])], r["peak_rss_mb"])
    ran[r["side"]].add(r.get("cpu", "unknown"))
    if r["side"] == "descent":
        heap[r["case"]] = max(heap[r["case"]], r.get("heap_allocations_per_step", 0) + r.get("buffer_allocations_per_step", 0))
    if r["case"] not in order:
        order.append(r["case"])
# What each side says it ran: a clamped DESCENT_CPU or an ATen build without that ISA shows here.
isa = sys.argv[2]
print(f"ran: descent {'/'.join(sorted(ran['descent']))}, PyTorch (ATen) {'/'.join(sorted(ran['torch']))}")
for side, name in (("descent", "descent"), ("torch", "PyTorch")):
    if isa in ("avx2", "avx512") and ran[side] != {isa}:
        print(f"warning: {name} ran {'/'.join(sorted(ran[side]))}, not {isa}: this table does not compare {isa}")
print()
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
