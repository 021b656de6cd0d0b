#!/usr/bin/env bash
# examples/01-vendor-app as written: its GitHub Actions workflow, run locally
# (run_workflow.py), against a real registry (the vendor's image and the
# pytest image pulled from it), controller, agent, dockerd and Allure server.
# The vendor app runs as a service, pytest beside it reaches it by name, the
# merged JUnit holds every test and the Allure report holds them too.
# Skipped (exit 77) only when the Allure peer is not on this machine.
source "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
example="$root/examples/01-vendor-app"
allure_peer_or_skip
peer=$ALLURE_PEER
source "$(dirname "$0")/registry.sh"
docker image inspect arena-test/pytest:latest >/dev/null 2>&1 || bash "$root/deploy/build-pytest-image.sh"

export ALLURE_NO_ANALYTICS=true
allure_dir="$WORK/allure"
npm_dir=${ARENA_TOOLS_DIR:-/opt/arena-tools}/allure-peer-npm
mkdir -p "$npm_dir"
start_registry team
VENDOR="$REG/vendor/app:1"
TESTS_IMAGE="$REG/qa/pytest:1"
drop_images() { drop_registry_images "$REG" "$VENDOR" "$TESTS_IMAGE"; }
trap 'rc=$?; set +e; "$peer/start.sh" --stop --dir "$allure_dir" >/dev/null 2>&1; drop_images; (exit "$rc"); registry_cleanup' EXIT
# The vendor's image and the team's pytest image, in the team's registry only.
DOCKER_BUILDKIT=0 docker build -q -t "$VENDOR" "$example/vendor-app" >/dev/null 2>&1
docker tag arena-test/pytest:latest "$TESTS_IMAGE"
docker push -q "$VENDOR" >/dev/null
docker push -q "$TESTS_IMAGE" >/dev/null
drop_images

"$peer/start.sh" --port 0 --dir "$allure_dir" --npm-dir "$npm_dir" >"$WORK/peer.out" 2>"$WORK/peer.err" ||
  { cat "$WORK/peer.err"; fail "the Allure server did not start"; }
ALLURE="http://127.0.0.1:$(cat "$allure_dir/port")"
start_controller ctl 0 --allure-url "$ALLURE"
start_agent agent --slots 2

# The tests' repository: the example's job file and tests, as a team keeps them.
src="$WORK/vendor-tests-src"
mkdir -p "$src"
cp -r "$example/arena-job.yaml" "$example/tests" "$src/"
git -C "$src" init -q -b main
git -C "$src" -c user.name=t -c user.email=t@localhost add .
git -C "$src" -c user.name=t -c user.email=t@localhost commit -qm "vendor app tests"
git clone -q --bare "$src" "$WORK/vendor-tests.git"
git clone -q "$WORK/vendor-tests.git" "$WORK/checkout"

export ARENA_WF_SECRETS_ARENA_CONTROLLER="$CONTROLLER"
export ARENA_WF_SECRETS_ARENA_TOKEN="$TOKEN"
ARENA_WF_SECRETS_ARENA_CA_PEM=$(cat "$CA")
export ARENA_WF_SECRETS_ARENA_CA_PEM
export ARENA_WF_VARS_VENDOR_IMAGE="$VENDOR"
export ARENA_WF_VARS_TEST_IMAGE="$TESTS_IMAGE"
export ARENA_WF_RUNNER_TEMP="$WORK"
export ARENA_WF_GITHUB_SERVER_URL="file://$WORK"
export ARENA_WF_GITHUB_REPOSITORY=vendor-tests
ARENA_WF_GITHUB_SHA=$(git -C "$src" rev-parse HEAD)
export ARENA_WF_GITHUB_SHA
unset ARENA_CONTROLLER ARENA_TOKEN ARENA_CA_FILE
(cd "$WORK/checkout" && PATH="$BIN:$PATH" python3 "$root/tests/integration/run_workflow.py" \
  "$example/github-actions.yml" test) >"$WORK/workflow.log" 2>&1 ||
  { cat "$WORK/workflow.log"; fail "the vendor-app workflow failed"; }
log=$(cat "$WORK/workflow.log")
assert_contains "$log" "service app: starting $VENDOR" "the vendor image runs as the service"
assert_contains "$log" "service app: ready after" "the app was probed ready"
assert_contains "$log" "verdict: passed" "the job passed"
python3 - "$WORK/junit.xml" <<'PY' || fail "merged JUnit: $(head -c 2000 "$WORK/junit.xml")"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
cases = [c.get("name") for c in root.iter("testcase")]
assert len(cases) == 6 and "test_health" in cases, cases
assert all(s.get("failures") in (None, "0") for s in root.iter("testsuite")), root.attrib
PY
pass "the workflow: vendor image pulled and run as a service, pytest beside it, 6 tests passed"

job=$(grep -o 'job-[0-9a-f]*' "$WORK/arena.out" | head -1)
export ARENA_CONTROLLER="$CONTROLLER" ARENA_TOKEN="$TOKEN" ARENA_CA_FILE="$CA"
assert_contains "$(actl logs "$job" --service app)" "vendor-app: listening on 127.0.0.1:8080" "the app's own log"
report=$(grep -o 'allure: uploaded [^ ]*' "$WORK/workflow.log" | awk '{print $3}')
[ -n "$report" ] || fail "the workflow did not print the Allure report: $(tail -5 "$WORK/workflow.log")"
total=$(command curl -sf "${report%/index.html}/widgets/summary.json" | json_field 'd["statistic"]["total"]')
assert_eq 6 "$total" "tests in the Allure report"
pass "the app's log is its own; the Allure report holds the job's 6 tests ($report)"
