#!/usr/bin/env bash
# Suites from a YAML job file: parallel-safe suites overlap, serial ones run
# one at a time after them, each its own task and verdict. Files named by the
# job (a JUnit directory, a binary artifact) are copied out of the container,
# stored per attempt, parsed into per-test results, downloaded byte-exact with
# arenactl and over REST, and merged into one JUnit report. A malformed report
# is an error on its attempt; bad job files get one readable line.
source "$(dirname "$0")/lib.sh"
start_controller ctl
start_agent agent --slots 4

# Each suite writes a JUnit report named after itself; "pack" also writes a
# 3 MB random blob and its checksum.
cat >"$WORK/job.yaml" <<'YAML'
image: arena-test/busybox:latest
suites:
  - name: lint
    command: |
      mkdir -p /out/junit
      printf '<testsuites><testsuite name="lint"><testcase classname="style" name="tabs" time="0.25"/></testsuite></testsuites>' > /out/junit/$ARENA_SUITE.xml
      sleep 1
    parallel_safe: true
  - name: pack
    command: |
      mkdir -p /out/junit /out/files/bin
      head -c 3000000 /dev/urandom > /out/files/bin/blob
      sha256sum /out/files/bin/blob | cut -d' ' -f1 > /out/files/blob.sha256
      printf '<testsuites><testsuite name="pack"><testcase classname="pack.size" name="fits" time="1.5"/><testcase classname="pack.size" name="limit"><failure message="too big &amp; slow">trace line</failure></testcase><testcase classname="pack.size" name="later"><skipped message="todo"/></testcase></testsuite></testsuites>' > /out/junit/$ARENA_SUITE.xml
      sleep 1
    parallel_safe: true
  - name: migrate
    command: sleep 1
    parallel_safe: false
  - name: e2e
    command: "true"
    parallel_safe: false
junit: [/out/junit]
artifacts: [/out/files]
YAML
set +e
actl run -f "$WORK/job.yaml" --junit-out "$WORK/merged.xml" >"$WORK/run.out" 2>&1
rc=$?
set -e
assert_eq 0 "$rc" "suite job exit code (JUnit failures do not change the exit status; the suite's own exit does): $(tail -5 "$WORK/run.out")"
job=$(actl -o json jobs --limit 1 | jq -r '.jobs[0].id')
status=$(actl -o json status "$job")
jq -r '.tasks[] | "\(.suite) \(.serial // false) \(.started_unix_ms) \(.finished_unix_ms)"' <<<"$status" >"$WORK/times"
read -r _ _ lint_start lint_end < <(grep '^lint ' "$WORK/times")
read -r _ _ pack_start pack_end < <(grep '^pack ' "$WORK/times")
read -r _ _ mig_start mig_end < <(grep '^migrate ' "$WORK/times")
read -r _ _ e2e_start _ < <(grep '^e2e ' "$WORK/times")
[ "$pack_start" -lt "$lint_end" ] && [ "$lint_start" -lt "$pack_end" ] || fail "parallel-safe suites did not overlap: $(cat "$WORK/times")"
last_parallel=$(( lint_end > pack_end ? lint_end : pack_end ))
[ "$mig_start" -ge "$last_parallel" ] || fail "serial suite started before the parallel ones ended: $(cat "$WORK/times")"
[ "$e2e_start" -ge "$mig_end" ] || fail "serial suites overlapped: $(cat "$WORK/times")"
assert_eq 4 "$(jq '[.tasks[] | select(.state == "PASSED")] | length' <<<"$status")" "four suite tasks passed"
pass "parallel-safe suites overlap, serial suites run one at a time after them"

results=$(actl -o json results "$job")
assert_eq 4 "$(jq '.results | length' <<<"$results")" "per-test results from both reports"
assert_eq "failed too big & slow" \
  "$(jq -r '.results[] | select(.name == "limit") | "\(.status) \(.message)"' <<<"$results")" "failure parsed"
assert_eq "skipped pack 1500" \
  "$(jq -r '[(.results[] | select(.name == "later") | .status), (.results[] | select(.name == "fits") | .suite, .duration_ms)] | join(" ")' <<<"$results")" \
  "skipped, suite and duration parsed"
table=$(actl results "$job")
assert_contains "$table" "4 tests: 2 passed, 1 failed, 1 skipped" "results table summary"
assert_contains "$(cat "$WORK/run.out")" "FAILED  pack.size::limit" "run names the failed test"
python3 - "$WORK/merged.xml" <<'PY' || fail "merged JUnit report: $(cat "$WORK/merged.xml")"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = {s.get("name"): s for s in root.findall("testsuite")}
assert set(suites) == {"amd64/lint", "amd64/pack", "amd64/migrate", "amd64/e2e"}, suites
assert root.get("tests") == "6" and root.get("failures") == "1" and root.get("skipped") == "1", root.attrib
assert suites["amd64/pack"].find("testcase[@name='limit']/failure").text == "trace line"
PY
pass "JUnit reports became per-test results, a results table and one merged report"

actl artifacts "$job" -d "$WORK/dl" 2>/dev/null
blob=$(find "$WORK/dl" -name blob -path '*pack*')
[ -n "$blob" ] || fail "blob not downloaded: $(find "$WORK/dl" -type f)"
assert_eq "$(cat "$(dirname "$(dirname "$blob")")/blob.sha256")" "$(sha256sum "$blob" | cut -d' ' -f1)" "artifact sha256"
assert_eq 3000000 "$(stat -c %s "$blob")" "artifact size"
[ -f "$(dirname "$(dirname "$(dirname "$(dirname "$blob")")")")/junit/out/junit/pack.xml" ] || fail "JUnit report not downloadable: $(find "$WORK/dl" -type f)"
listing=$(actl -o json artifacts "$job" --task amd64/pack)
attempt=$(jq -r '.artifacts[] | select(.path == "out/files/bin/blob") | .attempt_id' <<<"$listing")
[ -n "$attempt" ] || fail "artifact listing: $listing"
curl -s -H "Authorization: Bearer $TOKEN" "$CTL_URL/api/v1/jobs/$job/artifacts/$attempt/out/files/bin/blob" -o "$WORK/rest.blob"
cmp "$WORK/rest.blob" "$blob" || fail "REST artifact differs"
assert_eq 4 "$(curl -s -H "Authorization: Bearer $TOKEN" "$CTL_URL/api/v1/jobs/$job/results" | jq '.results | length')" "REST results"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$CTL_URL/api/v1/jobs/$job/artifacts/$attempt/nope")
assert_eq 404 "$code" "missing artifact over REST"
pass "3 MB artifact round trip byte-exact (arenactl and REST)"

set +e
actl run --image arena-test/busybox:latest --junit /r.xml -- sh -c 'echo "<testsuite><testcase" > /r.xml' >"$WORK/bad.out" 2>&1
rc=$?
set -e
assert_eq 3 "$rc" "malformed JUnit makes the attempt an error"
bad=$(actl -o json jobs --limit 1 | jq -r '.jobs[0].id')
assert_contains "$(actl -o json status "$bad" | jq -r '.tasks[0].reason')" "r.xml: malformed JUnit XML" "reason names the report"
pass "malformed JUnit XML is a clear error on its attempt"

printf 'suites:\n  - name: a\n    command: [unclosed\n' >"$WORK/bad.yaml"
expect_usage "bad.yaml: line" actl submit -f "$WORK/bad.yaml"
expect_usage "cannot read job file" actl submit -f "$WORK/missing.yaml"
expect_usage "--suite wants NAME=COMMAND" actl submit --suite lint
expect_usage "appears twice" actl submit --suite a=true --suite a=false
expect_usage "alternatives" actl submit --suite a=true -- true
expect_usage "without \"..\"" actl submit --artifact ../x -- true
pass "bad job files and suite flags get one readable line"
