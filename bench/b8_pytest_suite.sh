#!/usr/bin/env bash
# B8 a real project's pytest suite: the tests python3-networkx ships (about
# 4,600 under networkx/*/tests), in an image built from Debian packages
# (deploy/build-pytest-image.sh arena-bench/networkx:latest python3-networkx
# python3-pytest-xdist), on 4 slots:
#   direct: `pytest -n 4 networkx` in one container of the image
#           (docker run --rm --network none; pytest-xdist's 4 workers)
#   arena:  `arenactl run --list-command 'pytest --collect-only -q ...'
#           --test-command 'pytest ... {tests}' --junit ...` on one agent
#           with 4 slots: the list step, then the test queue in batches
#           (guided self-scheduling, warm containers), every test's verdict
#           from its own row of its batch's JUnit report
# One test is left out of both: networkx's
# connectivity/tests/test_kcomponents.py::test_configuration builds an
# unseeded random graph and now and then runs for minutes (seen at 100% of a
# core for 12 minutes under Arena; a Python traceback at SIGABRT showed it
# inside k_components), which would time the graph, not the runner.
# Both timed from before the client starts, alternated over ROUNDS rounds;
# the first Arena round has no history, later ones order by it. Prints
# key=value lines: rounds, tests, direct_ms and arena_ms (medians), ratio
# (median of the per-round ratios), first_arena_ms, the passed/skipped
# counts of both, and arena_runs (processes the agent started for tests:
# batch leaders and lone tests).
#   bench/b8_pytest_suite.sh ROUNDS     (ARENA_BIN: the build's bin dir)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
rounds=${1:-3}
image=arena-bench/networkx:latest
bash "$here/../deploy/build-pytest-image.sh" "$image" python3-networkx python3-pytest-xdist >&2
source "$here/../tests/integration/lib.sh"
start_controller ctl
start_agent agent --slots 4
now_ms() { date +%s%3N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
# pytest's summary line: "N passed, M skipped ..." -> "N M"
counts() { python3 -c 'import re,sys
s=sys.stdin.read(); g=lambda w: (re.findall(r"(\d+) "+w, s) or ["0"])[-1]
print(g("passed"), g("skipped"))'; }
site=/usr/lib/python3/dist-packages
pytest_cmd="python3 -m pytest -q -p no:cacheprovider --rootdir=$site \
  --deselect networkx/algorithms/connectivity/tests/test_kcomponents.py::test_configuration"

direct_round() {
  local t0 t1
  t0=$(now_ms)
  docker run --rm --network none "$image" sh -c "cd $site && $pytest_cmd -n 4 networkx" \
    >"$WORK/direct.out" 2>&1 || true
  t1=$(now_ms)
  echo $((t1 - t0)) >>"$WORK/b8.direct"
  tail -1 "$WORK/direct.out" | counts >"$WORK/direct.counts"
}
arena_round() {
  local t0 t1 job
  t0=$(now_ms)
  # The report lands in the workspace ($PWD) while pytest runs from the
  # package directory, where the node ids start.
  actl run --image "$image" \
    --list-command "cd $site && $pytest_cmd --collect-only networkx | grep '::'" \
    --test-command "w=\$PWD; cd $site && $pytest_cmd --junitxml=\$w/reports/batch.xml {tests}" \
    --junit reports/batch.xml >"$WORK/arena.out" 2>&1 || true
  t1=$(now_ms)
  echo $((t1 - t0)) >>"$WORK/b8.arena"
  job=$(actl -o json jobs --limit 1 | jq -r '.jobs[0].id')
  actl -o json results "$job" >"$WORK/results.json"
  jq -r '[([.results[] | select(.status == "passed")] | length),
          ([.results[] | select(.status == "skipped")] | length)] | "\(.[0]) \(.[1])"' \
    "$WORK/results.json" >"$WORK/arena.counts"
  actl -o json status "$job" >"$WORK/status.json"
  jq '[.tasks[] | select(.kind != "TASK_KIND_LIST") | .attempts[] |
       select((.batch_attempt_id // "") == "")] | length' "$WORK/status.json" >"$WORK/arena.runs"
  jq '[.tasks[] | select(.kind != "TASK_KIND_LIST")] | length' "$WORK/status.json" >"$WORK/arena.tests"
  profile >>"$WORK/b8.profile"
}
# Where an Arena round's time went, from the job's records: the list step,
# the runs (a batch leader or a lone test) by size, and the slots' busy time
# (sum of the runs' start to end) against 4 slots x the test phase.
profile() {
  python3 - "$WORK/status.json" <<'PY'
import json, sys
job = json.load(open(sys.argv[1]))
tasks = job["tasks"]
lst = [t for t in tasks if t.get("kind") == "TASK_KIND_LIST"][0]["attempts"][-1]
attempts = [a for t in tasks if t.get("kind") != "TASK_KIND_LIST" for a in t["attempts"]]
size = {}
for a in attempts:
    lead = a.get("batch_attempt_id") or a["id"]
    size[lead] = size.get(lead, 0) + 1
runs = [a for a in attempts if not a.get("batch_attempt_id")]
ms = lambda a, k: int(a.get(k, 0))
busy = sum(ms(a, "finished_unix_ms") - ms(a, "started_unix_ms") for a in runs) / 1000
t0 = min(ms(a, "started_unix_ms") for a in runs)
t1 = max(ms(a, "finished_unix_ms") for a in runs)
sizes = sorted(size[a["id"]] for a in runs)
list_s = (ms(lst, "finished_unix_ms") - ms(lst, "started_unix_ms")) / 1000
print(f"list {list_s:.1f} s; submit to tests {(t0 - int(job['created_unix_ms'])) / 1000:.1f} s; "
      f"tests {(t1 - t0) / 1000:.1f} s; {len(runs)} runs (largest {sizes[-1]}, median {sizes[len(sizes) // 2]}, "
      f"{sizes.count(1)} of one test); slots busy {busy:.1f} s of {4 * (t1 - t0) / 1000:.1f} s")
PY
}
for i in $(seq 1 "$rounds"); do
  if [ $((i % 2)) = 1 ]; then direct_round; arena_round; else arena_round; direct_round; fi
  d=$(tail -1 "$WORK/b8.direct")
  a=$(tail -1 "$WORK/b8.arena")
  echo "$a $d" | awk '{printf "%.3f\n", $1 / $2}' >>"$WORK/b8.ratio"
  echo "b8: round $i: direct ${d} ms ($(cat "$WORK/direct.counts")), arena ${a} ms ($(cat "$WORK/arena.counts"), $(cat "$WORK/arena.runs") runs)" >&2
  echo "b8: round $i: arena: $(tail -1 "$WORK/b8.profile")" >&2
done
read -r direct_passed direct_skipped <"$WORK/direct.counts"
read -r arena_passed arena_skipped <"$WORK/arena.counts"
echo "rounds=$rounds"
echo "tests=$(cat "$WORK/arena.tests")"
echo "direct_ms=$(median <"$WORK/b8.direct")"
echo "arena_ms=$(median <"$WORK/b8.arena")"
echo "first_arena_ms=$(head -1 "$WORK/b8.arena")"
echo "ratio=$(median <"$WORK/b8.ratio")"
echo "direct_passed=$direct_passed"
echo "direct_skipped=$direct_skipped"
echo "arena_passed=$arena_passed"
echo "arena_skipped=$arena_skipped"
echo "arena_runs=$(cat "$WORK/arena.runs")"
echo "first_profile=$(head -1 "$WORK/b8.profile")"
echo "last_profile=$(tail -1 "$WORK/b8.profile")"
