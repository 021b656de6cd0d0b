#!/usr/bin/env bash
# arenactl and bad bytes in what it is given: a token with a carriage return
# or another control byte, from a flag or the environment, gets one line and
# exit 2 (gRPC used to abort the process); a token file written with CRLF
# endings works; a control character in any flag or invalid UTF-8 in any
# argument is refused naming the argument. While a job waits, `run` and
# `wait` say why; `token list` shows expired tokens as expired.
source "$(dirname "$0")/lib.sh"
start_controller ctl
start_agent agent --slots 1 --labels zone=here

expect_usage_error() {  # NEEDLE COMMAND...: exit 2 and one line saying NEEDLE
  expect_usage "$@"
  assert_eq 1 "$(wc -l <"$WORK/err")" "one error line for: ${*:2} ($(cat "$WORK/err"))"
}
ctl() { "$BIN/arenactl" --controller "$CONTROLLER" --ca-file "$CA" "$@"; }

expect_usage_error "carriage return" ctl --token "$TOKEN"$'\r' jobs
expect_usage_error "carriage return" ctl --token="$TOKEN"$'\r' jobs
expect_usage_error "control" ctl --token "$TOKEN"$'\x01' jobs
expect_usage_error "ARENA_TOKEN holds a control byte" env ARENA_TOKEN="$TOKEN"$'\x1b' \
  "$BIN/arenactl" --controller "$CONTROLLER" --ca-file "$CA" jobs
expect_usage_error "non-ASCII" ctl --token "$TOKEN"$'\xc3\xa9' jobs
printf '%s\r\n' "$TOKEN" >"$WORK/crlf.token"
ctl --token-file "$WORK/crlf.token" jobs >/dev/null || fail "a token file with CRLF"
printf '%s\n' "$TOKEN" >"$WORK/lf.token"
ARENA_TOKEN_FILE="$WORK/lf.token" ctl jobs >/dev/null || fail "ARENA_TOKEN_FILE with LF"
printf '%s\r\r\n' "$TOKEN" >"$WORK/cr.token"
expect_usage_error "token file $WORK/cr.token holds a carriage return" \
  ctl --token-file "$WORK/cr.token" jobs
expect_usage_error "the argument after --label holds a carriage return" \
  actl submit --label $'zone=here\r' -- true
expect_usage_error "not valid UTF-8" actl status $'job-\xff'
expect_usage_error "not valid UTF-8" actl submit -- echo $'\xfe'
[ -z "$(find "$WORK" -maxdepth 1 -name 'core*')" ] || fail "a core file"
pass "bad bytes in flags, the environment and token files: one line, exit 2"

# A label no agent has: the waiting reason within seconds, on stderr.
actl run --label zone=elsewhere -- true >"$WORK/run.out" 2>"$WORK/run.err" &
run_pid=$!
PIDS+=("$run_pid")
reason_shown() { grep -q "waits: required label zone=elsewhere matches no agent" "$WORK/run.err"; }
wait_until 15 reason_shown || fail "no waiting reason from run: $(cat "$WORK/run.err")"
job=$(actl -o json jobs --limit 1 | jq -r '.jobs[0].id')
actl wait "$job" >/dev/null 2>"$WORK/wait.err" &
wait_pid=$!
PIDS+=("$wait_pid")
wait_reason() { grep -q "waits: required label zone=elsewhere" "$WORK/wait.err"; }
wait_until 15 wait_reason || fail "no waiting reason from wait: $(cat "$WORK/wait.err")"
sleep 4  # more polls: the reason must not repeat
assert_eq 1 "$(grep -c "waits:" "$WORK/run.err")" "run says the reason once: $(cat "$WORK/run.err")"
actl cancel "$job" >/dev/null
set +e
wait "$run_pid"
rc=$?
set -e
assert_eq 3 "$rc" "run of a cancelled job"
pass "run and wait print the waiting reason once"

actl token create --name brief --role submitter --ttl 1s >/dev/null
sleep 1.5
assert_contains "$(actl token list | grep brief)" "expired" "token list marks an expired token"
assert_contains "$(actl token list | grep -v brief | tail -n +2)" "active" "other tokens active"
pass "token list shows expiry"
