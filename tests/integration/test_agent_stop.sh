#!/usr/bin/env bash
# SIGTERM to an agent (what `systemctl stop` sends) while a task runs: the
# agent gives the attempt up within its stop timeout (SIGTERM to the
# container, grace, SIGKILL, removal), reports it lost while still
# connected, and exits 0 with no container of its own left; the controller
# retries the task, which passes on the next agent.
source "$(dirname "$0")/lib.sh"
start_controller ctl

agent_pid=""
run_agent() {  # NAME [flags...]: like start_agent, but not disowned (for the exit status)
  local name=$1; shift
  AGENT_DIR="$WORK/$name"
  local join=()
  if [ ! -f "$AGENT_DIR/agent.pem" ]; then join=(--join-token "$(actl join-token create)"); fi
  "$BIN/arena-agent" --controller "$CONTROLLER" --ca-file "$CA" --state-dir "$AGENT_DIR" \
    --stop-timeout 30s "${join[@]}" "$@" >>"$WORK/$name.log" 2>&1 &
  agent_pid=$!
  PIDS+=("$agent_pid")
  wait_until 10 test -f "$AGENT_DIR/agent.id" || fail "agent $name did not enroll"
  AGENT_ID=$(cat "$AGENT_DIR/agent.id")
  wait_until 10 agent_connected "$AGENT_ID" || fail "agent $name did not connect"
}
own_containers() { docker ps -aq --filter "label=arena.agent=$AGENT_ID"; }
no_own_containers() { [ -z "$(own_containers)" ]; }

run_agent first --slots 2
# PID 1 of a container ignores SIGTERM without a handler: this one needs the
# SIGKILL after the grace period. The second attempt passes at once.
job=$(actl submit --retries 1 -- sh -c '[ "$ARENA_ATTEMPT" -ge 2 ] && exit 0; echo started; sleep 300')
trapper=$(actl submit --retries 1 -- sh -c '[ "$ARENA_ATTEMPT" -ge 2 ] && exit 0; trap "echo got TERM; exit 143" TERM; echo started; while true; do sleep 0.1; done')
wait_until 15 log_has "$job" started || fail "job did not start"
wait_until 15 log_has "$trapper" started || fail "second job did not start"
[ "$(own_containers | wc -l)" -eq 2 ] || fail "expected two running containers: $(own_containers)"

start=$(date +%s)
kill -TERM "$agent_pid"
wait_until 40 process_gone "$agent_pid" || fail "agent still running 40 s after SIGTERM"
elapsed=$(( $(date +%s) - start ))
set +e; wait "$agent_pid"; rc=$?; set -e
assert_eq 0 "$rc" "exit status of an agent stopped by SIGTERM"
[ "$elapsed" -le 35 ] || fail "stopping took ${elapsed}s, over the 30 s stop timeout"
no_own_containers || fail "containers left after the agent exited: $(docker ps -a --filter "label=arena.agent=$AGENT_ID")"
pass "SIGTERM: the agent stopped its containers, removed them and exited 0 in ${elapsed}s"

for j in "$job" "$trapper"; do
  status=$(actl -o json status "$j")
  assert_eq LOST "$(json_field 'd["tasks"][0]["attempts"][0]["state"]' <<<"$status")" "attempt state of $j"
  assert_contains "$(json_field 'd["tasks"][0]["attempts"][0]["reason"]' <<<"$status")" "agent is stopping" "attempt reason of $j"
  assert_eq QUEUED "$(json_field 'd["tasks"][0]["state"]' <<<"$status")" "task of $j waits for a retry"
done
assert_contains "$(actl logs "$trapper" --attempt 1)" "got TERM" "the container got SIGTERM first"
grep -q "giving up 2 running attempts" "$WORK/first.log" || fail "no stop message: $(tail -5 "$WORK/first.log")"
pass "the controller recorded both attempts lost (not failed) and queued the retries"

run_agent second
actl wait "$job" >/dev/null || fail "retried job did not pass: $(actl status "$job")"
actl wait "$trapper" >/dev/null || fail "retried trapper did not pass: $(actl status "$trapper")"
pass "the retries passed on the next agent"
