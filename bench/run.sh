#!/usr/bin/env bash
# Regenerates docs/benchmarks.md: each benchmark side by side with its
# baseline in one run on this machine. Needs a build (tests/run.sh or
# quickstart) and dockerd; talks only to 127.0.0.1.
#   bench/run.sh            full run, rewrites docs/benchmarks.md
#   bench/run.sh --smoke    tiny sizes, prints the report, writes nothing
#
# B1 dispatch overhead: `arenactl run -- true` vs bare `docker run --rm
#    ... true`, alternated, N pairs, medians and their ratio; plus the
#    controller's queued-to-started time from the job records.
# B4 log throughput: a container writing SIZE bytes to stdout through Arena
#    (stored byte-exact, sha256 checked) vs the same container read through
#    the Docker API directly (docker run, output to /dev/null).
# B6 makespan: a heavy-tailed suite of 200 sleeping tests on 4 slots (two
#    agents x 2) in test-queue mode (first without, then with duration
#    history) vs a static split into 4 shards of 50 (round robin, one
#    container per shard) vs the lower bound max(sum / slots, longest).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin="${ARENA_BIN:-$root/build/bin}"
image=arena-test/busybox:latest
smoke=0
[ "${1:-}" = --smoke ] && smoke=1
pairs=$([ $smoke = 1 ] && echo 3 || echo 25)
log_mb=$([ $smoke = 1 ] && echo 16 || echo 1024)

work=$(mktemp -d /tmp/arena-bench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

"$bin/arena-controller" --data-dir "$work/ctl" --listen 127.0.0.1:0 --http-listen 127.0.0.1:0 \
  --default-image "$image" --max-log-bytes $((log_mb * 1048576 + 1048576)) >"$work/ctl.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do [ -f "$work/ctl/ports.json" ] && break; sleep 0.1; done
export ARENA_CONTROLLER="127.0.0.1:$(sed -E 's/.*"grpc": ([0-9]+).*/\1/' "$work/ctl/ports.json")"
export ARENA_CA_FILE="$work/ctl/ca.pem"
ARENA_TOKEN=$(cat "$work/ctl/admin.token")
export ARENA_TOKEN
"$bin/arena-agent" --controller "$ARENA_CONTROLLER" --ca-file "$ARENA_CA_FILE" \
  --join-token "$("$bin/arenactl" join-token create)" --state-dir "$work/agent" >"$work/agent.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do "$bin/arenactl" -o json agents | grep -q '"connected": true' && break; sleep 0.1; done

now_ms() { date +%s%3N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
pct() { sort -n | awk -v p="$1" '{a[NR]=$1} END {i=int(NR*p/100+0.999); if(i<1)i=1; print a[i]}'; }

# --- B1 ---
"$bin/arenactl" run -- true >/dev/null 2>&1  # warm up both paths
docker run --rm --network none "$image" true >/dev/null
: >"$work/b1.docker"; : >"$work/b1.arena"; : >"$work/b1.jobs"
for _ in $(seq 1 "$pairs"); do
  t0=$(now_ms); docker run --rm --network none "$image" true >/dev/null; t1=$(now_ms)
  echo $((t1 - t0)) >>"$work/b1.docker"
  t0=$(now_ms); "$bin/arenactl" run -- true >/dev/null 2>"$work/run.err"; t1=$(now_ms)
  echo $((t1 - t0)) >>"$work/b1.arena"
  sed -nE 's/.*job (job-[0-9a-f]+) submitted.*/\1/p' "$work/run.err" >>"$work/b1.jobs"
done
docker_p50=$(median <"$work/b1.docker")
arena_p50=$(median <"$work/b1.arena")
ratio=$(awk -v a="$arena_p50" -v d="$docker_p50" 'BEGIN {printf "%.2f", a / d}')
while read -r job; do
  "$bin/arenactl" -o json status "$job" | python3 -c 'import json,sys; d=json.load(sys.stdin); t=d["tasks"][0]; print(int(t["started_unix_ms"]) - int(d["created_unix_ms"]))'
done <"$work/b1.jobs" >"$work/b1.queue"
queue_p50=$(median <"$work/b1.queue")
queue_p99=$(pct 99 <"$work/b1.queue")

# --- B6 ---
b6_tests=$([ $smoke = 1 ] && echo 16 || echo 200)
b6_slots=4
for name in b6a b6b; do
  "$bin/arena-agent" --controller "$ARENA_CONTROLLER" --ca-file "$ARENA_CA_FILE" --slots 2 \
    --labels pool=b6 --join-token "$("$bin/arenactl" join-token create)" \
    --state-dir "$work/$name" >"$work/$name.log" 2>&1 &
  pids+=($!)
done
for _ in $(seq 1 100); do
  [ "$("$bin/arenactl" -o json agents | grep -c '"pool": "b6"')" -ge 2 ] && break
  sleep 0.1
done
# Test ids carry their duration: t017_1.25 sleeps 1.25 s. Pareto(1.6),
# 0.25 s scale, capped at 10 s; the same seed every run.
python3 - "$b6_tests" "$smoke" >"$work/b6.tests" <<'PY'
import random, sys
random.seed(6)
n, smoke = int(sys.argv[1]), sys.argv[2] == "1"
scale = 0.02 if smoke else 0.25
for i in range(n):
    print(f"t{i:03d}_{min(10.0, scale * random.paretovariate(1.6)):.2f}")
PY
b6_sum=$(awk -F_ '{s += $2} END {printf "%.2f", s}' "$work/b6.tests")
b6_max=$(awk -F_ '$2 > m {m = $2} END {printf "%.2f", m}' "$work/b6.tests")
b6_bound=$(awk -v s="$b6_sum" -v m="$b6_max" -v k="$b6_slots" 'BEGIN {b = s / k; printf "%.2f", (m > b ? m : b)}')
makespan() {  # JOB: seconds from submission to the job's end
  "$bin/arenactl" -o json status "$1" |
    python3 -c 'import json,sys; d=json.load(sys.stdin); print("%.2f" % ((int(d["finished_unix_ms"]) - int(d["created_unix_ms"])) / 1000))'
}
# Static split: shard k runs tests k, k+4, ... in one container, one after another.
shard_args=()
for k in $(seq 0 $((b6_slots - 1))); do
  durations=$(awk -F_ -v k="$k" -v n="$b6_slots" '(NR - 1) % n == k {printf "%s ", $2}' "$work/b6.tests")
  shard_args+=(--suite "shard$k=for d in $durations; do sleep \$d; done")
done
static_job=$("$bin/arenactl" submit --label pool=b6 "${shard_args[@]}")
"$bin/arenactl" wait "$static_job" >/dev/null
b6_static=$(makespan "$static_job")
test_ids=$(paste -sd, "$work/b6.tests")
queue_cmd='d={test}; sleep "${d#*_}"'
queue_job=$("$bin/arenactl" submit --label pool=b6 --tests "$test_ids" --test-command "$queue_cmd")
"$bin/arenactl" wait "$queue_job" >/dev/null
b6_cold=$(makespan "$queue_job")
queue_job=$("$bin/arenactl" submit --label pool=b6 --tests "$test_ids" --test-command "$queue_cmd")
"$bin/arenactl" wait "$queue_job" >/dev/null
b6_warm=$(makespan "$queue_job")
over() { awk -v a="$1" -v b="$b6_bound" 'BEGIN {printf "%+.1f%%", (a / b - 1) * 100}'; }

# --- B4 ---
script="yes 0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz | head -c $((log_mb * 1048576))"
expected=$(busybox sh -c "$script" | sha256sum | cut -d' ' -f1)
t0=$(now_ms); docker run --rm --network none "$image" sh -c "$script" >/dev/null; t1=$(now_ms)
direct_ms=$((t1 - t0))
t0=$(now_ms); "$bin/arenactl" run --timeout 30m -- sh -c "$script" >/dev/null 2>"$work/run.err"; t1=$(now_ms)
arena_ms=$((t1 - t0))
job=$(sed -nE 's/.*job (job-[0-9a-f]+) submitted.*/\1/p' "$work/run.err")
stored=$("$bin/arenactl" logs "$job" | sha256sum | cut -d' ' -f1)
[ "$stored" = "$expected" ] && exact=yes || exact=NO
direct_rate=$(awk -v mb="$log_mb" -v ms="$direct_ms" 'BEGIN {printf "%.0f", mb * 1000 / ms}')
arena_rate=$(awk -v mb="$log_mb" -v ms="$arena_ms" 'BEGIN {printf "%.0f", mb * 1000 / ms}')
log_ratio=$(awk -v a="$arena_rate" -v d="$direct_rate" 'BEGIN {printf "%.2f", a / d}')

report=$(cat <<MD
# Benchmarks

Generated by \`bench/run.sh\` on $(date -u +%Y-%m-%d) — $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB,
$(uname -sr), Docker $(docker version --format '{{.Server.Version}}'), one controller and one agent on
127.0.0.1 (mTLS), image \`$image\`. Each figure is measured side by side with its
baseline in the same run.

## B1 dispatch overhead ($pairs alternated pairs)

| | median |
|---|---|
| bare \`docker run --rm --network none $image true\` | ${docker_p50} ms |
| \`arenactl run -- true\` (submit, schedule, create/attach/start/wait/remove, record, verdict) | ${arena_p50} ms |
| ratio Arena / bare Docker | **${ratio}** (target <= 1.10) |
| controller queued-to-started (job created to container started), p50 / p99 | ${queue_p50} / ${queue_p99} ms |

## B4 log throughput (${log_mb} MiB to stdout)

| | time | rate |
|---|---|---|
| read through the Docker API directly (\`docker run\`, output to /dev/null) | ${direct_ms} ms | ${direct_rate} MiB/s |
| through Arena, stored (agent spool, mTLS stream, fdatasync per chunk) | ${arena_ms} ms | ${arena_rate} MiB/s |
| ratio Arena / direct | **${log_ratio}** (target >= 0.8) | stored log sha256 matches: ${exact} |

## B6 makespan of a heavy-tailed suite (${b6_tests} tests, ${b6_slots} slots on two agents)

Test durations: Pareto(1.6), 0.25 s scale, capped at 10 s, fixed seed; sum ${b6_sum} s,
longest ${b6_max} s. Makespan = job submitted to job finished, from the controller's records.

| | makespan | vs lower bound |
|---|---|---|
| lower bound max(sum / slots, longest) | ${b6_bound} s | |
| static split: 4 shards of ${b6_tests}/4 tests, round robin, one container each | ${b6_static} s | $(over "$b6_static") |
| test-queue mode, no history (tests pulled one by one, docker exec in warm containers) | ${b6_cold} s | $(over "$b6_cold") |
| test-queue mode, with history (longest first) | ${b6_warm} s | **$(over "$b6_warm")** (target <= +10%) |

Not measured yet: B2 (hollow-agent throughput), B3 (10,000 idle agents), B5
(REST with wrk).
MD
)
if [ $smoke = 1 ]; then
  echo "$report"
else
  echo "$report" >"$root/docs/benchmarks.md"
  echo "$report"
fi
[ "$exact" = yes ]
