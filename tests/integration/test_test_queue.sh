#!/usr/bin/env bash
# Test-queue mode on two real agents: tests listed by a command in the image
# are pulled one by one by whichever slot is free, run by docker exec in warm
# session containers (fewer containers than tests; all gone when the job
# ends), with results recorded per test and attempt. A test that fails then
# passes is rerun on the other agent and reported flaky (and fails the job
# when the job says so); a quarantined test's failure does not fail the job;
# a timed-out test ends its session; `arenactl flaky` ranks by flake rate.
source "$(dirname "$0")/lib.sh"
no_sessions() { [ -z "$(docker ps -aq --filter label=arena.session)" ]; }
start_controller ctl
start_agent one --slots 2
one=$AGENT_ID
start_agent two --slots 2
two=$AGENT_ID

set +e
actl run --image arena-test/busybox:latest \
  --list-command 'for i in $(seq 1 12); do echo "case_$i"; done; echo "# a comment"' \
  --test-command 'echo "{test} container=$(hostname)"; sleep 0.3' >"$WORK/run.out" 2>&1
rc=$?
set -e
assert_eq 0 "$rc" "listed tests pass: $(tail -5 "$WORK/run.out")"
job=$(actl -o json jobs --limit 1 | jq -r '.jobs[0].id')
status=$(actl -o json status "$job")
assert_eq 13 "$(jq '.tasks | length' <<<"$status")" "one list task and twelve test tasks"
assert_eq "2" "$(jq '[.tasks[] | select(.kind == "TASK_KIND_TEST") | .agent_id] | unique | length' <<<"$status")" "both agents pulled tests"
results=$(actl -o json results "$job")
assert_eq 12 "$(jq '[.results[] | select(.status == "passed")] | length' <<<"$results")" "a result per test"
containers=$(for t in $(seq 1 12); do actl logs "$job" --task "amd64/case_$t"; done | grep -c container= || true)
distinct=$(for t in $(seq 1 12); do actl logs "$job" --task "amd64/case_$t"; done | grep -o 'container=.*' | sort -u | wc -l)
assert_eq 12 "$containers" "every test logged its container"
[ "$distinct" -le 4 ] || fail "12 tests used $distinct containers; warm sessions should keep it to one per slot (4)"
assert_contains "$(cat "$WORK/run.out")" "tasks done" "run shows progress lines"
wait_until 10 no_sessions || fail "session containers outlived their job"
pass "12 listed tests pulled by 4 slots on 2 agents, in $distinct warm containers, removed after the job"

flaky_cmd='test "$ARENA_ATTEMPT" -gt 1 || [ {test} != wobbly ]'
set +e
actl run --image arena-test/busybox:latest --tests steady,wobbly --test-command "$flaky_cmd" --reruns 2 >"$WORK/flaky.out" 2>&1
rc=$?
set -e
assert_eq 0 "$rc" "a flaky test does not fail the job by default"
job=$(actl -o json jobs --limit 1 | jq -r '.jobs[0].id')
assert_contains "$(cat "$WORK/flaky.out")" "FLAKY   wobbly" "run reports the flaky test"
wobbly=$(actl -o json results "$job" | jq -c '[.results[] | select(.test_key == "wobbly")]')
assert_eq "failed passed" "$(jq -r 'map(.status) | join(" ")' <<<"$wobbly")" "every attempt kept"
assert_eq "true" "$(jq -r 'map(.flaky) | all' <<<"$wobbly")" "flaky marked"
first=$(jq -r '.[0].agent_id' <<<"$wobbly")
second=$(jq -r '.[1].agent_id' <<<"$wobbly")
[ "$first" != "$second" ] || fail "the rerun ran on the same agent $first"
set +e
actl run --image arena-test/busybox:latest --tests wobbly --test-command "$flaky_cmd" --reruns 1 --flaky-fails >/dev/null 2>&1
rc=$?
set -e
assert_eq 1 "$rc" "--flaky-fails makes a flaky test fail the job"
flaky=$(actl -o json flaky)
assert_eq "wobbly 1 2" "$(jq -r '.tests[0] | "\(.test_key) \(.flake_rate) \(.runs)"' <<<"$flaky")" "flaky ranking"
assert_contains "$(actl flaky)" "100%" "flaky table"
pass "fail-then-pass is rerun on the other agent ($first, then $second) and reported flaky"

actl quarantine add broken --reason "tracked elsewhere" >/dev/null
set +e
actl run --image arena-test/busybox:latest --tests broken,fine --test-command '[ {test} = fine ]' --reruns 2 >"$WORK/q.out" 2>&1
rc=$?
set -e
assert_eq 0 "$rc" "a quarantined failure does not fail the job: $(tail -5 "$WORK/q.out")"
assert_contains "$(cat "$WORK/q.out")" "(quarantined)" "shown as quarantined"
assert_contains "$(actl quarantine list)" "tracked elsewhere" "quarantine list"
actl quarantine remove broken >/dev/null
set +e
actl run --image arena-test/busybox:latest --tests broken,fine --test-command '[ {test} = fine ]' >/dev/null 2>&1
rc=$?
actl quarantine remove broken >/dev/null 2>"$WORK/err"
rc2=$?
set -e
assert_eq 1 "$rc" "after removal the failure fails the job"
assert_eq 2 "$rc2" "removing an unknown entry is an error"
assert_contains "$(cat "$WORK/err")" "not quarantined" "its message"
pass "quarantine: a listed test's failure is shown but does not fail the job"

set +e
actl run --image arena-test/busybox:latest --tests quick,stuck --timeout 2s \
  --test-command 'if [ {test} = stuck ]; then sleep 60; fi' >/dev/null 2>&1
rc=$?
set -e
assert_eq 3 "$rc" "a timed-out test"
job=$(actl -o json jobs --limit 1 | jq -r '.jobs[0].id')
assert_eq "TIMED_OUT" "$(actl -o json status "$job" | jq -r '.tasks[] | select(.test_id == "stuck") | .state')" "stuck test state"
wait_until 15 no_sessions || fail "the timed-out session container is still there"
pass "a test past its timeout is stopped by ending its session container"
