#!/usr/bin/env bash
# Test-queue mode on two real agents: tests listed by a command in the image
# are pulled one by one by whichever slot is free, run by docker exec in warm
# session containers (fewer containers than tests; all gone when the job
# ends), with results recorded per test and attempt. A test that fails then
# passes is rerun on the other agent and reported flaky (and fails the job
# when the job says so); a quarantined test's failure does not fail the job;
# a timed-out test ends its session; `arenactl flaky` ranks by flake rate.
source "$(dirname "$0")/lib.sh"
# JOB's warm containers (other tests running beside this one have theirs).
sessions() {
  docker ps -a --filter label=arena.session --filter "label=arena.job=$1" \
    --format '{{.ID}} {{.Status}} {{.Label "arena.session"}}'
}
no_sessions() { [ -z "$(sessions "$1")" ]; }
start_controller ctl
start_agent one --slots 2
one=$AGENT_ID
start_agent two --slots 2
two=$AGENT_ID

set +e
started=$(date +%s)
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
# Not on a terminal: a progress line at most every 5 s and the last one,
# not one per test.
lines=$(grep -c "tasks done" "$WORK/run.out")
limit=$(( ($(date +%s) - started) / 5 + 2 ))
[ "$lines" -le "$limit" ] || fail "$lines progress lines for 12 tests (at most $limit): $(grep 'tasks done' "$WORK/run.out")"
assert_contains "$(grep "tasks done" "$WORK/run.out" | tail -1)" "13/13 tasks done" "the last progress line is the final one"
wait_until 10 no_sessions "$job" || fail "session containers outlived their job: $(sessions "$job")"
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

# A test's history: its runs newest first, flaky in both jobs it ran in.
history=$(actl -o json history wobbly)
assert_eq "passed failed passed failed" "$(jq -r '[.runs[].status] | join(" ")' <<<"$history")" "wobbly's runs, newest first"
assert_eq "2 2" "$(jq -r '"\(.jobs) \(.flaky_jobs)"' <<<"$history")" "flaky in both of its jobs"
assert_contains "$(actl history wobbly | tail -1)" "4 runs in 2 jobs; flaky in 2 (100%)" "the history table's summary"
rest=$(curl -sf -H "Authorization: Bearer $TOKEN" "$CTL_URL/api/v1/tests/wobbly/history?runs=1")
assert_eq "1 passed" "$(jq -r '"\(.runs | length) \(.runs[0].status)"' <<<"$rest")" "REST: the newest run only"
expect_http 400 "non-negative" -H "Authorization: Bearer $TOKEN" "$CTL_URL/api/v1/tests/wobbly/history?runs=-1"
pass "a test's history over gRPC, the CLI and REST: 4 runs, flaky in 2 of 2 jobs"

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
actl run --image arena-test/busybox:latest --tests "$(seq -f 'many_%02g' 1 25 | paste -sd, -)" \
  --test-command 'echo {test}; false' >"$WORK/many.out" 2>&1
rc=$?
set -e
assert_eq 1 "$rc" "25 failing tests fail the job"
job=$(actl -o json jobs --limit 1 | jq -r '.jobs[0].id')
assert_eq 20 "$(grep -c '^FAILED  many_' "$WORK/many.out")" "the first 20 failures are listed"
assert_contains "$(cat "$WORK/many.out")" "... and 5 more failed (arenactl results --failed $job)" \
  "the rest are counted, with the command that lists them"
pass "a run lists 20 failures and says how to see the other 5"

set +e
actl run --image arena-test/busybox:latest --tests quick,stuck --timeout 2s \
  --test-command 'if [ {test} = stuck ]; then sleep 60; fi' >/dev/null 2>&1
rc=$?
set -e
assert_eq 3 "$rc" "a timed-out test"
job=$(actl -o json jobs --limit 1 | jq -r '.jobs[0].id')
assert_eq "TIMED_OUT" "$(actl -o json status "$job" | jq -r '.tasks[] | select(.test_id == "stuck") | .state')" "stuck test state"
wait_until 15 no_sessions "$job" ||
  fail "a session container of the timed-out job is still there: $(sessions "$job")"
pass "a test past its timeout is stopped by ending its session container"

# The list step cannot lose tests: a failing lister fails the job even
# through a pipe (pipefail where the shell has it), and a working one is not
# counted as a test in the merged JUnit.
set +e
out=$(actl run --list-command 'sh -c "echo case_1; exit 4" | grep case_' --test-command 'echo {test}' 2>&1)
rc=$?
set -e
[ "$rc" -ne 0 ] || fail "a list command failing inside a pipe passed: $out"
job=$(actl -o json jobs --limit 1 | jq -r '.jobs[0].id')
assert_eq 1 "$(actl -o json status "$job" | jq '.tasks | length')" "no tests queued from a failed list: $out"
actl run --list-command 'printf "t1\nt2\n"' --test-command 'echo {test}' --junit-out "$WORK/list.xml" >/dev/null
assert_contains "$(head -3 "$WORK/list.xml")" 'tests="2"' "the merged JUnit counts the tests, not the list step"
pass "a failing list command fails the job through a pipe; the list step is no test in the JUnit"

# Long test ids that differ only at their start: `results` shows each in
# full, never two rows that look the same.
deep=$(printf 'p%.0s' $(seq 1 70))
id_a="one/$deep/test_same_tail_of_a_long_name"
id_b="two/$deep/test_same_tail_of_a_long_name"
job=$(actl submit --tests "$id_a,$id_b,short_one" --test-command 'echo {test}')
actl wait "$job" >/dev/null || fail "the long-id job"
table=$(actl results "$job")
assert_contains "$table" "$id_a" "the first long id in full"
assert_contains "$table" "$id_b" "the second long id in full"
assert_eq "" "$(sort <<<"$table" | uniq -d)" "identical rows in the results table"
pass "results shows long test ids in full; no two rows alike"

# History is a test's share of its run's wall time, not only the time its
# report gives; the next run's time left comes from it.
batch_cmd='sleep 1; x=; for t in {tests}; do x="$x<testcase name=\"$t\" time=\"0.01\"/>"; done; echo "<testsuite name=\"h\">$x</testsuite>" >r.xml'
actl run --image arena-test/busybox:latest --tests h1,h2,h3,h4 --test-command "$batch_cmd" \
  --junit r.xml >/dev/null || fail "the first history job"
job=$(actl -o json jobs --limit 1 | jq -r '.jobs[0].id')
shares=$(actl -o json results "$job" | jq -r '[.results[] | "\(.duration_ms | tonumber) \(.share_ms | tonumber)"] | join(",")')
actl -o json results "$job" | jq -e '[.results[] | select((.duration_ms | tonumber) == 10 and (.share_ms | tonumber) >= 500)] | length == 4' >/dev/null ||
  fail "each result's share is its part of its run's 1 s, its duration the report's 10 ms: $shares"
job=$(actl submit --image arena-test/busybox:latest --tests h1,h2,h3,h4 --test-command "$batch_cmd" --junit r.xml)
estimated() { actl -o json status "$job" | jq -e '[.estimates[]? | select((.left_ms | tonumber) >= 1000)] | length == 1' >/dev/null; }
wait_until 10 estimated || fail "no estimate from history while the job ran: $(actl -o json status "$job" | jq -c '.estimates')"
actl wait "$job" >/dev/null || fail "the second history job"
assert_eq "0" "$(actl -o json status "$job" | jq '.estimates | length')" "an ended job has no estimate left"
pass "history counts each test's share of its run's wall time; a running job's time left comes from it ($shares)"

# Where the time went: each attempt of that job in the agent slot it ran in,
# over gRPC (arenactl timeline) and REST, with the same bars.
timeline=$(actl -o json timeline "$job")
runs=$(actl -o json status "$job" | jq '[.tasks[].attempts[] | select((.started_unix_ms // "0" | tonumber) > 0)] | length')
assert_eq "$runs" "$(jq '.bars | length' <<<"$timeline")" "a bar per started attempt"
jq -e '(.bars | length) as $n | [.bars[] | select((.lane // 0) >= 0 and (.finished_unix_ms | tonumber) >= (.started_unix_ms | tonumber))] | length == $n' \
  <<<"$timeline" >/dev/null || fail "bars end after they start: $timeline"
lanes=$(jq '.lanes' <<<"$timeline")
[ "$lanes" -ge 1 ] && [ "$lanes" -le 4 ] || fail "$lanes lanes for 4 slots: $timeline"
rest=$(curl -sf -H "Authorization: Bearer $TOKEN" "$CTL_URL/api/v1/jobs/$job/timeline")
assert_eq "$(jq -c '[.bars[] | .attempt_id] | sort' <<<"$timeline")" \
  "$(jq -c '[.bars[] | .attempt_id] | sort' <<<"$rest")" "REST and gRPC give the same bars"
table=$(actl timeline "$job")
assert_contains "$table" "AGENT" "the timeline table's header"
assert_contains "$(tail -1 <<<"$table")" "attempts on $lanes slots" "the timeline's summary line"
expect_http 404 "not found" -H "Authorization: Bearer $TOKEN" "$CTL_URL/api/v1/jobs/job-nope/timeline"
pass "a job's timeline: $runs attempts on $lanes slots, the same over gRPC and REST"
