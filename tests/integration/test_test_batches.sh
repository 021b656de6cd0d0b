#!/usr/bin/env bash
# Test batches against a real pytest in warm containers: a "{tests}" test
# command runs several queued tests in one pytest process, each test ends
# by its own row in pytest's JUnit report, batches start large and shrink,
# and the tests of a batch whose process died (no report) run again in
# halves, so the one test that kills its process fails alone and the rest
# pass.
source "$(dirname "$0")/lib.sh"
PYIMAGE=arena-test/pytest:latest
docker image inspect "$PYIMAGE" >/dev/null 2>&1 || bash "$(dirname "$0")/../../deploy/build-pytest-image.sh"

repo="$WORK/repo"
mkdir -p "$repo/tests"
cat >"$repo/tests/test_a.py" <<'PY'
def test_a1():
    assert True

def test_a2():
    assert True
PY
cat >"$repo/tests/test_crash.py" <<'PY'
import os, signal

def test_crash():
    # Takes its whole pytest process down: no report for any test of it.
    os.kill(os.getpid(), signal.SIGKILL)

def test_after():
    assert True
PY
{
  for i in $(seq 1 12); do printf 'def test_b%s():\n    assert %s > 0\n\n' "$i" "$i"; done
  # Hangs when HANG is set (the timeout part below; not in the first run).
  printf 'import os, time\n\ndef test_hang():\n    if os.environ.get("HANG"):\n        time.sleep(600)\n'
} >"$repo/tests/test_b.py"
{
  # test_slow outruns a 5 s --test-timeout when SLOW is set (below).
  printf 'import os, time\n\ndef test_slow():\n    if os.environ.get("SLOW"):\n        time.sleep(7)\n\n'
  for i in $(seq 1 12); do printf 'def test_q%s():\n    pass\n\n' "$i"; done
} >"$repo/tests/test_slow.py"
git -C "$repo" init -q -b main
git -C "$repo" -c user.email=t@example.com -c user.name=t add -A
git -C "$repo" -c user.email=t@example.com -c user.name=t commit -qm tests

start_controller ctl
start_agent one --slots 2

# run_batch OUT ARGS...: a batch job of the repo (pytest over {tests},
# its JUnit report); sets rc (its exit code), job and status (its JSON).
run_batch() {
  local out=$1
  shift
  set +e
  actl run --image "$PYIMAGE" --repo "file://$repo" --commit main "$@" \
    --test-command 'python3 -m pytest -q -p no:cacheprovider {tests} --junitxml=reports/batch.xml' \
    --junit reports/batch.xml >"$out" 2>&1
  rc=$?
  set -e
  job=$(actl -o json jobs --limit 1 | jq -r '.jobs[0].id')
  status=$(actl -o json status "$job")
}

# The ids in this order, no history: 16 tests over 2 slots start with a
# batch of 16 / (2 * 2) = 4, the crash among them.
ids=(tests/test_a.py::test_a1 tests/test_a.py::test_a2 tests/test_crash.py::test_crash
  tests/test_crash.py::test_after)
for i in $(seq 1 12); do ids+=("tests/test_b.py::test_b$i"); done
args=()
for id in "${ids[@]}"; do args+=(--tests "$id"); done
run_batch "$WORK/run.out" "${args[@]}"
assert_eq 1 "$rc" "the crashing test fails the job: $(tail -5 "$WORK/run.out")"
assert_eq 16 "$(jq '.tasks | length' <<<"$status")" "one task per test"
assert_eq "FAILED" "$(jq -r '.tasks[] | select(.test_id == "tests/test_crash.py::test_crash") | .state' <<<"$status")" \
  "the test that kills its process"
assert_eq 15 "$(jq '[.tasks[] | select(.state == "PASSED")] | length' <<<"$status")" "every other test passes"
# The first batch's four tests had no report: they ran again in halves
# (a1 and a2 passed there), and the half with the crash died again, so
# test_crash and test_after ran alone.
first=$(jq -r '[.tasks[].attempts[] | select((.batch_attempt_id // "") != "") | .batch_attempt_id] | group_by(.) | map({(.[0]): length}) | add' <<<"$status")
unreported=$(jq '[.tasks[] | select(any(.attempts[]; (.reason // "") | test("no result in its batch of 4")))] | length' <<<"$status")
assert_eq 4 "$unreported" "tests of the crashed batch run again: $first"
attempts_of() { jq -r --arg id "$1" '.tasks[] | select(.test_id == $id) | .attempts | length' <<<"$status"; }
assert_eq 3 "$(attempts_of tests/test_crash.py::test_crash)" \
  "the crashing test ran three times: in its batch of 4, in a batch of 2, alone"
assert_eq 3 "$(attempts_of tests/test_crash.py::test_after)" "its neighbour too, then passed alone"
assert_eq 2 "$(attempts_of tests/test_a.py::test_a1)" "the other half passed in its batch of 2"
# Runs on the agent: attempts that are no batch's member (leaders and lone
# tests). Fewer than one per test.
runs=$(jq '[.tasks[].attempts[] | select((.batch_attempt_id // "") == "")] | length' <<<"$status")
members=$(jq '[.tasks[].attempts[] | select((.batch_attempt_id // "") != "")] | length' <<<"$status")
[ "$members" -ge 6 ] || fail "too few tests ran in batches: $members"
[ "$runs" -lt 16 ] || fail "no fewer runs than tests: $runs"
results=$(actl -o json results "$job")
assert_eq 15 "$(jq '[.results[] | select(.status == "passed")] | length' <<<"$results")" \
  "one passed row per passing test, from pytest's report"
assert_eq "tests/test_b.py::test_b7" \
  "$(jq -r '.results[] | select(.name == "test_b7") | .test_key' <<<"$results")" "pytest's node id is the key"
b7_task=$(jq -r '.tasks[] | select(.test_id == "tests/test_b.py::test_b7") | .id' <<<"$status")
assert_eq "$b7_task" "$(jq -r '.results[] | select(.name == "test_b7") | .task_id' <<<"$results")" \
  "a batch's row is filed under its own test's task"
assert_contains "$(actl logs "$job" --task tests/test_b.py::test_b7)" "passed" \
  "a batched test's log is its batch's pytest output"
pass "a {tests} batch runs in one pytest: $runs runs for 16 tests ($members in batches), a crashed batch's tests rerun in halves"

# A hang in a batch: the new test (no history) goes first, in a batch with
# tests that have history (the run above); the batch is cut at three times
# their history plus one --test-timeout for the new test and 10 s for the
# runner's start, its tests run again in halves, and the hanging test
# alone times out by --test-timeout (and the runner's start).
b_args=(--tests tests/test_b.py::test_hang)
for i in $(seq 1 12); do b_args+=(--tests "tests/test_b.py::test_b$i"); done
started=$(date +%s)
run_batch "$WORK/hang.out" "${b_args[@]}" --env HANG=1 --test-timeout 4s
took=$(($(date +%s) - started))
assert_eq 3 "$rc" "the hanging test times out the job: $(tail -5 "$WORK/hang.out")"
hang=$(jq '.tasks[] | select(.test_id == "tests/test_b.py::test_hang")' <<<"$status")
assert_eq "TIMED_OUT" "$(jq -r .state <<<"$hang")" "the hanging test, alone, by its own limit"
assert_eq 12 "$(jq '[.tasks[] | select(.state == "PASSED")] | length' <<<"$status")" "its batch-mates pass"
assert_contains "$(jq -r '.attempts[-1].reason' <<<"$hang")" "timed out after 14s" \
  "its last attempt, alone, timed out at the test timeout and 10 s for the runner's start"
first_batch=$(jq -r '.attempts[0].id' <<<"$hang")
mates=$(jq --arg b "$first_batch" '[.tasks[].attempts[] | select(.batch_attempt_id == $b)] | length' <<<"$status")
[ "$mates" -ge 1 ] || fail "the hanging test's first run had no batch-mates"
cut=$(jq --arg b "$first_batch" '[.tasks[].attempts[] | select(.batch_attempt_id == $b) | .reason] | unique' <<<"$status")
assert_contains "$cut" "no result in its batch of $((mates + 1))" "its batch was cut: $cut"
[ "$took" -lt 150 ] || fail "a hang in a batch took ${took}s to find (a 600 s sleep, a 4 s limit)"
pass "a hang in a batch of $((mates + 1)) is cut by its tests' history, halved, and times out alone at --test-timeout (${took}s)"

# A test over its --test-timeout inside a batch that ended in time: its
# own JUnit time says so. 13 tests without history, 2 slots: batches of 4,
# test_slow leading the first (its limit: 10 s for the start + 5 s a test).
s_args=(--tests tests/test_slow.py::test_slow)
for i in $(seq 1 12); do s_args+=(--tests "tests/test_slow.py::test_q$i"); done
run_batch "$WORK/slow.out" "${s_args[@]}" --env SLOW=1 --test-timeout 5s
assert_eq 3 "$rc" "a test over its limit times out the job: $(tail -5 "$WORK/slow.out")"
slow=$(jq '.tasks[] | select(.test_id == "tests/test_slow.py::test_slow")' <<<"$status")
assert_eq "TIMED_OUT 1" "$(jq -r '"\(.state) \(.attempts | length)"' <<<"$slow")" "test_slow timed out, once"
assert_contains "$(jq -r '.attempts[0].reason' <<<"$slow")" "over its 5s test timeout" "by its JUnit time"
assert_contains "$(jq -r '.attempts[0].reason' <<<"$slow")" "in its batch of" "inside its batch"
assert_eq 12 "$(jq '[.tasks[] | select(.state == "PASSED")] | length' <<<"$status")" "its batch-mates pass"
pass "a test over --test-timeout in a batch that ended in time times out by its own JUnit time"

out=$(actl run --image "$PYIMAGE" --tests a --test-command 'pytest {test}' --test-timeout 2h 2>&1) &&
  fail "a test timeout over the job's was accepted"
assert_contains "$out" "at most the job's timeout" "a test timeout over the job's refused"

# The built-in pytest lister: pytest's own collection lists the tests (node
# ids, the summary and warnings left out); a collection error fails the job
# and queues nothing.
run_batch "$WORK/listed.out" --list 'pytest tests/test_a.py tests/test_b.py'
assert_eq 0 "$rc" "a job listed by pytest passes: $(tail -5 "$WORK/listed.out")"
assert_eq 15 "$(jq '[.tasks[] | select(.kind == "TASK_KIND_TEST" and .state == "PASSED")] | length' <<<"$status")" \
  "test_a's 2 and test_b's 13 tests, listed and passed"
assert_eq "tests/test_a.py::test_a1 tests/test_b.py::test_hang" \
  "$(jq -r '[.tasks[] | select(.kind == "TASK_KIND_TEST") | .test_id] | sort | "\(.[0]) \(.[-1])"' <<<"$status")" \
  "listed by their node ids"
printf 'def test_broken(:\n    pass\n' >"$repo/tests/test_broken.py"
git -C "$repo" -c user.email=t@example.com -c user.name=t add -A
git -C "$repo" -c user.email=t@example.com -c user.name=t commit -qm broken
run_batch "$WORK/broken.out" --list 'pytest tests'
[ "$rc" -ne 0 ] || fail "a collection error passed: $(tail -5 "$WORK/broken.out")"
assert_eq 1 "$(jq '.tasks | length' <<<"$status")" "nothing queued from a broken collection"
assert_contains "$(actl logs "$job")" "test_broken.py" "the list step's log names the broken module"
out=$(actl run --image "$PYIMAGE" --list 'nose tests' --test-command 'nose {test}' 2>&1) &&
  fail "an unknown lister was accepted"
assert_contains "$out" "the built-in ones are pytest and go" "an unknown lister refused"
pass "--list pytest lists by pytest's own collection; a collection error fails the job"

# Bad input: both placeholders, or a batch without a report to split.
out=$(actl run --image "$PYIMAGE" --tests a --test-command 'pytest {tests} {test}' --junit r.xml 2>&1) &&
  fail "both placeholders were accepted"
assert_contains "$out" "not both" "both placeholders refused"
out=$(actl run --image "$PYIMAGE" --tests a --test-command 'pytest {tests}' 2>&1) &&
  fail "a batch without a JUnit report was accepted"
assert_contains "$out" "needs a JUnit report" "a batch needs a report"
pass "a {tests} command with {test}, or without --junit, is refused with a reason"
