#!/usr/bin/env bash
# A passing and a failing job through arenactl run: verdicts, exit codes,
# the exact exit status, status/jobs/wait output, containers removed.
source "$(dirname "$0")/lib.sh"
start_controller ctl
start_agent agent --slots 2

out=$(actl run --image "$IMAGE" -- sh -c 'echo hello from arena' 2>"$WORK/run.err") || fail "passing job exited $?"
assert_contains "$out" "hello from arena" "live log in run output"
assert_contains "$out" "verdict: passed" "verdict line"
job=$(sed -nE 's/.*job (job-[0-9a-f]+) submitted.*/\1/p' "$WORK/run.err")
[ -n "$job" ] || fail "run did not name its job"
assert_eq "PASSED" "$(actl -o json status "$job" | json_field 'd["tasks"][0]["state"]')" "task state"
pass "passing job exits 0"

set +e
actl run --image "$IMAGE" -- sh -c 'echo about to fail; exit 7' >"$WORK/fail.out" 2>&1
rc=$?
set -e
assert_eq 1 "$rc" "failing job exit code"
assert_contains "$(cat "$WORK/fail.out")" "verdict: failed" "failed verdict"
failed=$(actl -o json jobs --limit 1 | json_field 'd["jobs"][0]["id"]')
assert_eq 7 "$(actl -o json status "$failed" | json_field 'd["tasks"][0]["exit_code"]')" "exit code 7 preserved"
assert_eq "FAILED" "$(actl -o json status "$failed" | json_field 'd["state"]')" "job state"
set +e; actl wait "$failed" >/dev/null; rc=$?; set -e
assert_eq 1 "$rc" "wait on a failed job"
actl wait "$job" >/dev/null || fail "wait on a passed job"
pass "exit code 7 preserved, job failed, arenactl exits 1"

submitted=$(actl submit --image "$IMAGE" -- true)
[[ "$submitted" =~ ^job-[0-9a-f]+$ ]] || fail "submit printed [$submitted], not a job id"
actl wait "$submitted" >/dev/null || fail "submitted job did not pass"
jobs=$(actl jobs)
assert_contains "$jobs" "$submitted" "jobs lists the job"
assert_contains "$(actl status "$failed")" "exited with code 7" "status shows the reason"
pass "submit, wait, jobs, status"

# Containers go after the result is recorded, off the attempt's path.
no_containers() { [ -z "$(job_containers "$1")" ]; }
for j in "$job" "$failed" "$submitted"; do
  wait_until 10 no_containers "$j" || fail "containers left for $j"
done
[ -z "$(ls -A "$AGENT_DIR/work")" ] || fail "workspace dir not empty"
pass "no containers or workspaces left behind"
