#!/usr/bin/env bash
# Artifacts keep their directories (two report.txt in a/ and b/ stay two
# files), and whatever the agent does not copy is said, in the attempt's log
# and its record (`arenactl status`, JSON `notes`): a file over the
# attempt's limit, a symlink pointing out, a name with a newline, an
# artifact of `/`, an empty directory, a missing path.
source "$(dirname "$0")/lib.sh"
start_controller ctl
start_agent agent --max-file-mb 1

cat >"$WORK/make.sh" <<'SH'
mkdir -p /w/a /w/b /out /w/empty
echo "report of a" > /w/a/report.txt
echo "report of b" > /w/b/report.txt
echo kept > /out/ok.txt
ln -s /etc/passwd /out/link
echo x > "/out/bad
name"
head -c 2000000 /dev/zero > /w/big.bin
SH
set +e
actl run --artifact /w/a/report.txt --artifact /w/b/report.txt --artifact /out \
  --artifact /w/big.bin --artifact / --artifact /w/empty --artifact /w/missing.txt \
  -- sh -c "$(cat "$WORK/make.sh")" >"$WORK/run.out" 2>&1
rc=$?
set -e
assert_eq 0 "$rc" "job exit status: $(cat "$WORK/run.out")"
job=$(actl -o json jobs --limit 1 | jq -r '.jobs[0].id')

listing=$(actl -o json artifacts "$job")
paths=$(jq -r '[.artifacts[].path] | sort | join(" ")' <<<"$listing")
assert_eq "out/ok.txt w/a/report.txt w/b/report.txt" "$paths" "stored artifact paths"
actl artifacts "$job" -d "$WORK/dl" >/dev/null 2>&1
a=$(find "$WORK/dl" -path '*w/a/report.txt')
b=$(find "$WORK/dl" -path '*w/b/report.txt')
assert_eq "report of a" "$(cat "$a")" "a/report.txt downloaded"
assert_eq "report of b" "$(cat "$b")" "b/report.txt downloaded, not overwritten by a's"
pass "same-named artifacts in different directories keep their paths"

status=$(actl -o json status "$job")
notes=$(jq -r '.tasks[0].attempts[0].notes[]' <<<"$status")
assert_contains "$notes" "artifact /w/big.bin: skipped w/big.bin: its 2000000 bytes would pass the 1 MiB limit" "oversize note"
assert_contains "$notes" "skipped out/link: a symlink to /etc/passwd (points out of the copied tree" "symlink note"
assert_contains "$notes" 'skipped out/bad\nname: its name holds a control character' "newline-name note"
assert_contains "$notes" "artifact /: not copied: it names the container's root directory" "root note"
assert_contains "$notes" "artifact /w/empty: nothing to copy (an empty directory)" "empty directory note"
assert_contains "$notes" "not in the container (nothing copied): /w/missing.txt" "missing note"
[ "$(wc -l <<<"$notes")" -eq 6 ] || fail "expected six notes: $notes"
table=$(actl status "$job")
assert_contains "$table" "notes:" "status shows the notes"
assert_contains "$table" "attempt 1: artifact /w/big.bin: skipped w/big.bin" "status note line"
assert_contains "$(actl logs "$job")" "arena: artifact /: not copied" "the log says it too"
pass "skipped, oversize, symlinked, unsafe, root, empty and missing artifacts are noted in the record"
