#!/usr/bin/env bash
# A revoked agent stops for good: one clear line, exit status 77, no retry
# loop and no container left. Before that, while its stream keeps being
# refused, it backs off instead of reconnecting at once.
source "$(dirname "$0")/lib.sh"
start_controller ctl
AGENT_DIR="$WORK/agent"
"$BIN/arena-agent" --controller "$CONTROLLER" --ca-file "$CA" --state-dir "$AGENT_DIR" \
  --join-token "$(actl join-token create)" >"$WORK/agent.log" 2>&1 &
pid=$!
PIDS+=("$pid")
wait_until 10 test -f "$AGENT_DIR/agent.id" || fail "agent did not enroll"
AGENT_ID=$(cat "$AGENT_DIR/agent.id")
wait_until 10 agent_connected "$AGENT_ID" || fail "agent did not connect"

job=$(actl submit -- sh -c 'echo started; sleep 300')
wait_until 15 log_has "$job" started || fail "job did not start"
actl agent revoke "$AGENT_ID" >/dev/null
wait_until 20 process_gone "$pid" || fail "revoked agent still running: $(tail -5 "$WORK/agent.log")"
set +e; wait "$pid"; rc=$?; set -e
assert_eq 77 "$rc" "exit status of a revoked agent"
assert_eq 1 "$(grep -c "refused this agent" "$WORK/agent.log")" "one line says why it stopped: $(cat "$WORK/agent.log")"
assert_contains "$(grep "refused this agent" "$WORK/agent.log")" "revoked" "the line names the revocation"
connects=$(grep -c "reconnecting in" "$WORK/agent.log" || true)
[ "$connects" -le 2 ] || fail "revoked agent retried $connects times: $(cat "$WORK/agent.log")"
wait_until 15 sh -c "[ -z \"\$(docker ps -aq --filter label=arena.agent=$AGENT_ID)\" ]" ||
  fail "revoked agent left containers"
pass "revoked agent exits 77 with one line and leaves no container"

# A restart (what Restart=on-failure would do without RestartPreventExitStatus)
# is refused at once too, not retried.
set +e
timeout 20 "$BIN/arena-agent" --controller "$CONTROLLER" --ca-file "$CA" --state-dir "$AGENT_DIR" \
  >"$WORK/again.log" 2>&1
rc=$?
set -e
assert_eq 77 "$rc" "a revoked agent started again"
assert_contains "$(cat "$WORK/again.log")" "not enrolled or was revoked" "refusal on restart"
pass "a revoked agent started again stops at once"
