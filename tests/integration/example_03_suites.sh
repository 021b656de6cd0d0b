#!/usr/bin/env bash
# examples/03-suites-on-a-pool runs as written: its run.sh stops with exit 3
# when the smoke check finds no agent (nothing submitted); on a pool of two
# agents it builds the test image from the repo (its base local, nothing
# pulled), runs unit, integration and security at once, then e2e and
# performance one at a time, and writes one merged JUnit with every suite.
source "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
example="$root/examples/03-suites-on-a-pool"
bash "$root/deploy/build-pytest-image.sh"
start_controller ctl
# A file naming this run makes the build context new, so the agents build
# the image (not reuse one from an earlier run); the test removes it after.
mkdir -p "$WORK/project" && cp -r "$example/project/." "$WORK/project/"
basename "$WORK" >"$WORK/project/.test-run"
example_repo "$WORK/project" ledger
export ARENA_CONTROLLER="$CONTROLLER" ARENA_CA_FILE="$CA" ARENA_TOKEN="$TOKEN" REPO COMMIT
export PATH="$BIN:$PATH" JUNIT_OUT="$WORK/arena-junit.xml"

set +e
(cd "$WORK" && sh "$example/run.sh") >"$WORK/no-pool.out" 2>&1
rc=$?
set -e
assert_eq 3 "$rc" "run.sh without agents: $(cat "$WORK/no-pool.out")"
assert_contains "$(cat "$WORK/no-pool.out")" "FAIL" "doctor says what is missing"
assert_eq 0 "$(actl -o json jobs | jq '.jobs | length')" "no job submitted after a failed smoke check"
pass "the smoke check stops the flow with exit 3 before anything is queued"

start_agent pool-1 --slots 2
start_agent pool-2 --slots 2
set +e
(cd "$WORK" && sh "$example/run.sh") >"$WORK/run.out" 2>&1
rc=$?
set -e
assert_eq 0 "$rc" "run.sh on the pool: $(tail -20 "$WORK/run.out")"
job=$(actl -o json jobs --limit 1 | jq -r '.jobs[0].id')
status=$(actl -o json status "$job")
assert_eq "e2e integration performance security unit" \
  "$(jq -r '[.tasks[] | select(.state == "PASSED") | .suite] | sort | join(" ")' <<<"$status")" "all five suites passed"
built=$(jq -r '[.tasks[].attempts[].image_digest | select(startswith("arena-build/")) | sub("@.*"; "")] | unique | .[]' <<<"$status")
[ -n "$built" ] || fail "no attempt ran a built image: $status"
for image in $built; do docker rmi -f "$image" >/dev/null; done
builds=$(for s in unit integration security e2e performance; do actl logs "$job" --task "amd64/$s" --build; done)
assert_contains "$builds" "RUN python3 -m pytest --version" "an agent built the image from the repo's Dockerfile"
assert_eq 2 "$(jq -r '[.tasks[].attempts[].agent_id] | unique | length' <<<"$status")" "both agents of the pool ran suites"
# Attempts' times: every serial attempt starts after every parallel one
# ended, and the two serial ones do not overlap.
jq -r '.tasks[] | .suite as $s | .attempts[] | "\($s) \(.started_unix_ms) \(.finished_unix_ms)"' \
  <<<"$status" >"$WORK/times"
python3 - "$WORK/times" <<'PY' || fail "suite attempts' times: $(cat "$WORK/times")"
import sys
spans = {}
for line in open(sys.argv[1]):
    suite, start, end = line.split()
    spans.setdefault(suite, []).append((int(start), int(end)))
assert set(spans) == {"unit", "integration", "security", "e2e", "performance"}, spans
parallel = [spans[s][0] for s in ("unit", "integration", "security")]
assert max(b for b, _ in parallel) < min(e for _, e in parallel), f"parallel suites did not overlap: {parallel}"
parallel_end = max(e for s in ("unit", "integration", "security") for _, e in spans[s])
(e2e,), (perf,) = spans["e2e"], spans["performance"]
assert min(e2e[0], perf[0]) >= parallel_end, "a serial suite started before the parallel ones ended"
assert e2e[1] <= perf[0] or perf[1] <= e2e[0], f"serial suites overlapped: e2e {e2e} performance {perf}"
PY
pass "unit, integration, security in parallel, then e2e and performance one at a time"

python3 - "$WORK/arena-junit.xml" <<'PY' || fail "merged JUnit: $(cat "$WORK/arena-junit.xml")"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
cases = {s.get("name"): [c.get("name") for c in s.iter("testcase")] for s in root.iter("testsuite")}
want = {
    "amd64/unit": {"test_add_then_count", "test_take_more_than_stock_is_refused"},
    "amd64/integration": {"test_add_and_take_in_sequence"},
    "amd64/security": {"test_negative_counts_are_refused"},
    "amd64/e2e": {"test_full_stocktake"},
    "amd64/performance": {"test_ten_thousand_adds_take_under_a_second"},
}
assert set(cases) == set(want), cases
for suite, names in want.items():
    assert names <= set(cases[suite]), (suite, cases[suite])
assert len(cases["amd64/security"]) == 5, cases["amd64/security"]
assert root.get("tests") == "10" and root.get("failures") == "0", root.attrib
PY
pass "one merged JUnit report holds every suite's tests"
