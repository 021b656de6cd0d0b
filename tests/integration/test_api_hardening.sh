#!/usr/bin/env bash
# Input and access defects found by probing the API: numbers that are not
# numbers, NUL bytes, absurd limits, idempotency keys across submitters,
# flaky tests and quarantine across submitters, form-typed bodies over 8 KiB,
# unknown attempts over REST, huge headers, expired or revoked tokens (401,
# and open log follows end), hostile agent hostnames. Each is refused with a
# clear message, and nothing stored before is lost.
source "$(dirname "$0")/lib.sh"
start_controller ctl
start_agent agent --slots 2
url="$CTL_URL"
auth="Authorization: Bearer $TOKEN"
job_json() { printf '{"spec": {"command": ["true"], %s}}' "$1"; }
kept=$(actl submit -- true)
actl wait "$kept" >/dev/null

# Numbers: NaN, infinities, negatives, overflow, absurdly small.
expect_http 400 "cpus must be a finite number" -H "$auth" -X POST "$url/api/v1/jobs" \
  -d "$(job_json '"resources": {"cpus": "NaN"}')"
expect_http 400 "cpus must be a finite number" -H "$auth" -X POST "$url/api/v1/jobs" \
  -d "$(job_json '"resources": {"cpus": "Infinity"}')"
expect_http 400 "must not be negative" -H "$auth" -X POST "$url/api/v1/jobs" \
  -d "$(job_json '"resources": {"memory_mb": "-5"}')"
expect_http 400 "resources too small" -H "$auth" -X POST "$url/api/v1/jobs" \
  -d "$(job_json '"resources": {"cpus": 1e-9}')"
expect_http 400 "bad JSON body" -H "$auth" -X POST "$url/api/v1/jobs" \
  -d "$(job_json '"resources": {"pids": "99999999999999999999999"}')"
expect_http 400 "timeout" -H "$auth" -X POST "$url/api/v1/jobs" \
  -d "$(job_json '"timeout_ms": "9223372036854775807"')"
expect_http 400 "holds a NUL byte" -H "$auth" -X POST "$url/api/v1/jobs" \
  -d '{"spec": {"command": ["sh", "-c", "echo a\u0000b"]}}'
expect_http 400 "spec.env" -H "$auth" -X POST "$url/api/v1/jobs" \
  -d '{"spec": {"command": ["true"], "env": {"A": "x\u0000y"}}}'
set +e
out=$(actl join-token create --ttl 100000h 2>&1); rc=$?
set -e
assert_eq 2 "$rc" "join token with a ttl of 100000h"
assert_contains "$out" "at most 30 days" "join token ttl refusal"
pass "NaN, infinities, negatives, overflow, NUL bytes and absurd ttls refused with the field named"

# A form-typed body (curl -d's default) over 8 KiB is read as JSON up to 1 MiB.
big_env=$(python3 -c 'print("x" * 20000)')
r=$(curl -s -w '\n%{http_code}' -H "$auth" -X POST "$url/api/v1/jobs" \
  -d "{\"spec\": {\"command\": [\"true\"], \"env\": {\"BIG\": \"$big_env\"}}}")
assert_eq 200 "$(code_of "$r")" "a 20 KB form-typed body: $(body_of "$r" | head -c 200)"
expect_http 413 "larger than 1 MiB" -H "$auth" -X POST "$url/api/v1/jobs" \
  --data-binary @<(python3 -c 'print("{" + " " * (2 << 20) + "}")')
pass "form-typed bodies: 20 KB accepted, over 1 MiB refused with the documented limit"

# REST logs name a missing attempt as gRPC does; a huge header gets its own error.
expect_http 404 "has no attempt abc" -H "$auth" "$url/api/v1/jobs/$kept/logs?attempt=abc"
expect_http 404 "has no attempt 0" -H "$auth" "$url/api/v1/jobs/$kept/logs?attempt=0"
expect_http 404 "has no attempt -1" -H "$auth" "$url/api/v1/jobs/$kept/logs?attempt=-1"
huge=$(python3 -c 'print("y" * 20000)')
r=$(curl -s -w '\n%{http_code}' -H "X-Huge: $huge" -H "$auth" "$url/api/v1/jobs")
assert_contains "$(body_of "$r")" "malformed request line or headers" "huge header message"
pass "REST: unknown attempts 404 like gRPC; a huge header is not called a POST error"

# Idempotency keys belong to their submitter.
sub1=$(actl token create --name team-one --role submitter)
sub2=$(actl token create --name team-two --role submitter)
as() { local t=$1; shift; "$BIN/arenactl" --controller "$CONTROLLER" --ca-file "$CA" --token "$t" "$@"; }
j1=$(as "$sub1" submit --idempotency-key shared-key -- true)
j2=$(as "$sub2" submit --idempotency-key shared-key -- true)
[ -n "$j2" ] && [ "$j1" != "$j2" ] || fail "second submitter's job with the same key: [$j1] [$j2]"
assert_eq "$j1" "$(as "$sub1" submit --idempotency-key shared-key -- true)" "same submitter, same key"
pass "idempotency keys are scoped to the submitter"

# Flaky tests and quarantine entries of one submitter are not another's.
flaky_cmd='mkdir -p /out; if [ -f /workspace/.x ]; then r=p; fi
printf "<testsuite name=\"s\"><testcase classname=\"secret.project\" name=\"t_internal\"><failure message=\"m\"/></testcase></testsuite>" > /out/a.xml'
fj=$(as "$sub1" submit --junit /out --reruns 1 -- sh -c "$flaky_cmd")
as "$sub1" wait "$fj" >/dev/null 2>&1 || true
actl quarantine add 'secret.project::t_internal' --reason "test" >/dev/null
as "$sub2" flaky >"$WORK/flaky2.out" 2>&1 || true
as "$sub2" quarantine list >"$WORK/q2.out" 2>&1 || true
if grep -q "t_internal" "$WORK/flaky2.out" "$WORK/q2.out"; then
  fail "another submitter's test names leak: $(cat "$WORK/flaky2.out" "$WORK/q2.out")"
fi
r=$(curl -s -H "Authorization: Bearer $sub2" "$url/api/v1/quarantine")
case "$r" in *t_internal*) fail "REST quarantine leaks: $r" ;; esac
as "$sub1" quarantine list | grep -q "t_internal" || fail "the owner's own quarantined test is listed"
key=$(as "$sub1" -o json results "$fj" | jq -r '.results[0].test_key')
assert_eq "0" "$(as "$sub2" -o json history "$key" | jq '.runs | length')" "another submitter's test history"
[ "$(as "$sub1" -o json history "$key" | jq '.runs | length')" -ge 1 ] || fail "the owner's own test history is empty"
pass "flaky, quarantine and test history show a submitter only its own tests"

# Revoked or expired tokens: 401, and an open follow ends within seconds.
follower=$(actl token create --name follower --role submitter)
long=$(as "$follower" submit -- sh -c 'while true; do echo tick; sleep 0.2; done')
as "$follower" logs -f "$long" >"$WORK/follow.out" 2>"$WORK/follow.err" &
fpid=$!
curl -s -N -H "Authorization: Bearer $follower" "$url/api/v1/jobs/$long/logs?follow=true" \
  >"$WORK/rest_follow.out" &
cpid=$!
PIDS+=("$fpid" "$cpid")
wait_until 15 grep -q tick "$WORK/follow.out" || fail "follow did not start"
token_id=$(actl -o json token list | python3 -c 'import json,sys; print([t["id"] for t in json.load(sys.stdin)["tokens"] if t["name"] == "follower"][0])')
actl token revoke "$token_id" >/dev/null
wait_until 5 process_gone "$fpid" || fail "arenactl logs -f still following 5 s after its token was revoked"
wait_until 5 process_gone "$cpid" || fail "REST follow still open 5 s after its token was revoked"
assert_contains "$(cat "$WORK/follow.err")" "revoked" "the follower is told why"
expect_http 401 "was revoked" -H "Authorization: Bearer $follower" "$url/api/v1/jobs"
actl cancel "$long" >/dev/null
pass "a revoked token's follows end within 5 s; its requests get 401"

# Agent hostnames are shown, never trusted: no escapes, no agent-id look-alikes.
"$BIN/arena-agent" --controller "$CONTROLLER" --ca-file "$CA" --state-dir "$WORK/evil" \
  --join-token "$(actl join-token create)" --hostname "$(printf 'agent-x\033]0;pwn\007')" \
  >>"$WORK/evil.log" 2>&1 &
PIDS+=("$!")
wait_until 10 test -f "$WORK/evil/agent.id" || fail "hostile-hostname agent did not enroll"
evil=$(cat "$WORK/evil/agent.id")
wait_until 10 agent_connected "$evil" || fail "hostile-hostname agent did not connect"
host=$(actl -o json agents | python3 -c "import json,sys; print([a['hostname'] for a in json.load(sys.stdin)['agents'] if a['id'] == '$evil'][0])")
assert_eq "host-agent-x__0_pwn_" "$host" "hostname as stored"
pass "a hostile hostname is stored as host-name characters only"

# Nothing stored before was lost.
actl wait "$kept" >/dev/null || fail "the first job's verdict"
pass "earlier jobs kept"
