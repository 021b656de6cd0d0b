#!/usr/bin/env bash
# Regenerates docs/benchmarks.md: each benchmark side by side with its
# baseline in one run on this machine. Needs a build (tests/run.sh or
# quickstart) and dockerd; talks only to 127.0.0.1.
#   bench/run.sh            full run, rewrites docs/benchmarks.md
#   bench/run.sh --smoke    tiny sizes, prints the report, writes nothing
# Environment (bench/compare.sh sets them): ARENA_BIN the binaries to
# measure; ARENA_BENCH_FIGURES=FILE also writes the headline figures there
# as key=value lines and leaves docs/benchmarks.md alone; ARENA_BENCH_SKIP_B7=1
# skips B7.
#
# B1 dispatch overhead: `arenactl run -- true` vs bare `docker run --rm
#    ... true`, alternated, N pairs, medians and their ratio; plus the
#    controller's queued-to-started time from the job records.
# B4 log throughput: a container writing SIZE bytes to stdout through Arena
#    (stored byte-exact, sha256 checked) vs the same container read through
#    the Docker API directly (docker run, output to /dev/null).
# B2 scheduling throughput: arena-hollow (bench/hollow_agents.cc) connects N
#    agents over the real protocol and mTLS, each finishing its tasks at
#    once; test-queue jobs are submitted and tasks recorded per second
#    counted, at 100 and 1,000 agents, each on a fresh controller.
# B3 connected agents: 10,000 idle agents heartbeating on one controller;
#    the controller's RSS and CPU over a minute.
# B5 REST gateway: wrk on GET /api/v1/jobs/{id} over HTTPS on loopback.
# B6 makespan: a heavy-tailed suite of 200 sleeping tests on 4 slots (two
#    agents x 2) in test-queue mode (first without, then with duration
#    history) vs a static split into 4 shards of 50 (round robin, one
#    container per shard) vs the lower bound max(sum / slots, longest).
# B8 a real project's pytest suite: networkx's tests from Debian's package,
#    test-queue batches on 4 slots vs `pytest -n 4` in one container
#    (bench/b8_pytest_suite.sh; not in --smoke; ARENA_BENCH_SKIP_B8=1 skips it).
# B7 image pull: a ~50 MB image (random layer data) absent before each round,
#    pulled through Arena (submit to container started) vs `docker pull` +
#    `docker run -d` from the same local TLS registry, alternated
#    (bench/b7_pull.sh; needs docker-registry and buildah).
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
# The client's fixed cost: a new arenactl process, its TLS channel and one RPC.
for _ in $(seq 1 "$pairs"); do
  t0=$(now_ms); "$bin/arenactl" -o json agents >/dev/null; t1=$(now_ms); echo $((t1 - t0))
done >"$work/b1.client"
client_p50=$(median <"$work/b1.client")
docker_p50=$(median <"$work/b1.docker")
arena_p50=$(median <"$work/b1.arena")
ratio=$(awk -v a="$arena_p50" -v d="$docker_p50" 'BEGIN {printf "%.2f", a / d}')
# Per job: queued->assigned (controller), assigned->container started
# (agent + dockerd), agent has the result->recorded (transport + durable
# record, both clocks on this host).
while read -r job; do
  "$bin/arenactl" -o json status "$job" | python3 -c 'import json,sys
d=json.load(sys.stdin); t=d["tasks"][0]; a=t["attempts"][0]
print(int(a["started_unix_ms"]) - int(d["created_unix_ms"]),
      int(t["started_unix_ms"]) - int(a["started_unix_ms"]),
      int(a["finished_unix_ms"]) - int(a["exited_unix_ms"]))'
done <"$work/b1.jobs" >"$work/b1.phases"
assign_p50=$(cut -d' ' -f1 "$work/b1.phases" | median); assign_p99=$(cut -d' ' -f1 "$work/b1.phases" | pct 99)
start_p50=$(cut -d' ' -f2 "$work/b1.phases" | median)
record_p50=$(cut -d' ' -f3 "$work/b1.phases" | median); record_p99=$(cut -d' ' -f3 "$work/b1.phases" | pct 99)
added_p50=$((arena_p50 - docker_p50))

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
# Batches ({tests}): one process runs several, writing a JUnit row each with
# its time; the history above orders and sizes them.
batch_cmd='x=; for t in {tests}; do sleep "${t#*_}"; x="$x<testcase name=\"$t\" time=\"${t#*_}\"/>"; done; echo "<testsuite name=\"b6\">$x</testsuite>" >b6.xml'
queue_job=$("$bin/arenactl" submit --label pool=b6 --tests "$test_ids" --test-command "$batch_cmd" --junit b6.xml)
"$bin/arenactl" wait "$queue_job" >/dev/null
b6_batch=$(makespan "$queue_job")
b6_batch_runs=$("$bin/arenactl" -o json status "$queue_job" |
  python3 -c 'import json,sys; print(sum(1 for t in json.load(sys.stdin)["tasks"] for a in t.get("attempts", []) if not a.get("batch_attempt_id")))')
over() { awk -v a="$1" -v b="$b6_bound" 'BEGIN {printf "%+.1f%%", (a / b - 1) * 100}'; }

# --- B5 ---
command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null 2>&1 || true; }
b5_job=$(head -n 1 "$work/b1.jobs")
b5_url="https://127.0.0.1:$(sed -E 's/.*"http": ([0-9]+).*/\1/' "$work/ctl/ports.json")/api/v1/jobs/$b5_job"
b5_seconds=$([ $smoke = 1 ] && echo 2 || echo 15)
b5_rps=n/a; b5_p99=n/a; b5_p50=n/a
if command -v wrk >/dev/null; then
  wrk -t2 -c32 -d"${b5_seconds}s" --latency -H "Authorization: Bearer $ARENA_TOKEN" "$b5_url" >"$work/wrk.txt" 2>&1 || true
  b5_rps=$(awk '/Requests\/sec/ {printf "%.0f", $2}' "$work/wrk.txt")
  b5_p50=$(awk '$1 == "50%" {print $2}' "$work/wrk.txt")
  b5_p99=$(awk '$1 == "99%" {print $2}' "$work/wrk.txt")
fi

# --- B2 and B3: hollow agents on their own controllers ---
ulimit -n 65536 2>/dev/null || true
scale_controller() {  # NAME: starts a controller, sets SCALE_*
  "$bin/arena-controller" --data-dir "$work/$1" --listen 127.0.0.1:0 --http-listen 127.0.0.1:0 \
    --agent-lease 120s >"$work/$1.log" 2>&1 &
  SCALE_PID=$!
  pids+=("$SCALE_PID")
  for _ in $(seq 1 100); do [ -f "$work/$1/ports.json" ] && break; sleep 0.1; done
  SCALE_ADDR="127.0.0.1:$(sed -E 's/.*"grpc": ([0-9]+).*/\1/' "$work/$1/ports.json")"
  SCALE_TOKEN=$(cat "$work/$1/admin.token")
  SCALE_JOIN=$("$bin/arenactl" --controller "$SCALE_ADDR" --ca-file "$work/$1/ca.pem" --token "$SCALE_TOKEN" \
    join-token create --uses 20000)
}
hollow() {  # NAME ARGS...: runs arena-hollow against controller NAME
  local name=$1; shift
  "$bin/arena-hollow" --controller "$SCALE_ADDR" --ca-file "$work/$name/ca.pem" --join-token "$SCALE_JOIN" \
    --token "$SCALE_TOKEN" "$@"
}
field() { sed -nE "s/.*$1=([^ ]+).*/\1/p" | tail -n 1; }
b2_rows=""
for agents in $([ $smoke = 1 ] && echo 10 || echo "100 1000"); do
  tests=$([ $smoke = 1 ] && echo 50 || echo 2000)
  jobs=$([ $smoke = 1 ] && echo 1 || echo 10)
  scale_controller "b2-$agents"
  out=$(hollow "b2-$agents" --agents "$agents" --slots 4 --jobs "$jobs" --tests "$tests")
  kill "$SCALE_PID" 2>/dev/null || true
  b2_rows+="| $agents agents x 4 slots | $(echo "$out" | field tasks) | $(echo "$out" | field " seconds") s | **$(echo "$out" | field tasks_per_second)** |"$'\n'
  eval "b2_rate_$agents=$(echo "$out" | field tasks_per_second)"
done
# Batches: the same jobs with a "{tests}" command, twice (the second round
# has the first's history); a batch of N tests counts N.
b2b_agents=$([ $smoke = 1 ] && echo 10 || echo 1000)
scale_controller b2-batch
out=$(hollow b2-batch --agents "$b2b_agents" --slots 4 --jobs "$jobs" --tests "$tests" --batch --rounds 2)
kill "$SCALE_PID" 2>/dev/null || true
b2_batch_rows=""
for round in 1 2; do
  line=$(echo "$out" | grep "phase=throughput.* round=$round ")
  history=$([ $round = 1 ] && echo "none" || echo "round 1's")
  b2_batch_rows+="| $b2b_agents agents x 4 slots, history: $history | $(echo "$line" | field tasks) | $(echo "$line" | field runs) | $(echo "$line" | field " seconds") s ($(echo "$line" | field submit_seconds) s submitting) | **$(echo "$line" | field tasks_per_second)** |"$'\n'
  eval "b2_batch_rate_$round=$(echo "$line" | field tasks_per_second)"
done
b3_agents=$([ $smoke = 1 ] && echo 50 || echo 10000)
b3_idle=$([ $smoke = 1 ] && echo 3 || echo 60)
scale_controller b3
hollow b3 --agents "$b3_agents" --slots 1 --idle "$((b3_idle + 5))s" >"$work/b3.out" 2>&1 &
b3_tool=$!
for _ in $(seq 1 6000); do grep -q "phase=idle" "$work/b3.out" && break; sleep 0.1; done
sleep 2
cpu0=$(awk '{print $14 + $15}' "/proc/$SCALE_PID/stat"); t0=$(now_ms)
sleep "$b3_idle"
cpu1=$(awk '{print $14 + $15}' "/proc/$SCALE_PID/stat"); t1=$(now_ms)
b3_rss=$(awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$SCALE_PID/status")
b3_cpu=$(awk -v c="$((cpu1 - cpu0))" -v hz="$(getconf CLK_TCK)" -v ms="$((t1 - t0))" 'BEGIN {printf "%.1f", c / hz * 1000 / ms * 100}')
b3_connected=$(field connected <"$work/b3.out")
b3_connect_s=$(sed -nE 's/phase=connect.*seconds=([0-9.]+).*/\1/p' "$work/b3.out")
wait "$b3_tool" || true
kill "$SCALE_PID" 2>/dev/null || true

# --- B4 ---
# One MiB of text written once, then cat'ed log_mb times: the generator runs
# at several hundred MiB/s, well above either path.
script="yes 0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz | head -c 1048576 >/tmp/b; cat $(printf '/tmp/b %.0s' $(seq 1 "$log_mb"))"
expected=$(busybox sh -c "$script" | sha256sum | cut -d' ' -f1)
# Direct: the Docker API itself on its socket: create with no log driver
# (as the agent does), attach (upgraded stream), start, read to the end.
read -r direct_ms direct_bytes < <(python3 - "$image" "$script" <<'PY'
import http.client, json, socket, sys, time
class Unix(http.client.HTTPConnection):
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX); self.sock.connect("/var/run/docker.sock")
def call(method, path, body=None):
    c = Unix("docker"); c.request(method, path, body=json.dumps(body) if body else None,
                                  headers={"Content-Type": "application/json"})
    r = c.getresponse(); data = r.read(); c.close(); return r.status, data
t0 = time.monotonic()
status, data = call("POST", "/containers/create", {"Image": sys.argv[1], "Cmd": ["sh", "-c", sys.argv[2]],
    "AttachStdout": True, "AttachStderr": True,
    "HostConfig": {"NetworkMode": "none", "LogConfig": {"Type": "none"}}})
cid = json.loads(data)["Id"]
s = socket.socket(socket.AF_UNIX); s.connect("/var/run/docker.sock")
s.sendall(("POST /containers/%s/attach?stream=1&stdout=1&stderr=1 HTTP/1.1\r\nHost: docker\r\n"
           "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n" % cid).encode())
head = b""
while b"\r\n\r\n" not in head:
    head += s.recv(1)
call("POST", "/containers/%s/start" % cid)
buf = bytearray(1 << 20); total = 0
while True:
    n = s.recv_into(buf)
    if n == 0: break
    total += n
ms = int((time.monotonic() - t0) * 1000)
call("DELETE", "/containers/%s?force=1" % cid)
print(ms, total)
PY
)
# Arena: from the job's records, created (submit accepted) to finished (the
# whole log durable and the result recorded); the log is not followed.
job=$("$bin/arenactl" submit --timeout 30m -- sh -c "$script")
"$bin/arenactl" wait "$job" >/dev/null
arena_ms=$("$bin/arenactl" -o json status "$job" |
  python3 -c 'import json,sys; d=json.load(sys.stdin); print(int(d["finished_unix_ms"]) - int(d["created_unix_ms"]))')
stored=$("$bin/arenactl" logs "$job" | sha256sum | cut -d' ' -f1)
[ "$stored" = "$expected" ] && exact=yes || exact=NO
direct_rate=$(awk -v mb="$log_mb" -v ms="$direct_ms" 'BEGIN {printf "%.0f", mb * 1000 / ms}')
arena_rate=$(awk -v mb="$log_mb" -v ms="$arena_ms" 'BEGIN {printf "%.0f", mb * 1000 / ms}')
log_ratio=$(awk -v a="$arena_rate" -v d="$direct_rate" 'BEGIN {printf "%.2f", a / d}')

# --- B7 ---
b7_rounds=$([ $smoke = 1 ] && echo 2 || echo 15)
b7_mb=$([ $smoke = 1 ] && echo 2 || echo 50)
if [ "${ARENA_BENCH_SKIP_B7:-0}" = 1 ]; then
  : >"$work/b7.out"
else
  ARENA_BIN="$bin" bash "$root/bench/b7_pull.sh" "$b7_rounds" "$b7_mb" >"$work/b7.out"
fi
b7() { sed -n "s/^$1=//p" "$work/b7.out"; }

# --- B8 --- (not in --smoke: it builds an image from Debian packages)
if [ $smoke = 1 ] || [ "${ARENA_BENCH_SKIP_B8:-0}" = 1 ]; then
  : >"$work/b8.out"
else
  ARENA_BIN="$bin" bash "$root/bench/b8_pytest_suite.sh" 3 >"$work/b8.out"
fi
b8() { sed -n "s/^$1=//p" "$work/b8.out"; }

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
| \`arenactl run -- true\` (submit, schedule, create/attach/start/wait, record, verdict) | ${arena_p50} ms |
| ratio Arena / bare Docker | **${ratio}** (target <= 1.05) |
| Arena's added time (difference of the medians) | **${added_p50} ms** (target <= 20) |

Where an Arena run's time goes (from the job records):

| phase | p50 | p99 |
|---|---|---|
| queued to assigned (controller: durable submit seen, placed, assignment committed and sent) | ${assign_p50} ms | ${assign_p99} ms |
| assigned to container started (agent and dockerd: create, attach, start) | ${start_p50} ms | |
| agent has the result to result recorded (stream, durable record) | ${record_p50} ms | ${record_p99} ms |
| for scale: a new \`arenactl\` process making one RPC (start, TLS channel, call, exit) | ${client_p50} ms | |

The agent removes the container after it reports the result, off the
critical path; \`docker run --rm\` waits for the removal.

## B4 log throughput (${log_mb} MiB to stdout)

| | time | rate |
|---|---|---|
| read through the Docker API directly (a client on its socket: create, attach, start, read ${direct_bytes} bytes with frame headers) | ${direct_ms} ms | ${direct_rate} MiB/s |
| through Arena, stored (submit to recorded: agent spool, 1 MiB chunks over mTLS, one fdatasync per scheduler batch) | ${arena_ms} ms | ${arena_rate} MiB/s |
| ratio Arena / direct | **${log_ratio}** (target >= 0.8) | stored log sha256 matches: ${exact} |

## B6 makespan of a heavy-tailed suite (${b6_tests} tests, ${b6_slots} slots on two agents)

Test durations: Pareto(1.6), 0.25 s scale, capped at 10 s, fixed seed; sum ${b6_sum} s,
longest ${b6_max} s. Makespan = job submitted to job finished, from the controller's records.

| | makespan | vs lower bound |
|---|---|---|
| lower bound max(sum / slots, longest) | ${b6_bound} s | |
| static split: 4 shards of ${b6_tests}/4 tests, round robin, one container each | ${b6_static} s | $(over "$b6_static") |
| test-queue mode, no history (tests pulled one by one, docker exec in warm containers) | ${b6_cold} s | $(over "$b6_cold") |
| test-queue mode, with history (longest first) | ${b6_warm} s | $(over "$b6_warm") |
| test-queue mode, batches (\`{tests}\`, ${b6_batch_runs} runs), with history | ${b6_batch} s | **$(over "$b6_batch")** (target <= +5%) |

## B2 scheduling throughput (hollow agents, real protocol and mTLS, durable store)

Each hollow agent (\`bench/hollow_agents.cc\`) enrolls with its own key, keeps its own
connection and stream, and answers every assignment at once with exit 0; jobs are
test-queue jobs of ${tests} tests. Tasks recorded = the controller acknowledged the result as durable.

| agents | tasks | time | tasks/s |
|---|---|---|---|
${b2_rows}
The same jobs with a \`{tests}\` test command: the controller batches the queued
tests and the hollow agent reports each test by its own row in a JUnit file
(one file per run), so a batch of N tests counts N.

| agents | tests | runs | time | tests/s |
|---|---|---|---|---|
${b2_batch_rows}
Target: >= 10,000 tasks/s (a batch of N tests counting N).

## B3 connected agents

| agents connected | connect time | controller RSS | controller CPU (idle, heartbeats every 10 s) |
|---|---|---|---|
| ${b3_connected} of ${b3_agents} | ${b3_connect_s} s | ${b3_rss} MiB | ${b3_cpu}% of one core over ${b3_idle} s |

Targets: RSS <= 1 GiB, CPU <= 25% of one core.

## B5 REST gateway (wrk, 2 threads, 32 connections, ${b5_seconds} s, HTTPS on loopback)

| endpoint | requests/s | p50 | p99 |
|---|---|---|---|
| \`GET /api/v1/jobs/{id}\` (token checked, job read from SQLite) | **${b5_rps}** | ${b5_p50} | ${b5_p99} |

Target: >= 20,000 req/s, p99 <= 10 ms.

## B7 image pull (${b7_mb} MiB of random layer data, absent before each round, $(b7 rounds) alternated rounds)

Same local registry (docker-registry with TLS on 127.0.0.1), same dockerd; both timed
from before the client starts to the container started.

| | median |
|---|---|
| \`docker pull IMAGE\` + \`docker run -d --network none IMAGE sleep 5\` | $(b7 docker_ms) ms (pull $(b7 docker_pull_ms) ms, run $(b7 docker_run_ms) ms) |
| \`arenactl submit --pull always --image IMAGE -- true\`, to the task's started time in its record | $(b7 arena_ms) ms |
| ratio Arena / Docker (median of the per-round ratios) | **$(b7 ratio)** (target <= 1.05) |
| ratio of the medians | $(b7 ratio_of_medians) |

Where an Arena round's time goes (medians): client start to submit accepted $(b7 submit_ms) ms,
queued to assigned $(b7 assign_ms) ms, assigned to container started $(b7 agent_ms) ms, of which
the pull itself (the agent's \`arena: pulled ... in\` line) $(b7 pull_ms) ms.

## B8 a real project's pytest suite ($(b8 tests) networkx tests, 4 slots, $(b8 rounds) alternated rounds)

Debian's python3-networkx tests in an image built from Debian packages
(\`deploy/build-pytest-image.sh arena-bench/networkx:latest python3-networkx python3-pytest-xdist\`);
both timed from before the client starts (bench/b8_pytest_suite.sh says why one upstream
test is left out of both).

| | median |
|---|---|
| \`pytest -n 4 networkx\` in one container (\`docker run --rm --network none\`) | $(b8 direct_ms) ms ($(b8 direct_passed) passed, $(b8 direct_skipped) skipped) |
| \`arenactl run --list-command 'pytest --collect-only ...' --test-command 'pytest ... {tests}' --junit ...\`, one agent of 4 slots | $(b8 arena_ms) ms ($(b8 arena_passed) passed, $(b8 arena_skipped) skipped, $(b8 arena_runs) runs in the last round) |
| ratio Arena / \`pytest -n 4\` (median of the per-round ratios) | **$(b8 ratio)** (target <= 1.1) |

The first Arena round (no history): $(b8 first_profile). The last: $(b8 last_profile).

## Where the time goes

From \`perf record\` (cpu-clock, DWARF call chains) and heaptrack on this machine; the
figures in this section are from those profiles, not from the run above.

- **B1**: the controller's own share is the two controller phases in the table (1-2 ms
  each at p50): the submit is durable before the job is queued, an assignment is
  committed with its batch before it is sent, a result is durable before it is
  acknowledged. Most of the rest of the difference is the client: a new \`arenactl\`
  process spends about 20 ms of CPU before its first answer (40% kernel exec, mmap and page
  faults, 32% the dynamic loader binding symbols across the 58 shared libraries gRPC,
  protobuf and Abseil bring, 12% OpenSSL), where \`docker\` is one static binary. The
  agent removes the container after reporting (\`docker rm\` takes about 15 ms here) and
  inspects it only when that can matter.
- **B2**: 366 (100 agents) and 289 (1,000) tasks/s before this round. The profile: each
  event ran about six autocommit SQLite statements, each a WAL fsync; every dispatch
  copied each queued task's set of warm agents (31% of samples at 1,000 agents); each
  finished task re-counted its job's tasks with a GROUP BY over the job; replacing an
  attempt's test results scanned the whole results table (no index on the attempt);
  statements were compiled on every call (a quarter of the scheduler's time); the job API
  copied every agent's view once per queued task for waiting reasons. Now: one
  transaction and one fsync per batch of events, messages sent after the commit; active
  jobs' headers and per-state task counts in memory; dispatch over agents with free
  credits only; statements compiled once per connection; an index on the attempt; one
  agent snapshot per job view. What remains is the one task read and the writes per
  event, protobuf and gRPC, on 2 cores shared with the hollow agents.
- **B3**: about 109 KiB per idle agent with the two TLS changes below (RSS slope from 1,000 to 3,000 agents), 126
  before. heaptrack on 1,000 agents, before: peak heap 171.5 MB, of it OpenSSL's record
  buffers (2 x 17 KiB per connection), gRPC's TLS BIO pair (2 x 17 KiB), a 16 KiB TLS frame
  buffer and about 24 KiB of gRPC transport and call state. An \`SSL_new\` interposition
  (\`SSL_MODE_RELEASE_BUFFERS\`) and a 4 KiB TSI frame size cut the peak heap to 125.8 MB,
  but both are gone: with the frame size set, clients got TLS records they could not
  decrypt (issue 13; the soak test caught it in 3 of 7 runs, never in 5 without). Without
  them, a hand run of B3's own commands gave 1,261 MiB and 27.6% of a core at 10,000 idle
  agents (1,109 MiB and 17.8% with them). Most of what remains is gRPC's BIO pair, sized inside gRPC, and
  its transport state; \`malloc_trim\` returned nothing (the memory is in use). Tried
  without effect: TCP read chunk sizes, BDP probing, stream lookahead, a ResourceQuota,
  fewer malloc arenas.
- **B4**: CPU-bound. On 2 cores dockerd and containerd-shim take about 29% of the samples
  moving the bytes (the same work as the direct path, which has both cores to itself),
  the agent 25% (reading the attach stream, writing the spool and reading it back, TLS),
  the controller 31% (TLS, HTTP/2 framing, the copy into the page cache). Durability is
  not the limit: the per-batch fdatasync on or off measured the same. Changes this round:
  one fdatasync per log per scheduler batch instead of per 64 KiB chunk (85 to 134
  MiB/s), 1 MiB chunks and 512 KiB reads from dockerd, log messages moved instead of
  copied into the scheduler (to 183 MiB/s); and the figure above is from the job's own
  records, not rounded up to a client's poll.
- **B7**: measured at first at 1.22. Three causes, from timing each step of the agent's
  path against \`docker pull\` and \`docker run -d\` alone: with \`platform=linux/amd64\` on
  every pull, dockerd 20.10 fetches and checks the image config before it starts any layer
  download (about 90 ms per pull; the agent now names a platform only for a task of another
  architecture than its own, and checks the pulled image's platform after the pull as
  before); each of the agent's connections to dockerd negotiated the API version with
  \`/version\`, which asks containerd too (about 10 ms more than \`/_ping\`, four connections
  per pulled task; the version now comes from \`/_ping\`'s \`Api-Version\` header); and the
  benchmark itself polled \`arenactl status\` every 0.1 s during the Arena rounds, a new
  process each time, taking CPU from dockerd while it checked and unpacked the layer (it
  now waits with one long poll). Left over Docker: two image inspects around the pull and
  Arena's container (limits, hardening, attach before start), about even with Docker's two
  CLI starts. Single rounds vary by about ±15% on this 2-core machine.
- **B5**: protobuf's JSON printer (through the binary form and a type resolver) was 43%
  of the gateway's CPU; answers are now written from reflection (13,000 to 31,000 req/s,
  p99 23 to 5 ms). The rest is TLS, httplib, the token lookup and the job read.
MD
)
if [ -n "${ARENA_BENCH_FIGURES:-}" ]; then
  cat >"$ARENA_BENCH_FIGURES" <<FIGURES
b1_docker_ms=$docker_p50
b1_arena_ms=$arena_p50
b1_ratio=$ratio
b1_added_ms=$added_p50
b2_100_tasks_per_s=${b2_rate_100:-${b2_rate_10:-}}
b2_1000_tasks_per_s=${b2_rate_1000:-}
b2_batch_tests_per_s=${b2_batch_rate_2:-}
b3_rss_mb=$b3_rss
b3_cpu_percent=$b3_cpu
b4_ratio=$log_ratio
b4_arena_mib_per_s=$arena_rate
b5_req_per_s=$b5_rps
b5_p99=$b5_p99
b6_static_s=$b6_static
b6_queue_s=$b6_cold
b6_history_s=$b6_warm
b6_batch_s=$b6_batch
b6_bound_s=$b6_bound
b7_ratio=$(b7 ratio)
b8_ratio=$(b8 ratio)
FIGURES
elif [ $smoke = 1 ]; then
  echo "$report"
else
  echo "$report" >"$root/docs/benchmarks.md"
  echo "$report"
fi
[ "$exact" = yes ]
