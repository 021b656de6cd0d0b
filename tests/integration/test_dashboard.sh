#!/usr/bin/env bash
# The web dashboard in a real headless Chromium driven by Playwright: served
# by the controller at /, token login, jobs list, a job's live log and
# verdict, per-test results, timeline, test history, fleet, reruns, agents
# page, a slow job page's loading state; password login, the submit form
# (a multi-arch suite job, a bad image's field error), CSRF, a submitter's
# isolation and the login lock; plus its security headers.
source "$(dirname "$0")/lib.sh"
tools=${ARENA_TOOLS_DIR:-/opt/arena-tools}
[ -d "$tools/node_modules/playwright-core" ] && [ -x /usr/bin/chromium ] ||
  fail "playwright-core and chromium are needed (deploy/setup-test-tools.sh installs them)"
start_controller ctl 0 --fleet-sample-interval 1s
start_agent agent --slots 1

headers=$(curl -s -D - -o "$WORK/index.html" "$CTL_URL/")
assert_contains "$headers" "Content-Security-Policy: default-src 'self'" "CSP header"
assert_contains "$(cat "$WORK/index.html")" "/dashboard/app.js" "index page"
assert_eq 200 "$(curl -s -o /dev/null -w '%{http_code}' "$CTL_URL/dashboard/app.js")" "app.js served"
pass "dashboard served at / with a strict content security policy"

report='<testsuite name="shop"><testcase classname="checkout" name="total"><failure message="off by one">expected 10, got 11</failure></testcase><testcase classname="checkout" name="tax"/></testsuite>'
# The job goes on once the page has shown its first line (dashboard_check.js
# touches /tmp/go in its container), at most 60 s later.
job=$(actl submit --image arena-test/busybox:latest --junit /r.xml -- sh -c \
  "echo first-line; i=0; while [ ! -e /tmp/go ] && [ \$i -lt 600 ]; do sleep 0.1; i=\$((i+1)); done;
   printf '%s' '$report' > /r.xml; echo second-line; exit 1")
# A finished job with a service, for the service log's tab.
svc_job=$(actl submit -f /dev/stdin -- echo task-says-hi <<'YAML'
services: [{name: web, image: "arena-test/busybox:latest", command: [sh, -c, 'echo web-says-hi; trap "exit 0" TERM; sleep 600 & wait']}]
YAML
)
printf 'dana-dashboard-pw\n' | actl user create dana --role operator >/dev/null
printf 'sam-dashboard-pw\n' | actl user create sam --role submitter >/dev/null
printf 'lee-dashboard-pw\n' | actl user create lee --role submitter >/dev/null
DASH_USER=dana DASH_PASSWORD=dana-dashboard-pw SUB_USER=sam SUB_PASSWORD=sam-dashboard-pw \
  LOCK_USER=lee LOCK_PASSWORD=lee-dashboard-pw node "$(dirname "$0")/dashboard_check.js" "$CTL_URL" "$TOKEN" "$job" "$WORK/dashboard.png" "$svc_job"
[ -s "$WORK/dashboard.png" ] || fail "no screenshot"
mkdir -p "${ARENA_ARTIFACTS_DIR:-$ARENA_BIN/../test-artifacts}"
cp "$WORK/dashboard.png" "$WORK/dashboard-fleet.png" "$WORK/dashboard-multiarch.png" \
  "${ARENA_ARTIFACTS_DIR:-$ARENA_BIN/../test-artifacts}/"
pass "dashboard: login, live log, verdict, results, timeline, test history, fleet, agents, loading state, service log tab (screenshots: test-artifacts/dashboard.png, dashboard-fleet.png, dashboard-multiarch.png)"
