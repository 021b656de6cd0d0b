#!/usr/bin/env bash
# The REST gateway: the CI curl | jq loop, /api/v1 round trips (submit, get,
# list with filters and paging, cancel, logs with follow, agents), and clear
# 4xx answers for bad requests.
source "$(dirname "$0")/lib.sh"
start_controller ctl
start_agent agent --slots 2
url="$CTL_URL"
auth="Authorization: Bearer $TOKEN"

# http METHOD PATH [BODY]: prints the body, then the status code on a line.
http() {
  curl -s -X "$1" -H "$auth" -w '\n%{http_code}' "$url$2" -d "${3:-}"
}

assert_eq "ok" "$(curl -s "$url/healthz")" "/healthz"

# The loop shell-based CI uses, as people write it.
job_id=$(curl -s -X POST -H "$auth" "$url/jobs" \
  -d '{"test_command": "echo from curl; uname -m", "architectures": ["amd64", "arm64"], "image": "arena-test/busybox:{arch}"}' |
  jq -r '.job_id')
[[ "$job_id" =~ ^job- ]] || fail "POST /jobs returned [$job_id]"
status=queued
for _ in $(seq 1 100); do
  status=$(curl -s -H "$auth" "$url/jobs/$job_id" | jq -r '.status')
  case "$status" in passed | failed | error | cancelled | timed_out) break ;; esac
  sleep 0.2
done
assert_eq passed "$status" "curl loop verdict"
simple=$(curl -s -H "$auth" "$url/jobs/$job_id")
assert_eq "passed passed 0 true" \
  "$(jq -r '[.architectures.amd64.status, .architectures.arm64.status, .architectures.arm64.exit_code, .architectures.arm64.emulated] | join(" ")' <<<"$simple")" \
  "per-architecture results"
jq -e '.architectures.amd64.duration_ms | type == "number"' <<<"$simple" >/dev/null || fail "duration_ms is not a number"
assert_eq "$AGENT_ID" "$(jq -r .architectures.amd64.agent <<<"$simple")" "agent named"
pass "POST /jobs + GET /jobs/{id} loop with curl and jq"

r=$(http POST /api/v1/jobs '{"spec": {"command": ["sh", "-c", "echo api; exit 4"], "architectures": ["amd64"]}}')
assert_eq 200 "$(code_of "$r")" "submit via /api/v1"
api_job=$(body_of "$r" | jq -r .id)
actl wait "$api_job" >/dev/null || true
r=$(http GET "/api/v1/jobs/$api_job")
assert_eq "FAILED 4" "$(body_of "$r" | jq -r '.state + " " + (.tasks[0].exit_code|tostring)')" "get via /api/v1"
assert_eq "api" "$(curl -s -H "$auth" "$url/api/v1/jobs/$api_job/logs")" "logs via /api/v1"
assert_eq "pi" "$(curl -s -H "$auth" "$url/api/v1/jobs/$api_job/logs?offset=1")" "logs from an offset"
pass "submit, get, logs through /api/v1"

# Long poll: each answer comes when the job changed (never a QUEUED repeat),
# a handful of rounds to the verdict.
r=$(http POST /api/v1/jobs '{"spec": {"command": ["sh", "-c", "sleep 1"]}}')
poll_job=$(body_of "$r" | jq -r .id)
seen=QUEUED
for round in 1 2 3 4 5 6 7 8; do
  r=$(http GET "/api/v1/jobs/$poll_job?wait_ms=30000")
  assert_eq 200 "$(code_of "$r")" "long poll round $round"
  now=$(body_of "$r" | jq -r '.tasks[0].state + "/" + .tasks[0].started_unix_ms')
  [ "$now" != "$seen" ] || fail "long poll answered without a change ($now)"
  seen=$now
  [ "$(body_of "$r" | jq -r .state)" = PASSED ] && break
done
assert_eq PASSED "$(body_of "$r" | jq -r .state)" "long-polled to the verdict"
pass "GET /api/v1/jobs/{id}?wait_ms answers on change"

r=$(http GET "/api/v1/jobs?page_size=1")
assert_eq 1 "$(body_of "$r" | jq '.jobs | length')" "page size"
token=$(body_of "$r" | jq -r .next_page_token)
[ -n "$token" ] && [ "$token" != null ] || fail "no next_page_token"
r2=$(http GET "/api/v1/jobs?page_size=1&page_token=$token")
[ "$(body_of "$r" | jq -r '.jobs[0].id')" != "$(body_of "$r2" | jq -r '.jobs[0].id')" ] || fail "page 2 repeats page 1"
assert_eq "$api_job" "$(http GET '/api/v1/jobs?state=failed' | sed '$d' | jq -r '.jobs[0].id')" "state filter"
assert_eq 0 "$(http GET '/api/v1/jobs?state=cancelled' | sed '$d' | jq '.jobs | length')" "empty filter"
pass "list with filters and paging"

r=$(http POST /api/v1/jobs '{"spec": {"command": ["sh", "-c", "echo one; sleep 2; echo two"]}}')
follow_job=$(body_of "$r" | jq -r .id)
assert_eq "one
two" "$(curl -s -N -H "$auth" "$url/api/v1/jobs/$follow_job/logs?follow=true")" "followed logs"
pass "logs follow streams until the task ends"

r=$(http POST /api/v1/jobs '{"spec": {"command": ["sleep", "30"]}}')
long=$(body_of "$r" | jq -r .id)
r=$(http POST "/api/v1/jobs/$long/cancel")
assert_eq 200 "$(code_of "$r")" "cancel"
assert_eq CANCELLED "$(body_of "$r" | jq -r .state)" "cancelled state"
r=$(http POST "/api/v1/jobs/$long/cancel")
assert_eq 409 "$(code_of "$r")" "cancel a finished job"
r=$(http GET /api/v1/agents)
assert_eq "$AGENT_ID true" "$(body_of "$r" | jq -r '.agents[0].id + " " + (.agents[0].connected|tostring)')" "agents"
pass "cancel and agents"

expect_http 401 "missing bearer token" "$url/api/v1/jobs"
expect_http 401 "missing bearer token" -X POST "$url/jobs" -d '{}'
expect_http 401 "unknown API token" -H "Authorization: Bearer nope" "$url/api/v1/jobs"
expect_http 400 "bad JSON body" -H "$auth" -X POST "$url/jobs" -d '{"test_command": '
expect_http 400 "bad JSON body" -H "$auth" -X POST "$url/jobs" -d '{"no_such_field": 1}'
expect_http 400 "bad JSON body" -H "$auth" -X POST "$url/jobs" -d '{"test_command": "true", "timeout_seconds": "soon"}'
expect_http 400 "test_command is required" -H "$auth" -X POST "$url/jobs" -d '{}'
expect_http 400 "request body is empty" -H "$auth" -X POST "$url/api/v1/jobs" -d ''
expect_http 400 "unknown architecture" -H "$auth" -X POST "$url/jobs" -d '{"test_command": "true", "architectures": ["vax"]}'
expect_http 400 "command is empty" -H "$auth" -X POST "$url/api/v1/jobs" -d '{"spec": {}}'
expect_http 400 "unknown state" -H "$auth" "$url/api/v1/jobs?state=bogus"
expect_http 400 "wait_ms must be" -H "$auth" "$url/api/v1/jobs/$api_job?wait_ms=soon"
expect_http 400 "page_token" -H "$auth" "$url/api/v1/jobs?page_token=xyz"
expect_http 404 "not found" -H "$auth" "$url/jobs/job-000000000000"
expect_http 404 "not found" -H "$auth" "$url/api/v1/jobs/job-000000000000"
expect_http 404 "not found" -H "$auth" "$url/api/v1/jobs/job-000000000000/logs"
expect_http 400 "Content-Length" -H "$auth" -X POST "$url/api/v1/jobs/$long/cancel"
expect_http 404 "no endpoint GET /api/v1/nothing" -H "$auth" "$url/api/v1/nothing"
expect_http 413 "larger than 1 MiB" -H "$auth" -X POST "$url/jobs" --data-binary @<(head -c 2000000 /dev/zero | tr '\0' 'a')
assert_eq passed "$(curl -s -H "$auth" "$url/jobs/$job_id" | jq -r .status)" "earlier job intact after bad requests"
pass "bad requests get 4xx with a message; nothing stored changes"

code=$(command curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$CTL_HTTP/healthz" || true)
[ "$code" != 200 ] || fail "plain HTTP answered on the HTTPS gateway"
command curl -s "https://127.0.0.1:$CTL_HTTP/healthz" >/dev/null 2>&1 && fail "HTTPS accepted without trusting the CA"
set +e
"$BIN/arena-controller" --data-dir "$WORK/open" --listen 127.0.0.1:0 --http-listen 0.0.0.0:0 --http-insecure >"$WORK/open.log" 2>&1
rc=$?
set -e
[ "$rc" -ne 0 ] || fail "plain HTTP on a public address was accepted"
assert_contains "$(cat "$WORK/open.log")" "only on a loopback address" "refusal message"
start_controller plain 0 --http-insecure
assert_eq ok "$(command curl -s "http://127.0.0.1:$CTL_HTTP/healthz")" "plain HTTP when asked, on loopback"
pass "the gateway serves HTTPS with the controller's certificate; plain HTTP only on loopback when asked"
