#!/usr/bin/env bash
# JUnit from real `go test` output (gotestsum --junitfile, Debian's gotestsum
# and golang-go): the report lives in the job's repo checkout, the agent copies
# it out of the container, the controller parses it into per-test results.
source "$(dirname "$0")/lib.sh"
command -v go >/dev/null && command -v gotestsum >/dev/null || fail "go and gotestsum are needed (tests/run.sh installs them)"

repo="$WORK/repo"
mkdir -p "$repo/calc"
cat >"$repo/go.mod" <<'GO'
module example.com/arena-go

go 1.19
GO
cat >"$repo/calc/calc.go" <<'GO'
package calc

func Add(a, b int) int { return a + b }
func Sub(a, b int) int { return a + b } // wrong on purpose
GO
cat >"$repo/calc/calc_test.go" <<'GO'
package calc

import "testing"

func TestAdd(t *testing.T) {
	if Add(1, 2) != 3 {
		t.Fatal("1+2")
	}
}

func TestSub(t *testing.T) {
	if got := Sub(3, 1); got != 2 {
		t.Errorf("Sub(3, 1) = %d, want 2", got)
	}
}

func TestLater(t *testing.T) { t.Skip("needs a database") }
GO
(cd "$repo" && GOCACHE="$WORK/gocache" GOFLAGS=-mod=mod GOPROXY=off \
  gotestsum --junitfile reports/go.xml -- ./... >"$WORK/gotest.log" 2>&1) && fail "go test should fail (TestSub)"
[ -s "$repo/reports/go.xml" ] || fail "gotestsum wrote no report: $(cat "$WORK/gotest.log")"
git -C "$repo" init -q -b main
git -C "$repo" -c user.email=t@example.com -c user.name=t add -A
git -C "$repo" -c user.email=t@example.com -c user.name=t commit -qm "go tests and their report"

start_controller ctl
start_agent agent --slots 1
job=$(actl submit --image arena-test/busybox:latest --repo "file://$repo" --commit main \
  --junit reports/go.xml -- true)
actl wait "$job" >/dev/null || fail "job did not pass"
results=$(actl -o json results "$job")
assert_eq "TestAdd=passed TestLater=skipped TestSub=failed" \
  "$(jq -r '[.results[] | "\(.name)=\(.status)"] | sort | join(" ")' <<<"$results")" "go test results"
assert_contains "$(jq -r '.results[] | select(.name == "TestSub") | .text' <<<"$results")" "Sub(3, 1) = 4, want 2" "go test failure output"
assert_eq "example.com/arena-go/calc::TestSub" \
  "$(jq -r '.results[] | select(.name == "TestSub") | .test_key' <<<"$results")" "package-qualified key"
pass "go test JUnit (gotestsum) copied from the workspace and parsed per test"
