#!/usr/bin/env bash
# One command from a fresh clone to a passing test suite: installs what is
# missing, starts dockerd if none answers, builds, builds the test image, and
# runs every test (unit + integration against real processes and dockerd).
#   ./tests/run.sh                 everything
#   ./tests/run.sh -L unit         extra arguments go to ctest
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="${ARENA_BUILD_DIR:-$root/build}"

bash "$root/deploy/setup-host.sh"
bash "$root/deploy/setup-test-tools.sh"
# The fuzz targets: a clang build with ASan, UBSan and -Wthread-safety.
fuzz="${ARENA_FUZZ_BUILD_DIR:-$root/build-fuzz}"
cmake -S "$root" -B "$fuzz" -DARENA_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++-14 \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$fuzz" -j2 --target fuzz_rest_job fuzz_job_spec fuzz_log_chunk fuzz_csr fuzz_junit fuzz_tar
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DARENA_FUZZ_BIN="$fuzz/bin" >/dev/null
cmake --build "$build" -j2
bash "$root/deploy/build-test-image.sh" arena-test/busybox:latest

cd "$build"
ctest --output-on-failure -j2 "$@" 2>&1 | tee "$build/ctest.log"
status=${PIPESTATUS[0]}
echo
grep -E "tests passed|tests failed" "$build/ctest.log" | tail -n 1
exit "$status"
