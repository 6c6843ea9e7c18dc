#!/usr/bin/env bash
# Builds every libFuzzer harness listed in fuzz/CMakeLists.txt (one .cpp each, clang with
# AddressSanitizer and UndefinedBehaviorSanitizer) and runs each for SECONDS (default 60), one
# after another, from its committed seeds in fuzz/corpus/<harness>/ plus what earlier runs found
# (kept in the build folder, not in the source tree). Stops at the first crash, leak, timeout
# (10 s for one input) or input that needs more than 2 GB; the input is saved as
# build-fuzz/artifacts/<harness>-<kind>-<hash> to replay with `build-fuzz/<harness> FILE`.
# After each harness one line:
#   "<harness>: <executions> runs (<per second>/s), cov: <edges>, corp: <inputs> inputs, peak <MB> MB, ...".
#   fuzz/run.sh [SECONDS] [HARNESS...]   (all harnesses by default; FUZZ_BUILD=DIR builds elsewhere;
#                                          needs Debian's clang)
set -euo pipefail
seconds=${1:-60}
shift || true
cd "$(dirname "$0")/.."
build=${FUZZ_BUILD:-build-fuzz}
cmake -S fuzz -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ > /dev/null
cmake --build "$build" -j2
mkdir -p "$build/artifacts"
names=("$@")
if [[ ${#names[@]} == 0 ]]; then
  mapfile -t names < "$build/harnesses.txt"  # the list in fuzz/CMakeLists.txt
fi
for name in "${names[@]}"; do
  found="$build/corpus/$name"
  mkdir -p "$found" "fuzz/corpus/$name"
  dict=()
  [[ -f fuzz/$name.dict ]] && dict=(-dict="fuzz/$name.dict")
  echo "=== $name: $seconds s"
  log="$build/$name.log"
  status=0
  "$build/$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$build/artifacts/$name-" "${dict[@]}" "$found" "fuzz/corpus/$name" > "$log" 2>&1 || status=$?
  tail -n 12 "$log"
  stat() { sed -n "s/^stat::$1: *//p" "$log"; }
  last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)  # "#N DONE cov: C ft: F corp: K/S ..."
  echo "$name: $(stat number_of_executed_units) runs ($(stat average_exec_per_sec)/s)," \
       "$(grep -o 'cov: [0-9]*' <<< "$last"), $(grep -o 'corp: [0-9]*' <<< "$last") inputs," \
       "peak $(stat peak_rss_mb) MB, $seconds s, exit status $status"
  [[ $status == 0 ]] || exit "$status"
done
