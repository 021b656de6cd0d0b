#!/usr/bin/env bash
# Enrollment and mTLS: an agent presenting a certificate from another CA is
# refused; a join token works once; the stored identity is reused.
source "$(dirname "$0")/lib.sh"
start_controller other
other_controller=$CONTROLLER
start_agent foreign
foreign_dir=$AGENT_DIR
foreign_id=$AGENT_ID
kill "$AGENT_PID"

start_controller ctl
token=$(actl join-token create)
# The foreign agent keeps its certificate (signed by the other CA) but is
# pointed at this controller and told to trust this controller's CA.
"$BIN/arena-agent" --controller "$CONTROLLER" --ca-file "$CA" --state-dir "$foreign_dir" \
  >"$WORK/foreign2.log" 2>&1 &
pid=$!
disown $pid
PIDS+=("$pid")
sleep 3
kill -0 "$pid" 2>/dev/null || fail "agent exited instead of retrying"
agents=$(actl -o json agents)
case "$agents" in *"$foreign_id"*) fail "agent with a foreign certificate was accepted" ;; esac
grep -qiE "handshake|ssl|certificate|unavailable|connect" "$WORK/foreign2.log" || fail "no refusal logged"
pass "certificate from another CA is refused"

start_agent good --join-token "$token"
assert_contains "$(actl agents)" "$AGENT_ID" "enrolled agent listed"
set +e
"$BIN/arena-agent" --controller "$CONTROLLER" --ca-file "$CA" --join-token "$token" \
  --state-dir "$WORK/reuse" >"$WORK/reuse.log" 2>&1
rc=$?
set -e
[ "$rc" -ne 0 ] || fail "a used join token enrolled a second agent"
grep -q "PERMISSION_DENIED\|join token is unknown, expired or used up" "$WORK/reuse.log" || \
  fail "reuse refusal message: $(cat "$WORK/reuse.log")"
pass "join token is single use"

[ "$(stat -c %a "$AGENT_DIR/agent.key")" = 600 ] || fail "agent key is not 0600"
[ "$(stat -c %a "$CTL_DIR/admin.token")" = 600 ] || fail "admin token is not 0600"
kill "$AGENT_PID"
start_agent good   # no token: reuses the stored identity
out=$(actl run -- sh -c 'echo over mtls' 2>&1) || fail "job over the restarted agent: $out"
assert_contains "$out" "over mtls" "log of the job over the restarted agent"
pass "restarted agent reuses its identity without a token"

# The server name is checked on every connection: a controller whose
# certificate names only "localhost" is refused when reached as 127.0.0.1.
start_controller named 0 --advertise localhost
port=${CONTROLLER##*:}
set +e
out=$("$BIN/arenactl" --controller "127.0.0.1:$port" --ca-file "$CA" --token "$TOKEN" jobs 2>&1)
rc=$?
set -e
[ "$rc" = 2 ] || fail "a name outside the certificate was accepted ($rc): $out"
assert_contains "$out" "cannot reach controller at 127.0.0.1:$port" "name mismatch refusal"
"$BIN/arenactl" --controller "localhost:$port" --ca-file "$CA" --token "$TOKEN" jobs >/dev/null ||
  fail "localhost is the certificate's name"
pass "the controller's name is verified against its certificate"
