#!/usr/bin/env bash
# examples/02-hardware-bench as written: the bench's agent started by its
# agent.sh (process executor, one slot, bench=rig1, the reset and check
# hooks), its job.yaml run from CI. Two jobs at once run one after the other
# on a freshly reset rig; the default hour is the timeout; workspaces go after
# each attempt; a run that leaves the rig powered makes the agent unhealthy,
# the next job waits with that reason, and runs once the rig is safe again.
source "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
example="$root/examples/02-hardware-bench"
start_controller ctl

src="$WORK/bench-src"
mkdir -p "$src"
cp -r "$example/project/." "$src/"
git -C "$src" init -q -b main
git -C "$src" -c user.name=t -c user.email=t@localhost add .
git -C "$src" -c user.name=t -c user.email=t@localhost commit -qm "bench tests"
git clone -q --bare "$src" "$WORK/bench-tests.git"

export RIG_DIR="$WORK/rig" STATE_DIR="$WORK/bench" ARENA_CONTROLLER="$CONTROLLER" ARENA_CA_FILE="$CA"
JOIN_TOKEN=$(actl join-token create) PATH="$BIN:$PATH" \
  "$example/agent.sh" --allow-local-repos --health-interval 2s >>"$WORK/bench.log" 2>&1 &
PIDS+=($!)
disown $!
wait_until 10 test -f "$STATE_DIR/agent.id" || fail "the bench agent did not enroll: $(cat "$WORK/bench.log")"
BENCH_ID=$(cat "$STATE_DIR/agent.id")
wait_until 10 agent_connected "$BENCH_ID" || fail "the bench agent did not connect"
actl doctor --executor process --label bench=rig1 >"$WORK/doctor.out" || fail "doctor: $(cat "$WORK/doctor.out")"
# The bench runs no containers: a Docker job could not run there.
rc=0
out=$(actl doctor --executor docker --label bench=rig1 2>&1) || rc=$?
assert_eq 3 "$rc" "doctor for a Docker job on the bench"
rc=0
out=$(actl doctor --executor podman 2>&1) || rc=$?
[ "$rc" -ne 0 ] && [ "$rc" -ne 3 ] || fail "doctor --executor podman: exit $rc: $out"
assert_contains "$out" "executor" "doctor names the bad executor"

submit() { actl submit -f "$example/job.yaml" --repo "file://$WORK/bench-tests.git" --commit main --env RIG_DIR="$RIG_DIR" "$@"; }
j1=$(submit --env BENCH_SECONDS=2)
j2=$(submit --env BENCH_SECONDS=2)
actl wait "$j1" >/dev/null || fail "bench job 1: $(actl logs "$j1")"
actl wait "$j2" >/dev/null || fail "bench job 2: $(actl logs "$j2")"
python3 - "$(actl -o json status "$j1")" "$(actl -o json status "$j2")" <<'PY' || fail "the two bench jobs overlapped"
import json, sys
spans = []
for text in sys.argv[1:]:
    attempt = json.loads(text)["tasks"][0]["attempts"][-1]
    # Both on the agent's clock: the command's start and the result in hand
    # (the controller may record the end later, after the log is durable).
    spans.append((int(attempt["started_unix_ms"]), int(attempt["exited_unix_ms"])))
spans.sort()
assert spans[0][1] <= spans[1][0], spans
PY
for job in "$j1" "$j2"; do
  log=$(actl logs "$job")
  assert_contains "$log" "pre-task: rig reset for task" "the reset hook's line in $job"
  assert_contains "$log" "post-task: rig safe" "the check hook's line in $job"
  assert_contains "$log" "flashed test-build-$job" "the tests drove the rig in $job"
  assert_eq 3600000 "$(actl -o json status "$job" | jq -r .spec.timeout_ms)" "default timeout of $job"
done
assert_eq 2 "$(actl -o json results "$j1" | jq '.results | length')" "JUnit results of the bench job"
assert_eq "" "$(find "$STATE_DIR" -maxdepth 3 -type d -name 'att-ws-*' | head -1)" "workspaces left after the jobs"
assert_eq off "$(cat "$RIG_DIR/power")" "the rig after the jobs"
pass "two bench jobs at once: one after the other, each on a reset rig, 1 h timeout, workspaces removed"

# A run that leaves the rig powered keeps its verdict but takes the bench out.
j3=$(submit --env LEAVE_POWERED=1)
actl wait "$j3" >/dev/null || fail "the run that leaves the rig on should still pass"
health() { actl -o json agents | jq -r --arg id "$BENCH_ID" '.agents[] | select(.id == $id) | .health'; }
unhealthy() { [ "$(health)" = unhealthy ]; }
wait_until 10 unhealthy || fail "the bench stayed healthy with the rig powered"
problem=$(actl -o json agents | jq -r --arg id "$BENCH_ID" '.agents[] | select(.id == $id) | .health_problem')
assert_contains "$problem" "rig left powered (on)" "the agent's health problem"
j4=$(submit)
waiting() { actl -o json status "$j4" | jq -r '.tasks[0].waiting_reason' | grep -q "unhealthy"; }
wait_until 10 waiting || fail "the next job does not say why it waits: $(actl status "$j4")"
assert_eq QUEUED "$(actl -o json status "$j4" | jq -r .state)" "the next job while the bench is unhealthy"
echo off >"$RIG_DIR/power"  # the operator switches the rig off
actl wait "$j4" >/dev/null || fail "the next job after the rig was made safe: $(actl logs "$j4")"
pass "a rig left powered makes the bench unhealthy; the next job waits with the reason and runs once it is safe"
