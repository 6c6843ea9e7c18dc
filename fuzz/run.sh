#!/usr/bin/env bash
# Builds every libFuzzer harness of fuzz/ (fuzz/CMakeLists.txt: one .cpp each, with clang,
# AddressSanitizer and UndefinedBehaviorSanitizer) and runs each for SECONDS (default 60), one
# after another, starting from its committed seeds in fuzz/corpus/<harness>/ (and from the inputs
# earlier runs found, kept in the build folder). Exits non-zero at the first crash, leak, hang
# (10 s per input) or sanitizer report; the input that caused it is saved as
# build-fuzz/artifacts/<harness>-crash-... to replay with `build-fuzz/<harness> FILE`.
#   fuzz/run.sh [SECONDS]        (FUZZ_BUILD=DIR to build elsewhere; needs Debian's clang)
set -euo pipefail
seconds=${1:-60}
cd "$(dirname "$0")/.."
build=${FUZZ_BUILD:-build-fuzz}
cmake -S fuzz -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ > /dev/null
cmake --build "$build" -j2
mkdir -p "$build/artifacts"
for source in fuzz/*.cpp; do
  name=$(basename "$source" .cpp)
  found="$build/corpus/$name"  # new inputs land here, not in the source tree
  mkdir -p "$found" "fuzz/corpus/$name"
  dict=()
  [[ -f fuzz/$name.dict ]] && dict=(-dict="fuzz/$name.dict")
  echo "=== $name: $seconds s"
  "$build/$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$build/artifacts/$name-" "${dict[@]}" "$found" "fuzz/corpus/$name"
done
