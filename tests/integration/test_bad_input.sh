#!/usr/bin/env bash
# Bad input gets one clear line and a non-zero exit; nothing stored changes.
source "$(dirname "$0")/lib.sh"
start_controller ctl
start_agent agent

good=$(actl submit --image "$IMAGE" -- sh -c 'echo kept')
actl wait "$good" >/dev/null || fail "baseline job"

expect_error() {  # CODE NEEDLE COMMAND...
  local code=$1 needle=$2; shift 2
  set +e
  "$@" >"$WORK/out" 2>"$WORK/err"
  local rc=$?
  set -e
  assert_eq "$code" "$rc" "exit code of: $*"
  assert_contains "$(cat "$WORK/err")" "$needle" "message of: $*"
  [ "$(wc -l <"$WORK/err")" -le 2 ] || fail "more than one error line for: $*: $(cat "$WORK/err")"
}

expect_error 2 "not found" actl status job-000000000000
expect_error 2 "not found" actl logs job-000000000000
expect_error 2 "no command" actl run --image "$IMAGE"
expect_error 2 "command is empty" actl submit --image "$IMAGE" -- ""
expect_error 2 "unknown architecture \"sparc\"" actl submit --arch sparc -- true
expect_error 2 "--timeout" actl submit --timeout soon -- true
expect_error 2 "unknown flag" actl submit --bogus -- true
expect_error 2 "unknown command" actl frobnicate
expect_error 2 "cannot reach controller" \
  "$BIN/arenactl" --controller 127.0.0.1:1 --ca-file "$CA" --token "$TOKEN" jobs
expect_error 2 "cannot read CA file" \
  "$BIN/arenactl" --controller "$CONTROLLER" --ca-file /nonexistent --token "$TOKEN" jobs
start_controller other
other_ca=$CA
start_controller ctl  # back to the first controller (same data dir)
expect_error 2 "cannot reach controller" \
  "$BIN/arenactl" --controller "$CONTROLLER" --ca-file "$other_ca" --token "$TOKEN" jobs
expect_error 2 "unknown API token" \
  "$BIN/arenactl" --controller "$CONTROLLER" --ca-file "$CA" --token wrong jobs
expect_error 2 "missing bearer token" \
  "$BIN/arenactl" --controller "$CONTROLLER" --ca-file "$CA" jobs
pass "arenactl errors are one line with exit 2"

expect_error 1 "join token is unknown" "$BIN/arena-agent" --controller "$CONTROLLER" \
  --ca-file "$CA" --join-token garbage --state-dir "$WORK/garbage-agent"
[ ! -f "$WORK/garbage-agent/agent.pem" ] || fail "garbage token produced a certificate"
expect_error 2 "--slots" "$BIN/arena-agent" --controller "$CONTROLLER" --ca-file "$CA" \
  --state-dir "$WORK/x" --slots zero
expect_error 1 "not a PEM certificate" "$BIN/arena-agent" --controller "$CONTROLLER" \
  --ca-file /etc/hostname --join-token x --state-dir "$WORK/y"
pass "arena-agent refuses a garbage join token and bad flags"

assert_eq "kept" "$(actl logs "$good")" "earlier job's log"
assert_eq PASSED "$(actl -o json status "$good" | json_field 'd["state"]')" "earlier job's state"
pass "nothing stored was damaged"
