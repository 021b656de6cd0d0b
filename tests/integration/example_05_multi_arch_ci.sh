#!/usr/bin/env bash
# examples/05-multi-arch-ci runs as written: ci.sh POSTs job.json (go test on
# amd64 and arm64, Go from Debian's packages, arm64 under qemu, no module
# fetches) and polls with curl + jq. A good commit passes on both
# architectures, each printing its GOARCH; a commit whose test fails only on
# arm64 fails the job, and the loop's exit code says so.
source "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
example="$root/examples/05-multi-arch-ci"
bash "$root/deploy/build-go-image.sh"
start_controller ctl
start_agent agent --slots 4

example_repo "$example/project" checksum
good_repo=$REPO good=$COMMIT
# The same project plus a test that fails only on arm64.
mkdir -p "$WORK/bad" && cp -r "$example/project/." "$WORK/bad/"
cat >"$WORK/bad/arch_bug_test.go" <<'GO'
package checksum

import (
	"runtime"
	"testing"
)

func TestWordSizeAssumption(t *testing.T) {
	if runtime.GOARCH == "arm64" {
		t.Fatal("this commit assumes amd64")
	}
}
GO
example_repo "$WORK/bad" checksum-bad
bad_repo=$REPO bad=$COMMIT
export ARENA_URL="$CTL_URL" ARENA_TOKEN="$TOKEN" ARENA_CA_FILE="$CA" POLL_SECONDS=1

# Both commits at once: the agent's four slots take all four tasks.
REPO=$good_repo COMMIT=$good sh "$example/ci.sh" >"$WORK/good.out" 2>&1 &
good_pid=$!
set +e
REPO=$bad_repo COMMIT=$bad sh "$example/ci.sh" >"$WORK/bad.out" 2>&1
bad_rc=$?
wait "$good_pid"
good_rc=$?
set -e
good_out=$(cat "$WORK/good.out")
assert_eq 0 "$good_rc" "ci.sh on a good commit: $good_out"
assert_contains "$good_out" "amd64: passed (exit 0)" "amd64 result"
assert_contains "$good_out" "arm64: passed (exit 0)" "arm64 result"
assert_contains "$good_out" "GOARCH=amd64 GOOS=linux" "the amd64 task ran amd64 Go"
assert_contains "$good_out" "GOARCH=arm64 GOOS=linux" "the arm64 task ran arm64 Go"
assert_contains "$good_out" "--- PASS: TestFletcher16KnownValues" "go test ran the suite"
job=$(sed -n 's/^submitted //p' <<<"$good_out")
assert_eq "true" "$(actl -o json status "$job" | jq -r '[.tasks[] | select(.arch == "arm64") | .emulated] | all')" \
  "arm64 ran emulated on this amd64 host"
pass "a good commit passes go test on amd64 and arm64; the loop exits 0"

bad_out=$(cat "$WORK/bad.out")
assert_eq 1 "$bad_rc" "ci.sh on a commit failing on arm64: $bad_out"
assert_contains "$bad_out" "amd64: passed (exit 0)" "amd64 still passes"
assert_contains "$bad_out" "arm64: failed (exit 1)" "arm64 fails"
assert_contains "$bad_out" "this commit assumes amd64" "the failing test's message in the loop's output"
assert_contains "$bad_out" "verdict: failed" "verdict"
pass "a commit failing only on arm64 fails the job; the loop exits 1"
