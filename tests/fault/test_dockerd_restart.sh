#!/usr/bin/env bash
# dockerd dies mid-task (kill -9) and comes back: the attempt ends as an
# infrastructure error (not a test failure), the task is retried and passes,
# and no container is left. Runs alone (RUN_SERIAL): it restarts the daemon.
source "$(dirname "$0")/../integration/lib.sh"
start_controller ctl
start_agent agent --heartbeat 1s

restart_dockerd() {
  local pid
  pid=$(pidof dockerd) || fail "no dockerd running"
  kill -9 $pid
  wait_until 20 sh -c "! kill -0 $pid 2>/dev/null" || fail "dockerd did not die"
  sleep 1
  rm -f /var/run/docker.pid
  setsid -f dockerd --bridge=none --iptables=false >>/var/log/arena-dockerd.log 2>&1 </dev/null
  wait_until 60 docker info || fail "dockerd did not come back"
}

job=$(actl submit --retries 2 -- sh -c 'echo started; sleep 3; echo finished')
wait_until 10 log_has "$job" started || fail "task did not start"
restart_dockerd
actl wait "$job" >/dev/null || fail "job did not pass after the dockerd restart: $(actl status "$job")"
status=$(actl -o json status "$job")
first=$(echo "$status" | json_field 'd["tasks"][0]["attempts"][0]["state"] + ": " + d["tasks"][0]["attempts"][0]["reason"]')
assert_contains "$first" "ERROR" "first attempt is an infrastructure error"
assert_eq PASSED "$(echo "$status" | json_field 'd["tasks"][0]["attempts"][-1]["state"]')" "last attempt passed"
assert_eq "started
finished" "$(actl logs "$job")" "log of the passing attempt"
wait_until 30 no_containers "$job" || fail "containers left: $(docker ps -a --filter label=arena.job=$job)"
pass "dockerd restart mid-task: [$first], then passed on retry; no container left"
