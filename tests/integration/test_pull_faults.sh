#!/usr/bin/env bash
# Pull faults against a real TLS registry on 127.0.0.1 (test_pull.sh has the
# registry down before a pull starts, and down for good on one agent):
#  - the registry killed while a ~50 MB pull moves bytes (through a loopback
#    proxy that throttles the registry's answers, so the kill lands mid-layer)
#    and restarted: the pull is retried inside the attempt and the task passes;
#  - the registry down for good with two agents: the attempt ends as an
#    infrastructure error and --retries runs the next attempt on the other agent.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/registry.sh"
start_registry faults
BIG_MB=${ARENA_PULL_FAULT_MB:-50}
push_random "$REG/big/random:1" $((BIG_MB * 1024))
slow_proxy faults $((8 * 1024 * 1024))
BIG="$SLOW/big/random:1"
drop_images() { drop_registry_images "$SLOW" "$BIG"; }
drop_images
trap 'rc=$?; set +e; drop_images; (exit "$rc"); registry_cleanup' EXIT
start_controller ctl
start_agent first --pull-stall-timeout 3s --pull-timeout 90s
FIRST_ID=$AGENT_ID
FIRST_PID=$AGENT_PID
attempts_of() { actl -o json status "$1" | json_field 'len(d["tasks"][0]["attempts"])'; }

# The task's live pull progress (arenactl -o json status): "DONE TOTAL".
progress() {
  actl -o json status "$1" | json_field '"%d %d" % (int(d["tasks"][0].get("progress_done", 0)), int(d["tasks"][0].get("progress_total", 0)))'
}
bytes_moving() { [ "$(progress "$1" | cut -d' ' -f1)" -gt 0 ]; }

# Killed mid-pull, restarted: bytes were moving when the registry went.
job=$(actl submit --image "$BIG" --pull always -- echo big-ran)
wait_until 60 bytes_moving "$job" || fail "no pull progress: $(actl -o json status "$job")"
stop_registry faults
read -r done_bytes total_bytes <<<"$(progress "$job")"
sleep 4  # longer than --pull-stall-timeout
restart_registry faults
out=$(actl wait "$job" 2>&1) || fail "after the registry came back: $out"
assert_contains "$(actl logs "$job")" "big-ran" "the task ran"
[ "$done_bytes" -gt 0 ] && [ "$done_bytes" -lt "$total_bytes" ] ||
  fail "the kill did not land mid-transfer ($done_bytes of $total_bytes bytes)"
done_mb=$((done_bytes >> 20))
total_mb=$((total_bytes >> 20))
assert_eq 1 "$(attempts_of "$job")" "retried inside the one attempt"
# Who retried: dockerd resumes a broken layer itself (a ranged GET to the
# restarted registry) when it is back within its first retry delay (5 s),
# else the agent's next try pulls again. Either is a line of the task's.
log=$(actl logs "$job")
case "$log" in
  *"a layer download broke off; dockerd is retrying it"*) by=dockerd ;;
  *"retrying in"*) by=agent ;;
  *) fail "no retry in the task's arena: lines: $log" ;;
esac
if [ $by = dockerd ]; then
  grep -q '"GET /v2/big/random/blobs/sha256:[0-9a-f]* HTTP/1.1" 206' "$REG_DIR/registry.log" ||
    fail "dockerd's retry did not resume the layer from the restarted registry"
fi
pass "registry killed mid-pull ($done_mb of $total_mb MiB) and restarted -> retried in the attempt ($by), passed"

# While a pull lasts: arenactl run prints arena: lines with its bytes, the
# status table and the REST job show the task pulling, and none of it goes
# into the task's stored log.
drop_images
actl run --image "$BIG" --pull always -- echo shown-ran >"$WORK/run.out" 2>"$WORK/run.err" &
run_pid=$!
wait_until 60 grep -q "pulling $BIG: " "$WORK/run.err" || fail "no arena: pull line from run: $(cat "$WORK/run.err")"
job=$(actl -o json jobs --limit 1 | json_field 'd["jobs"][0]["id"]')
assert_contains "$(actl status "$job")" "pulling $BIG: " "the status table shows the pull"
rest=$(curl -s -H "Authorization: Bearer $TOKEN" "$CTL_URL/api/v1/jobs/$job")
assert_contains "$rest" '"phase":"pulling"' "the REST job shows the phase"
wait "$run_pid" || fail "run of the shown pull: $(cat "$WORK/run.err")"
assert_contains "$(cat "$WORK/run.err")" " MiB (" "run printed bytes of the total"
log=$(actl logs "$job")
case "$log" in *" MiB ("*) fail "pull progress reached the stored log: $log" ;; esac
assert_contains "$log" "shown-ran" "the task ran"
pass "a pull's bytes show in run's arena: lines, status and REST, never in the stored log"

# Down for good: each attempt gives up after its pull's retries; the second
# attempt runs on the second agent (placement avoids the agent it failed on).
drop_images
start_agent second --pull-stall-timeout 3s --pull-timeout 6s
SECOND_ID=$AGENT_ID
kill "$FIRST_PID"  # again with the short pull timeout
wait_until 40 process_gone "$FIRST_PID" || fail "first agent did not stop"
start_agent first --pull-stall-timeout 3s --pull-timeout 6s
stop_registry faults
set +e
out=$(actl run --image "$BIG" --pull always --retries 1 -- true 2>&1)
rc=$?
set -e
assert_eq 3 "$rc" "registry down for good ends the task error"
assert_contains "$out" "gave up after the pull's retries" "reason names the given-up pull"
job=$(actl -o json jobs --limit 1 | json_field 'd["jobs"][0]["id"]')
status=$(actl -o json status "$job")
assert_eq 2 "$(echo "$status" | json_field 'len(d["tasks"][0]["attempts"])')" "--retries ran a second attempt"
a1=$(echo "$status" | json_field 'd["tasks"][0]["attempts"][0]["agent_id"]')
a2=$(echo "$status" | json_field 'd["tasks"][0]["attempts"][1]["agent_id"]')
[ "$a1" != "$a2" ] || fail "both attempts ran on $a1"
for a in "$a1" "$a2"; do
  [ "$a" = "$FIRST_ID" ] || [ "$a" = "$SECOND_ID" ] || fail "unknown agent $a"
done
pass "registry down for good -> infrastructure error, retried on the second agent ($a1 then $a2)"
