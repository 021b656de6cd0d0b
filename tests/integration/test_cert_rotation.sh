#!/usr/bin/env bash
# Short-lived agent certificates are renewed over the live stream (70-90% of
# their lifetime) with no task or stream dropped; an expired certificate is
# refused.
source "$(dirname "$0")/lib.sh"
start_controller ctl 0 --agent-cert-ttl 6s
start_agent agent --heartbeat 500ms
first_cert=$(cat "$AGENT_DIR/agent.pem")
first_expiry=$(openssl x509 -noout -enddate -in "$AGENT_DIR/agent.pem")

script='i=0; while [ $i -lt 40 ]; do echo "tick $i"; i=$((i+1)); sleep 0.5; done'
expected=$(busybox sh -c "${script//sleep 0.5/true}")
job=$(actl submit -- sh -c "$script")
actl wait "$job" >/dev/null || fail "job across renewals: $(actl status "$job")"
assert_eq "$expected" "$(actl logs "$job")" "log across renewals"
renewals=$(grep -c "client certificate renewed" "$WORK/agent.log")
[ "$renewals" -ge 2 ] || fail "only $renewals renewals in 20s with a 6s certificate"
assert_eq 1 "$(grep -c "connected to" "$WORK/agent.log")" "the stream was never dropped"
[ "$(cat "$AGENT_DIR/agent.pem")" != "$first_cert" ] || fail "certificate file not replaced"
[ "$(openssl x509 -noout -enddate -in "$AGENT_DIR/agent.pem")" != "$first_expiry" ] || fail "expiry did not move"
[ "$(stat -c %a "$AGENT_DIR/agent.key")" = 600 ] || fail "renewed key is not 0600"
openssl verify -CAfile "$CA" "$AGENT_DIR/agent.pem" >/dev/null || fail "renewed certificate does not verify"
pass "$renewals renewals during a 20 s task on one stream; log intact"

kill "$AGENT_PID"
wait_until 10 process_gone "$AGENT_PID" || fail "agent did not stop"
sleep 7  # let the last certificate expire
"$BIN/arena-agent" --controller "$CONTROLLER" --ca-file "$CA" --state-dir "$AGENT_DIR" \
  >"$WORK/expired.log" 2>&1 &
pid=$!; disown $pid; PIDS+=("$pid")
sleep 3
agent_connected "$AGENT_ID" && fail "an agent with an expired certificate connected"
grep -q "connected to" "$WORK/expired.log" && fail "expired certificate accepted"
pass "an expired certificate is refused"
