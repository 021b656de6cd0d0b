#!/usr/bin/env bash
# The GitHub Actions example runs as written against a local controller:
# both variants (arenactl, curl + jq) pass when every architecture passes and
# fail when one fails. Repo checkout by sha, tag and branch from a bare repo.
source "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
workflow="$root/deploy/ci/github-actions.yml"
start_controller ctl
start_agent agent --slots 2

# A bare repository standing in for the project under test.
src="$WORK/src"
mkdir -p "$src"
git -C "$src" init -q -b main
printf '#!/bin/sh\necho "suite on $(uname -m): $(cat version)"\n[ "$(cat version)" = good ] || [ "$(uname -m)" = x86_64 ]\n' >"$src/run.sh"
echo good >"$src/version"
git -C "$src" add .
git -C "$src" -c user.name=t -c user.email=t@localhost commit -qm good
good=$(git -C "$src" rev-parse HEAD)
git -C "$src" tag v1.0
git -C "$src" checkout -q -b flaky-on-arm
echo bad >"$src/version"
git -C "$src" -c user.name=t -c user.email=t@localhost commit -qam bad
bad=$(git -C "$src" rev-parse HEAD)
git clone -q --bare "$src" "$WORK/project.git"

export ARENA_WF_SECRETS_ARENA_CONTROLLER="$CONTROLLER"
export ARENA_WF_SECRETS_ARENA_URL="$CTL_URL"
export ARENA_WF_SECRETS_ARENA_TOKEN="$TOKEN"
ARENA_WF_SECRETS_ARENA_CA_PEM=$(cat "$CA")
export ARENA_WF_SECRETS_ARENA_CA_PEM
export ARENA_WF_VARS_ARENA_IMAGE='arena-test/busybox:{arch}'
export ARENA_WF_VARS_TEST_COMMAND='sh run.sh'
export ARENA_WF_RUNNER_TEMP="$WORK"
export ARENA_WF_GITHUB_SERVER_URL="file://$WORK"
export ARENA_WF_GITHUB_REPOSITORY=project
unset ARENA_CONTROLLER ARENA_TOKEN ARENA_CA_FILE
export PATH="$BIN:$PATH"

for variant in arenactl curl; do
  ARENA_WF_GITHUB_SHA=$good python3 "$root/tests/integration/run_workflow.py" "$workflow" "$variant" \
    >"$WORK/$variant-good.log" 2>&1 || { cat "$WORK/$variant-good.log"; fail "$variant variant failed on a good commit"; }
  set +e
  ARENA_WF_GITHUB_SHA=$bad python3 "$root/tests/integration/run_workflow.py" "$workflow" "$variant" \
    >"$WORK/$variant-bad.log" 2>&1
  rc=$?
  set -e
  [ "$rc" -ne 0 ] || { cat "$WORK/$variant-bad.log"; fail "$variant variant passed although arm64 failed"; }
done
assert_contains "$(cat "$WORK/arenactl-good.log")" "suite on aarch64: good" "arm64 ran the checkout"
assert_contains "$(cat "$WORK/arenactl-bad.log")" "verdict: failed" "arenactl verdict on the bad commit"
assert_contains "$(cat "$WORK/curl-bad.log")" '"status": "failed"' "curl variant shows the failing architecture"
python3 -c "import sys,xml.etree.ElementTree as ET; r=ET.parse(sys.argv[1]).getroot(); assert r.get('failures')=='1', r.attrib" \
  "$WORK/arena-junit.xml" || fail "JUnit report of the failing run"
pass "workflow: both variants pass on a good commit and fail when arm64 fails"

for ref in v1.0 main flaky-on-arm "${good:0:12}"; do
  out=$(actl run --repo "file://$WORK/project.git" --commit "$ref" -- cat version 2>&1 || true)
  case "$ref" in flaky-on-arm) want=bad ;; *) want=good ;; esac
  assert_contains "$out" "$want" "checkout of $ref"
done
set +e
out=$(actl run --repo "file://$WORK/project.git" --commit no-such-branch -- true 2>&1)
rc=$?
set -e
assert_eq 3 "$rc" "unknown ref exit code"
assert_contains "$out" 'unknown ref "no-such-branch"' "unknown ref message"
pass "checkout by tag, branch and sha from a bare repo; unknown ref is a clear error"
