#!/usr/bin/env bash
# Before and after a change: bench/run.sh's B1-B6 for two builds side by
# side, alternated ROUNDS times (before, after, before, after, ...), each
# run on fresh controllers and agents, then each headline figure's median
# per build and the ratio after / before. B7 (image pulls) is left out: it
# measures dockerd and the registry more than Arena. Prints a Markdown
# table; writes nothing else.
#   bench/compare.sh BEFORE_BIN [AFTER_BIN] [ROUNDS]
# BEFORE_BIN and AFTER_BIN are build/bin directories (arena-controller,
# arena-agent, arenactl, arena-hollow); AFTER_BIN defaults to this tree's.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 1 ] || { echo "usage: bench/compare.sh BEFORE_BIN [AFTER_BIN] [ROUNDS]" >&2; exit 2; }
before=$1
after=${2:-$root/build/bin}
rounds=${3:-2}
for dir in "$before" "$after"; do
  for tool in arena-controller arena-agent arenactl arena-hollow; do
    [ -x "$dir/$tool" ] || { echo "compare: $dir/$tool is missing" >&2; exit 2; }
  done
done
work=$(mktemp -d /tmp/arena-compare.XXXXXX)
trap 'rm -rf "$work"' EXIT
for round in $(seq 1 "$rounds"); do
  for side in before after; do
    bin=$([ $side = before ] && echo "$before" || echo "$after")
    echo "compare: round $round of $rounds, $side ($bin)" >&2
    if ! ARENA_BIN="$bin" ARENA_BENCH_FIGURES="$work/$side.$round" ARENA_BENCH_SKIP_B7=1 \
      bash "$root/bench/run.sh" >"$work/$side.$round.log" 2>&1; then
      echo "compare: bench/run.sh failed for $side in round $round:" >&2
      tail -n 20 "$work/$side.$round.log" >&2
      exit 1
    fi
  done
done
python3 - "$work" "$rounds" <<'PY'
import statistics, sys
work, rounds = sys.argv[1], int(sys.argv[2])
# Figure, what it is, whether more is better.
figures = [
    ("b1_ratio", "B1 `arenactl run true` / `docker run true` (medians)", False),
    ("b1_added_ms", "B1 Arena's added time, ms", False),
    ("b2_100_tasks_per_s", "B2 tasks/s, 100 hollow agents x 4 slots", True),
    ("b2_1000_tasks_per_s", "B2 tasks/s, 1,000 hollow agents x 4 slots", True),
    ("b3_rss_mb", "B3 controller RSS with 10,000 idle agents, MiB", False),
    ("b3_cpu_percent", "B3 controller CPU with 10,000 idle agents, % of a core", False),
    ("b4_ratio", "B4 log throughput, Arena / direct", True),
    ("b5_req_per_s", "B5 REST GET /api/v1/jobs/{id}, req/s", True),
    ("b6_static_s", "B6 static split into 4 shards, makespan s", False),
    ("b6_queue_s", "B6 test queue without history, makespan s", False),
    ("b6_history_s", "B6 test queue with history, makespan s", False),
]
def load(side):
    runs = []
    for r in range(1, rounds + 1):
        values = {}
        for line in open(f"{work}/{side}.{r}"):
            key, _, value = line.strip().partition("=")
            try:
                values[key] = float(value)
            except ValueError:
                pass
        runs.append(values)
    return runs
before, after = load("before"), load("after")
print("| figure | before (each run) | after (each run) | after / before (medians) |")
print("|---|---|---|---|")
for key, label, more_better in figures:
    b = [run[key] for run in before if key in run]
    a = [run[key] for run in after if key in run]
    if not b or not a:
        print(f"| {label} | n/a | n/a | |")
        continue
    ratio = statistics.median(a) / statistics.median(b) if statistics.median(b) else float("nan")
    worse = ratio < 0.95 if more_better else ratio > 1.05
    mark = " (worse by more than 5%)" if worse else ""
    fmt = lambda xs: ", ".join(f"{x:g}" for x in xs)
    print(f"| {label} | {fmt(b)} | {fmt(a)} | {ratio:.2f}{mark} |")
PY
