#!/usr/bin/env bash
# dockerd dies mid-task (kill -9) and comes back: the attempt ends as an
# infrastructure error (not a test failure), the task is retried and passes,
# and no container is left. The daemon is the test's own (own_dockerd.sh):
# other tests keep the host's.
source "$(dirname "$0")/../integration/lib.sh"
source "$(dirname "$0")/own_dockerd.sh"
start_own_dockerd arena-test/busybox:latest
start_controller ctl
start_agent agent --heartbeat 1s --docker-socket "$OWN_DOCKER_SOCKET"

job=$(actl submit --retries 2 -- sh -c 'echo started; sleep 3; echo finished')
wait_until 10 log_has "$job" started || fail "task did not start"
restart_own_dockerd
actl wait "$job" >/dev/null || fail "job did not pass after the dockerd restart: $(actl status "$job")"
status=$(actl -o json status "$job")
first=$(echo "$status" | json_field 'd["tasks"][0]["attempts"][0]["state"] + ": " + d["tasks"][0]["attempts"][0]["reason"]')
assert_contains "$first" "ERROR" "first attempt is an infrastructure error"
assert_eq PASSED "$(echo "$status" | json_field 'd["tasks"][0]["attempts"][-1]["state"]')" "last attempt passed"
assert_eq "started
finished" "$(actl logs "$job")" "log of the passing attempt"
wait_until 30 no_containers "$job" || fail "containers left: $(docker ps -a --filter label=arena.job=$job)"
pass "dockerd restart mid-task: [$first], then passed on retry; no container left"
