#!/usr/bin/env bash
# Infrastructure failures end a task as `error` with a message, never a hang:
# a missing image, a command that does not exist, dockerd unreachable (the
# agent's health check keeps work away from it).
source "$(dirname "$0")/lib.sh"
start_controller ctl
start_agent agent

set +e
out=$(actl run --image arena-test/does-not-exist:1 -- true 2>&1)
rc=$?
set -e
assert_eq 3 "$rc" "missing image exit code"
assert_contains "$out" "verdict: error" "missing image verdict"
job=$(actl -o json jobs --limit 1 | json_field 'd["jobs"][0]["id"]')
reason=$(actl -o json status "$job" | json_field 'd["tasks"][0]["reason"]')
assert_contains "$reason" "arena-test/does-not-exist:1 not found" "missing image reason"
assert_contains "$(actl logs "$job")" "arena: error: image arena-test/does-not-exist:1 not found" "reason in the log"
pass "missing image -> error with the image named"

set +e
actl run --image "$IMAGE" -- /no/such/binary >/dev/null 2>&1
rc=$?
set -e
assert_eq 3 "$rc" "bad command exit code"
job=$(actl -o json jobs --limit 1 | json_field 'd["jobs"][0]["id"]')
assert_contains "$(actl -o json status "$job" | json_field 'd["tasks"][0]["reason"]')" \
  "no such file" "bad command reason"
[ -z "$(job_containers "$job")" ] || fail "container of a failed start left behind"
pass "command that does not exist -> error, container removed"

kill "$AGENT_PID"
wait_until 10 process_gone "$AGENT_PID" || fail "agent did not stop"
start_agent nodocker --docker-socket "$WORK/no-docker.sock" --labels docker=missing
set +e
# Its health check finds dockerd silent: it gets no work, and the task ends
# error at its queue timeout naming why.
out=$(actl run --label docker=missing --timeout 30s --queue-timeout 3s -- true 2>&1)
rc=$?
set -e
assert_eq 3 "$rc" "dockerd down exit code"
assert_contains "$out" "unhealthy: dockerd does not answer at $WORK/no-docker.sock" "dockerd down reason"
pass "dockerd unreachable -> the agent is unhealthy, the task ends error, not a hang"
