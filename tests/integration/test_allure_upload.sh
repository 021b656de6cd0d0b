#!/usr/bin/env bash
# Allure server upload against the real allure-docker-service (the upstream
# API run on 127.0.0.1 by ../shared/peers/allure-docker-service/start.sh):
# two jobs that end at once upload to one project and both land, each report
# holding exactly its own job's tests with a rerun grouped as retries of one
# test; a job that ends while the server is down is pending with the reason,
# then lands once the server is back; arenactl shows where each upload stands.
# The server keeps every report (KEEP_HISTORY=1, as teams run it), so each
# job's report stays at its own URL.
# Skipped (exit 77, shown as skipped by ctest) only when the peer's folder is
# not on this machine.
source "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
allure_peer_or_skip
peer=$ALLURE_PEER
export ALLURE_NO_ANALYTICS=true
npm_dir=${ARENA_TOOLS_DIR:-/opt/arena-tools}/allure-peer-npm
mkdir -p "$npm_dir"
allure_dir="$WORK/allure"
stop_peer() { "$peer/start.sh" --stop --dir "$allure_dir" >/dev/null 2>&1 || true; }
trap 'rc=$?; stop_peer; (exit $rc); cleanup' EXIT
start_peer() {  # [PORT]
  KEEP_HISTORY=1 "$peer/start.sh" --port "${1:-0}" --dir "$allure_dir" --npm-dir "$npm_dir" >"$WORK/peer.out" 2>"$WORK/peer.err" ||
    { cat "$WORK/peer.err"; fail "the Allure server did not start"; }
  ALLURE_PORT=$(cat "$allure_dir/port")
}
start_peer
ALLURE="http://127.0.0.1:$ALLURE_PORT"
project=arena-it

start_controller ctl 0 --allure-url "$ALLURE" --allure-project "$project"
start_agent one --slots 2

# Test-queue jobs: one result per test from its exit status; "wobbly" fails
# on its task's first attempt and passes on the rerun.
queue_cmd='t={test}; case $t in wobbly*) [ "$ARENA_ATTEMPT" != 1 ] ;; broken*) false ;; *) true ;; esac'
job_a=$(actl submit --tests pass_a1,pass_a2,wobbly_a,broken_a --test-command "$queue_cmd" --reruns 1)
job_b=$(actl submit --tests pass_b1,pass_b2,pass_b3 --test-command "$queue_cmd")
set +e
actl wait "$job_a" >"$WORK/wait_a.out" 2>&1
rc_a=$?
actl wait "$job_b" >"$WORK/wait_b.out" 2>&1
rc_b=$?
set -e
assert_eq 1 "$rc_a" "job A fails (broken_a): its exit code"
assert_eq 0 "$rc_b" "job B passes: its exit code"

upload_state() { actl -o json status "$1" | json_field 'd.get("allure", {}).get("state", "")'; }
uploaded() { [ "$(upload_state "$1")" = uploaded ]; }
wait_until 120 uploaded "$job_a" || fail "job A not uploaded: $(actl -o json status "$job_a" | json_field 'd.get("allure")')"
wait_until 120 uploaded "$job_b" || fail "job B not uploaded: $(actl -o json status "$job_b" | json_field 'd.get("allure")')"
pass "two jobs that ended together were both uploaded to one project"

assert_eq FAILED "$(actl -o json status "$job_a" | json_field 'd["state"]')" "job A's verdict after the upload"
status_a=$(actl status "$job_a")
url_a=$(actl -o json status "$job_a" | json_field 'd["allure"]["report_url"]')
url_b=$(actl -o json status "$job_b" | json_field 'd["allure"]["report_url"]')
assert_contains "$status_a" "allure: uploaded $url_a (project $project)" "arenactl status's allure line"
[ "$url_a" != "$url_b" ] || fail "both jobs got one report: $url_a"

# Each report, read from the server: its summary counts exactly its job's
# tests, and wobbly's two runs are one test with one retry.
report_json() {  # REPORT_URL PATH
  command curl -sf "${1%/index.html}/$2"
}
summary_total() { report_json "$1" widgets/summary.json | json_field 'd["statistic"]["total"]'; }
assert_eq 4 "$(summary_total "$url_a")" "tests in job A's report"
assert_eq 3 "$(summary_total "$url_b")" "tests in job B's report"
report_json "$url_a" data/suites.json >"$WORK/suites_a.json" || fail "job A's report has no suites.json"
python3 - "$WORK/suites_a.json" <<'PY' || fail "job A's report does not group wobbly's rerun as a retry"
import json, sys
def leaves(node):
    if "children" in node:
        for child in node["children"]:
            yield from leaves(child)
    else:
        yield node
cases = [c for c in leaves(json.load(open(sys.argv[1]))) if c.get("name", "").startswith("wobbly")]
assert len(cases) == 1, cases
assert cases[0]["status"] == "passed", cases[0]
assert cases[0].get("retriesCount", 0) == 1 or cases[0].get("retriesStatusChange"), cases[0]
PY
report_json "$url_a" widgets/executors.json | grep -q "$job_a" || fail "job A's report does not name job A"
pass "each report holds its own job's tests, a rerun as a retry, and names the job"

# The server down when a job ends: pending with the reason, then uploaded
# once it is back on the same port.
stop_peer
job_c=$(actl submit --tests pass_c1 --test-command "$queue_cmd" --allure-project arena-it-other)
actl wait "$job_c" >/dev/null
pending() { [ "$(upload_state "$job_c")" = pending ] && actl -o json status "$job_c" | grep -q '"reason"'; }
wait_until 30 pending || fail "job C not pending with a reason: $(actl -o json status "$job_c" | json_field 'd.get("allure")')"
assert_contains "$(actl status "$job_c")" "allure: pending (project arena-it-other; try 1 failed: Allure server" "arenactl status while the server is down"
start_peer "$ALLURE_PORT"
wait_until 120 uploaded "$job_c" || fail "job C not uploaded after the server came back: $(actl -o json status "$job_c" | json_field 'd.get("allure")')"
assert_contains "$(actl -o json status "$job_c" | json_field 'd["allure"]["report_url"]')" \
  "/projects/arena-it-other/reports/" "job C's report is in the project it named"
pass "an upload that failed while the server was down lands once it is back, in the job's own project"

set +e
actl submit --allure-project "Team A" -- true >"$WORK/bad.out" 2>&1
rc=$?
set -e
[ "$rc" -ne 0 ] || fail "a project id the server would refuse was accepted"
assert_contains "$(cat "$WORK/bad.out")" "allure_project wants lowercase letters" "the refusal's message"
[ "$(wc -l <"$WORK/bad.out")" -eq 1 ] || fail "the refusal is not one line: $(cat "$WORK/bad.out")"
pass "a bad project id is refused with one readable line"
