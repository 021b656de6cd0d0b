#!/usr/bin/env bash
# Runs one fuzz target for a bounded time on its seed corpus (a copy, so the
# checked-in seeds stay as they are).  Usage: run_fuzz.sh TARGET [SECONDS]
set -euo pipefail
target=$1
seconds=${2:-${ARENA_FUZZ_SECONDS:-15}}
bin="${ARENA_FUZZ_BIN:?ARENA_FUZZ_BIN must point at the bin dir of the fuzz build}/fuzz_$target"
seeds="$(cd "$(dirname "$0")" && pwd)/corpus/$target"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$seeds/." "$work/"
"$bin" -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=65536 "$work" 2>&1 | tail -n 5
