#!/usr/bin/env bash
# An agent killed mid-task (kill -9), and one frozen past its lease (SIGSTOP,
# then SIGCONT): the attempt ends `lost`, the task is retried on the other
# agent, the stale attempt's late messages are refused and its container is
# stopped; every attempt stays visible with its own log.
source "$(dirname "$0")/../integration/lib.sh"
start_controller ctl 0 --agent-lease 2s --restart-grace 2s
expected=$(busybox sh -c 'i=0; while [ $i -lt 30 ]; do echo "line $i"; i=$((i+1)); done')
script='i=0; while [ $i -lt 30 ]; do echo "line $i"; i=$((i+1)); sleep 0.1; done'

# --- kill -9 ---
start_agent first --heartbeat 500ms
first_pid=$AGENT_PID
first_id=$AGENT_ID
job=$(actl submit --retries 1 -- sh -c "sleep 1; $script")
wait_until 10 task_started "$job" || fail "job did not start on the first agent"
start_agent second --heartbeat 500ms
second_id=$AGENT_ID
kill -9 "$first_pid"
actl wait "$job" >/dev/null || fail "job did not pass after the agent died: $(actl status "$job")"
status=$(actl -o json status "$job")
assert_eq "LOST $first_id PASSED $second_id" \
  "$(echo "$status" | json_field '" ".join(a["state"] + " " + a["agent_id"] for a in d["tasks"][0]["attempts"])')" \
  "attempts after kill -9"
assert_contains "$(echo "$status" | json_field 'd["tasks"][0]["attempts"][0]["reason"]')" "silent" "lost reason"
assert_eq "$expected" "$(actl logs "$job")" "log of the retry"
assert_eq "$expected" "$(actl logs "$job" --attempt 2)" "log of attempt 2"
# The dead agent's container runs on until the agent comes back (systemd
# restarts it); on start it removes what its earlier process left.
AGENT_DIR="$WORK/first"
"$BIN/arena-agent" --controller "$CONTROLLER" --ca-file "$CA" --state-dir "$WORK/first" \
  --heartbeat 500ms >>"$WORK/first.log" 2>&1 &
restarted=$!
disown $restarted
PIDS+=("$restarted")
wait_until 15 no_containers "$job" || fail "the killed agent's container was not removed on restart"
pass "kill -9: lost on $first_id, passed on $second_id, container removed when the agent returned"

# --- no retries left: the job errors, distinct from a test failure ---
kill -9 "$restarted" 2>/dev/null || true
job=$(actl submit --label never=here -- true)
actl cancel "$job" >/dev/null
start_agent third --heartbeat 500ms --labels pool=solo
third_pid=$AGENT_PID
job=$(actl submit --label pool=solo -- sh -c 'sleep 20')
wait_until 10 task_started "$job" || fail "solo job did not start"
kill -9 "$third_pid"
set +e; actl wait "$job" >/dev/null; rc=$?; set -e
assert_eq 3 "$rc" "lost agent without retries exits 3"
assert_contains "$(actl -o json status "$job" | json_field 'd["tasks"][0]["reason"]')" "agent lost" "error reason"
"$BIN/arena-agent" --controller "$CONTROLLER" --ca-file "$CA" --state-dir "$WORK/third" \
  --labels pool=solo >>"$WORK/third.log" 2>&1 &
back=$!; disown $back; PIDS+=("$back")
wait_until 15 no_containers "$job" || fail "solo container not removed"
kill "$back"
pass "lost without retries ends as error: agent lost"

# --- SIGSTOP past the lease, then SIGCONT ---
start_agent frozen --heartbeat 500ms --labels pool=freeze
frozen_pid=$AGENT_PID
frozen_id=$AGENT_ID
job=$(actl submit --retries 1 --label pool=freeze -- sh -c "sleep 1; $script; sleep 30")
wait_until 10 task_started "$job" || fail "job did not start on the agent to freeze"
first_attempt=$(actl -o json status "$job" | json_field 'd["tasks"][0]["attempt_id"]')
kill -STOP "$frozen_pid"
wait_until 15 sh -c "$BIN/arenactl --controller $CONTROLLER --ca-file $CA --token $TOKEN -o json status $job | grep -q '\"LOST\"'" ||
  fail "frozen agent's attempt not lost"
size_at_loss=$(actl -o json status "$job" | json_field 'd["tasks"][0]["attempts"][0].get("log_bytes", "0")')
start_agent standby --heartbeat 500ms --labels pool=freeze
standby_id=$AGENT_ID
wait_until 15 sh -c "$BIN/arenactl --controller $CONTROLLER --ca-file $CA --token $TOKEN -o json status $job | grep -q '\"agent_id\": \"$standby_id\"'" ||
  fail "task not retried on the standby agent"
kill -CONT "$frozen_pid"
# The thawed agent reconnects, is told its attempt is stale, and stops it.
wait_until 20 sh -c "[ -z \"\$(docker ps -q --filter label=arena.attempt=$first_attempt)\" ]" ||
  fail "stale container still running after SIGCONT"
wait_until 10 sh -c "[ -z \"\$(docker ps -aq --filter label=arena.attempt=$first_attempt)\" ]" ||
  fail "stale container not removed"
actl cancel "$job" >/dev/null
status=$(actl -o json status "$job")
assert_eq "$size_at_loss" "$(echo "$status" | json_field 'd["tasks"][0]["attempts"][0].get("log_bytes", "0")')" \
  "no log bytes accepted for the stale attempt"
assert_eq "LOST $frozen_id" "$(echo "$status" | json_field 'd["tasks"][0]["attempts"][0]["state"] + " " + d["tasks"][0]["attempts"][0]["agent_id"]')" "stale attempt lost"
wait_until 15 no_containers "$job" || fail "containers left for $job"
agent_connected "$frozen_id" || wait_until 10 agent_connected "$frozen_id" || fail "thawed agent did not come back"
pass "SIGSTOP past the lease: retried elsewhere; after SIGCONT the stale attempt is refused and stopped"
