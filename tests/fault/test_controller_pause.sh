#!/usr/bin/env bash
# The controller stopped (SIGSTOP) past the agents' lease while their tasks
# run, then resumed: the agents kept heartbeating, so no attempt is lost and
# no container is killed; the task passes on its first attempt. Leases count
# only time in which the controller itself ran.
source "$(dirname "$0")/../integration/lib.sh"
start_controller ctl 0 --agent-lease 2s
start_agent a1 --heartbeat 500ms
job=$(actl submit --retries 1 -- sh -c 'sleep 8; echo finished')
wait_until 10 task_started "$job" || fail "job did not start"
sleep 1
kill -STOP "$CTL_PID"
sleep 5  # more than twice the lease
kill -CONT "$CTL_PID"
actl wait "$job" >/dev/null || fail "job did not pass after the pause: $(actl status "$job")"
status=$(actl -o json status "$job")
assert_eq "PASSED" "$(echo "$status" | json_field '" ".join(a["state"] for a in d["tasks"][0]["attempts"])')" \
  "one attempt, passed"
assert_eq "finished" "$(actl logs "$job")" "the log"
grep -q "did not run for" "$WORK/ctl.log" || fail "the pause was not logged"
pass "controller paused 5 s with a 2 s lease: the running task passed on its first attempt"
