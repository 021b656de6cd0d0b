#!/usr/bin/env bash
# The built-in go lister: `--list go` lists a module's tests by `go test
# -list` as PKG/TestX ids (examples/05's project plus a second package),
# each runs by its own `go test -run`, and a package that does not build
# fails the list step with nothing queued.
source "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
bash "$root/deploy/build-go-image.sh" >/dev/null
start_controller ctl
start_agent agent --slots 2

mkdir -p "$WORK/mod/strs"
cp -r "$root/examples/05-multi-arch-ci/project/." "$WORK/mod/"
cat >"$WORK/mod/strs/strs_test.go" <<'GO'
package strs

import (
	"fmt"
	"testing"
)

func TestJoin(t *testing.T) {}

func BenchmarkJoin(b *testing.B) {}

func ExampleJoin() {
	fmt.Println("a,b")
	// Output: a,b
}
GO
example_repo "$WORK/mod" golist
go_env=(--env GOFLAGS=-mod=mod --env GOPROXY=off --env GOCACHE=/tmp/go-cache)
run_go() {  # REPO COMMIT
  actl run --image arena-test/go:amd64 --repo "$1" --commit "$2" "${go_env[@]}" --list go \
    --test-command 'go test -count=1 -run "^$(basename {test})\$" "$(dirname {test})"'
}
run_go "$REPO" "$COMMIT" >"$WORK/go.out" 2>&1 || fail "a go-listed job failed: $(tail -8 "$WORK/go.out")"
job=$(actl -o json jobs --limit 1 | jq -r '.jobs[0].id')
status=$(actl -o json status "$job")
assert_eq "example.com/checksum/TestFletcher16KnownValues example.com/checksum/TestPlatform example.com/checksum/strs/ExampleJoin example.com/checksum/strs/TestJoin" \
  "$(jq -r '[.tasks[] | select(.kind == "TASK_KIND_TEST") | .test_id] | sort | join(" ")' <<<"$status")" \
  "every test and example of every package, by package, no benchmark"
assert_eq 4 "$(jq '[.tasks[] | select(.kind == "TASK_KIND_TEST" and .state == "PASSED")] | length' <<<"$status")" \
  "each passes by its own go test -run"
pass "--list go lists PKG/TestX ids by go test -list, each run by go test -run"

printf 'package strs\n\nfunc broken( {\n' >"$WORK/mod/strs/broken.go"
example_repo "$WORK/mod" golist-broken
set +e
run_go "$REPO" "$COMMIT" >"$WORK/broken.out" 2>&1
rc=$?
set -e
[ "$rc" -ne 0 ] || fail "a package that does not build was listed: $(tail -5 "$WORK/broken.out")"
job=$(actl -o json jobs --limit 1 | jq -r '.jobs[0].id')
assert_eq 1 "$(actl -o json status "$job" | jq '.tasks | length')" "nothing queued from a broken build"
pass "a package that does not build fails the go list step"
