#!/usr/bin/env bash
# Agent health and host hooks end to end, with real agents (process executor,
# plus docker agents against the real dockerd): an agent short of disk gets
# no work and `arenactl agents` / doctor / the waiting reason say why, until
# a healthy agent joins; a failing --health-command makes an agent unhealthy;
# --health-image starts a real container as a check; a failing --pre-task
# ends the attempt error and the retry runs elsewhere; a failing --post-task
# makes the agent unhealthy; hooks see the attempt's ids.
source "$(dirname "$0")/lib.sh"

start_controller ctl

agent_health() {  # AGENT_ID: "health|problem" as the controller lists it
  actl -o json agents | jq -r --arg id "$1" '.agents[] | select(.id == $id) | "\(.health)|\(.health_problem // "")"'
}
is_unhealthy() { agent_health "$1" | grep -q "^unhealthy|"; }

# An agent whose disk is "full": it connects, but is unhealthy, and says why.
start_agent full --labels role=disk --min-free-disk 100000G
FULL=$AGENT_ID
assert_contains "$(agent_health "$FULL")" "unhealthy|free disk " "a full disk is a problem"
assert_contains "$(agent_health "$FULL")" "< 97.7 TiB on $WORK/full" "the problem names the minimum and the dir"
table=$(actl agents)
assert_contains "$table" "HEALTH" "agents table has a health column"
assert_contains "$table" "EXECUTOR" "agents table has an executor column"
assert_contains "$(grep -A1 "^$FULL" <<<"$table")" "unhealthy: free disk" "the table shows the problem"
assert_contains "$(grep "^$FULL" <<<"$table")" "docker" "the table shows the executor"
pass "an agent with less free disk than --min-free-disk is unhealthy and arenactl agents says why"

job=$(actl submit --label role=disk -- sh -c 'echo ran here')
waiting() { actl -o json status "$job" | jq -r '.tasks[0].waiting_reason // ""'; }
waits_saying() { waiting | grep -q -- "$1"; }
wait_until 10 waits_saying "no healthy agent" || fail "waiting reason: $(waiting)"
assert_contains "$(waiting)" "no healthy agent offers amd64: agent $FULL unhealthy: free disk" "waiting reason"
assert_eq QUEUED "$(actl -o json status "$job" | jq -r '.tasks[0].state')" "the job waits"
set +e
actl doctor --label role=disk >"$WORK/doctor.out" 2>&1
rc=$?
set -e
assert_eq 3 "$rc" "doctor's exit with only an unhealthy agent"
assert_contains "$(cat "$WORK/doctor.out")" "FAIL amd64: no healthy agent offers amd64: agent $FULL unhealthy" "doctor names it"
pass "an unhealthy agent gets no work: the task waits naming it, doctor exits 3"

# A healthy agent joins: the job runs there, with the hooks around it.
start_agent well --labels role=disk \
  --pre-task "echo \"\$ARENA_TASK_ID \$ARENA_JOB_ID \$ARENA_ATTEMPT_ID \$ARENA_ARCH\" >$WORK/hook.env; echo resetting rig" \
  --post-task "echo rig reset done"
WELL=$AGENT_ID
actl wait "$job" >/dev/null 2>&1 || fail "job did not pass: $(actl status "$job")"
status=$(actl -o json status "$job")
assert_eq "$WELL" "$(jq -r '.tasks[0].agent_id' <<<"$status")" "the healthy agent ran it"
read -r task_id job_id attempt_id arch <"$WORK/hook.env"
assert_eq "$(jq -r '.tasks[0].id' <<<"$status") $job $(jq -r '.tasks[0].attempt_id' <<<"$status") amd64" \
  "$task_id $job_id $attempt_id $arch" "the hook's ARENA_TASK_ID, JOB_ID, ATTEMPT_ID, ARCH"
log=$(actl logs "$job")
assert_contains "$log" "arena: pre-task: resetting rig" "pre-task output in the log"
assert_contains "$log" "arena: post-task: rig reset done" "post-task output in the log"
assert_contains "$log" "ran here" "the command ran"
actl doctor --label role=disk >"$WORK/doctor.out" 2>&1 || fail "doctor: $(cat "$WORK/doctor.out")"
assert_contains "$(cat "$WORK/doctor.out")" "ok   amd64: 1 agent could run it now" "doctor counts only the healthy one"
assert_contains "$(cat "$WORK/doctor.out")" "agent $FULL: free disk" "doctor names the unhealthy one"
pass "the job runs once a healthy agent joins; hooks see the attempt's ids and log as arena: lines"

# --health-command: non-zero is unhealthy with its last line as the reason.
start_agent cmd --executor process --labels role=cmd --health-command 'echo checking; echo rig offline >&2; false'
assert_eq "unhealthy|health command exited 1: rig offline" "$(agent_health "$AGENT_ID")" "health command"
pass "a failing --health-command makes the agent unhealthy with its output's last line"

# The docker executor's check starts a real container of --health-image.
start_agent dock --labels role=dock --health-image "$IMAGE"
assert_eq "healthy|" "$(agent_health "$AGENT_ID")" "a docker agent that can start a container"
start_agent nodock --labels role=dock --health-image arena-test/no-such-image:1
assert_contains "$(agent_health "$AGENT_ID")" "unhealthy|dockerd cannot create a container" "missing health image"
pass "the docker check creates and starts a container of --health-image (and fails without it)"

# A failing pre-task: the attempt ends error, the command never runs there,
# and the retry runs on the other agent. The bad one has more free slots, so
# the first attempt goes to it.
start_agent badpre --executor process --labels role=retry --slots 4 --pre-task 'echo no rig here; exit 1'
BADPRE=$AGENT_ID
start_agent goodpre --executor process --labels role=retry
GOODPRE=$AGENT_ID
actl run --executor process --label role=retry --retries 1 -- sh -c "echo x >>$WORK/ran" \
  >"$WORK/retry.out" 2>&1 || fail "retried job: $(cat "$WORK/retry.out")"
job=$(actl -o json jobs --limit 1 | jq -r '.jobs[0].id')
status=$(actl -o json status "$job")
assert_eq "2" "$(jq '.tasks[0].attempts | length' <<<"$status")" "two attempts"
assert_eq "$BADPRE ERROR" "$(jq -r '.tasks[0].attempts[0] | "\(.agent_id) \(.state)"' <<<"$status")" "first attempt"
assert_contains "$(jq -r '.tasks[0].attempts[0].reason' <<<"$status")" "pre-task hook exited 1: no rig here" "first attempt's reason"
assert_eq "$GOODPRE PASSED" "$(jq -r '.tasks[0].attempts[1] | "\(.agent_id) \(.state)"' <<<"$status")" "second attempt"
assert_eq 1 "$(wc -l <"$WORK/ran")" "the command ran only on the good agent"
assert_contains "$(actl logs "$job" --attempt 1)" "arena: pre-task: no rig here" "pre-task output in attempt 1's log"
assert_eq "healthy|" "$(agent_health "$BADPRE")" "a failing pre-task is the attempt's error, not the agent's health"
pass "a failing --pre-task ends the attempt error unrun, and --retries 1 runs it on another agent"

# A failing post-task: the verdict stands, the agent becomes unhealthy.
start_agent badpost --executor process --labels role=post --post-task 'echo rig jammed; exit 1'
BADPOST=$AGENT_ID
actl run --executor process --label role=post -- true >"$WORK/post.out" 2>&1 || fail "post job: $(cat "$WORK/post.out")"
wait_until 10 is_unhealthy "$BADPOST" || fail "agent stayed healthy: $(agent_health "$BADPOST")"
assert_eq "unhealthy|post-task hook exited 1: rig jammed" "$(agent_health "$BADPOST")" "post-task problem"
job=$(actl -o json jobs --limit 1 | jq -r '.jobs[0].id')
assert_contains "$(actl logs "$job")" "arena: post-task: rig jammed" "post-task output in the log"
job=$(actl submit --executor process --label role=post -- true)
wait_until 10 waits_saying "agent $BADPOST unhealthy: post-task hook exited 1" ||
  fail "second job: $(actl status "$job")"
pass "a failing --post-task keeps the verdict and makes the agent unhealthy: no new work"

# Bad flags are refused before enrolling, one readable line.
expect_usage "--min-free-disk" "$BIN/arena-agent" --controller "$CONTROLLER" --state-dir "$WORK/x" --min-free-disk 2GB
expect_usage "--health-interval wants a duration" "$BIN/arena-agent" --controller "$CONTROLLER" --state-dir "$WORK/x" --health-interval soon
expect_usage "executor must be docker or process" actl submit --executor vm -- true
pass "bad health flags and --executor values are refused with a clear line"
