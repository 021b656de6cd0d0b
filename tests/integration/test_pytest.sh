#!/usr/bin/env bash
# A real pytest suite in a locally built Debian image (deploy/build-pytest-
# image.sh), checked out from a git repo by the agents: suite mode (unit in
# parallel, db serial) and test-queue mode (tests listed by pytest itself,
# one pytest run per test id in warm containers, reruns), per-test results
# from pytest's own JUnit XML, flaky detection, quarantine, and
# allure-results that the real Allure command line turns into a report.
source "$(dirname "$0")/lib.sh"
PYIMAGE=arena-test/pytest:latest
docker image inspect "$PYIMAGE" >/dev/null 2>&1 || bash "$(dirname "$0")/../../deploy/build-pytest-image.sh"

repo="$WORK/repo"
mkdir -p "$repo/tests/unit" "$repo/tests/db"
cat >"$repo/tests/unit/test_math.py" <<'PY'
import os, time
import pytest

def test_add():
    time.sleep(0.2)
    assert 1 + 1 == 2

def test_div():
    assert 1 / 1 == 2, "division is off"

@pytest.mark.skip(reason="not on this platform")
def test_skip():
    pass

def test_wobbly():
    # Fails on the first attempt of its task only.
    assert os.environ.get("ARENA_ATTEMPT") != "1"
PY
cat >"$repo/tests/db/test_db.py" <<'PY'
def test_migrate():
    assert True
PY
git -C "$repo" init -q -b main
git -C "$repo" -c user.email=t@example.com -c user.name=t add -A
git -C "$repo" -c user.email=t@example.com -c user.name=t commit -qm tests

start_controller ctl
start_agent one --slots 2
start_agent two --slots 2

cat >"$WORK/suites.yaml" <<YAML
image: $PYIMAGE
repo: file://$repo
commit: main
suites:
  - name: unit
    command: python3 -m pytest -q tests/unit --junitxml=reports/unit.xml
    parallel_safe: true
  - name: db
    command: python3 -m pytest -q tests/db --junitxml=reports/db.xml
    parallel_safe: false
junit: [reports]
reruns: 1
YAML
set +e
actl run -f "$WORK/suites.yaml" >"$WORK/suites.out" 2>&1
rc=$?
set -e
assert_eq 1 "$rc" "test_div fails the unit suite: $(tail -5 "$WORK/suites.out")"
job=$(actl -o json jobs --limit 1 | jq -r '.jobs[0].id')
results=$(actl -o json results "$job")
final() {  # NAME: status in the unit suite's last attempt
  jq -r --arg n "$1" '[.results[] | select(.name == $n)] | max_by(.attempt_number) | .status' <<<"$results"
}
assert_eq "passed failed skipped passed passed" \
  "$(echo "$(final test_add) $(final test_div) $(final test_skip) $(final test_wobbly) $(final test_migrate)")" \
  "final statuses from pytest's JUnit XML"
assert_eq "failed passed" \
  "$(jq -r '[.results[] | select(.name == "test_wobbly") | .status] | join(" ")' <<<"$results")" "wobbly: attempt 1 then 2"
assert_eq "true" "$(jq -r '[.results[] | select(.name == "test_wobbly") | .flaky] | all' <<<"$results")" "wobbly is flaky"
assert_contains "$(jq -r '.results[] | select(.name == "test_div") | .message' <<<"$results" | head -1)" "division is off" "pytest's failure message"
assert_eq "tests/unit/test_math.py::test_add" "$(jq -r '.results[] | select(.name == "test_add") | .test_key' <<<"$results" | head -1)" "pytest's node id as the key in suite mode"
pass "suite mode: real pytest JUnit XML becomes per-test results across reruns"

list='python3 -m pytest --collect-only -q tests/unit | grep ::'
set +e
actl run --image "$PYIMAGE" --repo "file://$repo" --commit main --list-command "$list" \
  --test-command 'python3 -m pytest -q {test} --junitxml=reports/one.xml' --junit reports/one.xml \
  --reruns 2 --allure "$WORK/allure-results" >"$WORK/queue.out" 2>&1
rc=$?
set -e
assert_eq 1 "$rc" "test_div fails the test-queue job: $(tail -5 "$WORK/queue.out")"
job=$(actl -o json jobs --limit 1 | jq -r '.jobs[0].id')
status=$(actl -o json status "$job")
assert_eq 5 "$(jq '.tasks | length' <<<"$status")" "a list task and four test tasks"
div=$(jq -c '.tasks[] | select(.test_id == "tests/unit/test_math.py::test_div")' <<<"$status")
assert_eq "FAILED 3" "$(jq -r '"\(.state) \(.attempts | length)"' <<<"$div")" "test_div: failed after 2 reruns"
assert_eq "PASSED true" \
  "$(jq -r '.tasks[] | select(.test_id == "tests/unit/test_math.py::test_wobbly") | "\(.state) \(.flaky)"' <<<"$status")" \
  "wobbly passes on its rerun and is flaky"
results=$(actl -o json results "$job")
assert_eq "skipped" "$(jq -r '.results[] | select(.name == "test_skip") | .status' <<<"$results")" "skip from pytest's report"
assert_eq "tests/unit/test_math.py::test_add" \
  "$(jq -r '.results[] | select(.name == "test_add") | .test_key' <<<"$results")" "test id is the key in test-queue mode"
pass "test-queue mode: tests listed by pytest, one pytest per id, results per test and attempt"

actl quarantine add tests/unit/test_math.py::test_div --reason "known bug" >/dev/null
set +e
actl run --image "$PYIMAGE" --repo "file://$repo" --commit main --list-command "$list" \
  --test-command 'python3 -m pytest -q {test} --junitxml=reports/one.xml' --junit reports/one.xml \
  --reruns 1 >"$WORK/q.out" 2>&1
rc=$?
set -e
assert_eq 0 "$rc" "with test_div quarantined the job passes: $(tail -8 "$WORK/q.out")"
assert_contains "$(actl flaky)" "tests/unit/test_math.py::test_wobbly" "flaky lists wobbly"
# One identity across modes: wobbly, flaky in suite mode and in the queue,
# is one row, and the quarantine entry in its node-id form holds in suite mode.
assert_eq 1 "$(actl -o json flaky | jq '[.tests[] | select(.test_key | endswith("test_wobbly"))] | length')" \
  "one flaky row for wobbly across suite and queue mode: $(actl flaky)"
set +e
actl run -f "$WORK/suites.yaml" >"$WORK/suites2.out" 2>&1
rc=$?
set -e
assert_eq 0 "$rc" "suite mode honours the quarantine entry given as a node id: $(tail -8 "$WORK/suites2.out")"
pass "quarantined pytest failure shown, job passes; flaky history ranks wobbly"

count=$(find "$WORK/allure-results" -name '*-result.json' | wc -l)
assert_eq 7 "$count" "allure results, one per test attempt (add, div x3, skip, wobbly x2)"
ALLURE=${ARENA_ALLURE:-/opt/arena-tools/node_modules/.bin/allure}
# Without it the Allure command line sends analytics to the internet and puts
# a remote analytics script tag in the report.
export ALLURE_NO_ANALYTICS=true
if [ -x "$ALLURE" ]; then
  "$ALLURE" generate "$WORK/allure-results" -o "$WORK/allure-report" >"$WORK/allure.log" 2>&1 ||
    fail "allure generate: $(tail -5 "$WORK/allure.log")"
  summary="$WORK/allure-report/widgets/summary.json"
  [ -f "$summary" ] || fail "no allure summary"
  ! grep -q "googletagmanager" "$WORK/allure-report/index.html" ||
    fail "the Allure report loads a remote analytics script"
  # Reruns group under one test (same historyId): 4 tests, not one per attempt.
  assert_eq "4 1 1 2" "$(jq -r '.statistic | "\(.total) \(.failed) \(.skipped) \(.passed)"' "$summary")" "allure report statistics"
  pass "allure-results ($count files) accepted by the Allure command line; reruns grouped"
else
  fail "the Allure command line is not installed at $ALLURE (tests/run.sh installs it)"
fi
