#!/usr/bin/env bash
# Results survive a controller restart (SIGTERM and kill -9); a task running
# while the controller is down finishes and is recorded once it is back.
source "$(dirname "$0")/lib.sh"
start_controller ctl
port=${CONTROLLER##*:}
start_agent agent

done_job=$(actl submit -- sh -c 'echo finished before restart; exit 3')
set +e; actl wait "$done_job" >/dev/null; set -e
log_before=$(actl logs "$done_job")

kill -TERM "$CTL_PID"
wait_until 10 process_gone "$CTL_PID" || fail "controller ignored SIGTERM"
start_controller ctl "$port"
assert_eq FAILED "$(actl -o json status "$done_job" | json_field 'd["state"]')" "state after restart"
assert_eq 3 "$(actl -o json status "$done_job" | json_field 'd["tasks"][0]["exit_code"]')" "exit code after restart"
assert_eq "$log_before" "$(actl logs "$done_job")" "log after restart"
pass "finished results survive a clean restart"

wait_until 15 agent_connected "$AGENT_ID" || fail "agent did not reconnect"
running=$(actl submit -- sh -c 'echo before; sleep 4; echo after')
wait_until 10 log_has "$running" before || fail "task did not start"
kill -9 "$CTL_PID"
sleep 1
start_controller ctl "$port"
wait_until 20 agent_connected "$AGENT_ID" || fail "agent did not reconnect after kill -9"
actl wait "$running" >/dev/null || fail "task running across the restart did not pass"
assert_eq "before
after" "$(actl logs "$running")" "log of the task that ran across the restart"
pass "a task running through kill -9 of the controller is recorded with its whole log"

sqlite3_check=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('PRAGMA integrity_check').fetchone()[0])" "$CTL_DIR/arena.db")
assert_eq ok "$sqlite3_check" "integrity_check"
pass "database integrity ok"
