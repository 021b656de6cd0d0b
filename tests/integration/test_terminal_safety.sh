#!/usr/bin/env bash
# A job cannot take over the operator's terminal through arenactl: on a
# terminal, streamed job output loses OSC strings (clipboard, title), screen
# clears and hidden text but keeps colour; job-supplied text in arenactl's
# tables and lines (test names, labels, commands) shows control characters
# as visible escapes; arenactl's verdict comes after an attribute reset, so
# the job cannot hide it. `arenactl logs` to a file stays byte-exact.
source "$(dirname "$0")/lib.sh"
PTY="python3 $(dirname "$0")/pty_capture.py"
start_controller ctl
start_agent agent --slots 2

# has FILE PYTHON_BYTES: the captured bytes contain the literal.
has() { python3 -c 'import sys; sys.exit(0 if eval(sys.argv[2]) in open(sys.argv[1], "rb").read() else 1)' "$1" "$2"; }
lacks() { ! has "$@"; }

hostile='printf "plain line\n\033]52;c;cHduZWQ=\007\033]0;pwned-title\007\033[2J\033[31mred\n\033[8mhidden-tail"; exit 1'
set +e
$PTY "$WORK/run.tty" "$BIN/arenactl" --controller "$CONTROLLER" --ca-file "$CA" --token "$TOKEN" \
  run --image "$IMAGE" -- sh -c "$hostile"
rc=$?
set -e
assert_eq 1 "$rc" "run of a failing job"
for seq in 'b"\x1b]52"' 'b"\x1b]0;"' 'b"\x1b[2J"' 'b"\x1b[8m"'; do
  lacks "$WORK/run.tty" "$seq" || fail "raw $seq reached the terminal: $(cat -v "$WORK/run.tty")"
done
has "$WORK/run.tty" 'b"plain line"' || fail "plain output lost"
has "$WORK/run.tty" 'b"\x1b[31mred"' || fail "colour dropped"
has "$WORK/run.tty" 'b"hidden-tail"' || fail "text after the conceal dropped"
python3 - "$WORK/run.tty" <<'PY' || fail "verdict not after a reset: $(cat -v "$WORK/run.tty")"
import re, sys
out = open(sys.argv[1], "rb").read()
tail, verdict = out.rindex(b"hidden-tail"), out.rindex(b"verdict: ")
assert out.find(b"\x1b[0m", tail) != -1 and out.find(b"\x1b[0m", tail) < verdict
line = out[verdict:].split(b"\n")[0]
assert re.sub(rb"\x1b\[[0-9;]*m", b"", line).startswith(b"verdict: failed (job job-")
PY
pass "run on a terminal: no OSC, clear or conceal from the job; colour kept; verdict after a reset"

job=$(actl -o json jobs --limit 1 | jq -r '.jobs[0].id')
actl logs "$job" >"$WORK/log.bin"
printf "plain line\n\033]52;c;cHduZWQ=\007\033]0;pwned-title\007\033[2J\033[31mred\n\033[8mhidden-tail" >"$WORK/expected.bin"
cmp "$WORK/log.bin" "$WORK/expected.bin" || fail "logs to a file are not byte-exact"
actl logs "$job" | cmp - "$WORK/expected.bin" || fail "logs to a pipe are not byte-exact"
$PTY "$WORK/logs.tty" "$BIN/arenactl" --controller "$CONTROLLER" --ca-file "$CA" --token "$TOKEN" logs "$job"
lacks "$WORK/logs.tty" 'b"\x1b]52"' || fail "logs on a terminal passed OSC 52"
has "$WORK/logs.tty" 'b"hidden-tail"' || fail "logs on a terminal lost text"
pass "logs: byte-exact to a file and a pipe, filtered on a terminal"

# Job-supplied names: a listed test id carrying a title change, a failing
# test printing OSC 52, and the command itself holding raw escapes.
set +e
$PTY "$WORK/tests.tty" "$BIN/arenactl" --controller "$CONTROLLER" --ca-file "$CA" --token "$TOKEN" \
  run --image "$IMAGE" --list-command 'printf "ok_one\nbad\033]0;pwned\007name\n"' \
  --test-command 't={test}; case "$t" in ok*) exit 0;; esac; printf "\033]52;c;eA==\007oops\n"; exit 1'
rc=$?
set -e
assert_eq 1 "$rc" "run of a test job with a failing test"
lacks "$WORK/tests.tty" 'b"\x1b]0;pwned"' || fail "a test name set the title: $(cat -v "$WORK/tests.tty")"
lacks "$WORK/tests.tty" 'b"\x1b]52"' || fail "a failure tail wrote the clipboard"
has "$WORK/tests.tty" 'rb"bad\x1b]0;pwned\x07name"' || fail "test name not shown escaped: $(cat -v "$WORK/tests.tty")"
has "$WORK/tests.tty" 'b"oops"' || fail "failure tail not shown"
tests_job=$(actl -o json jobs --limit 1 | jq -r '.jobs[0].id')
actl submit --image "$IMAGE" -- sh -c $'echo \033]0;cmd-title\007' >/dev/null
for listing in "status $tests_job" "results $tests_job" "jobs"; do
  # shellcheck disable=SC2086
  actl $listing >"$WORK/listing.txt"
  lacks "$WORK/listing.txt" 'b"\x1b"' || fail "raw ESC in arenactl $listing: $(cat -v "$WORK/listing.txt")"
  $PTY "$WORK/listing.tty" "$BIN/arenactl" --controller "$CONTROLLER" --ca-file "$CA" \
    --token "$TOKEN" $listing
  lacks "$WORK/listing.tty" 'b"\x1b]0;"' || fail "title change through arenactl $listing"
done
assert_contains "$(actl status "$tests_job")" 'bad\x1b]0;pwned\x07name' "status shows the escaped test name"
assert_contains "$(actl jobs)" 'echo \x1b]0;cmd-title\x07' "jobs shows the escaped command"
pass "test names, failure tails and commands cannot reach the terminal raw"

# A label no agent has, holding an escape, in a job file: the waiting
# reason that names it is printed escaped.
printf 'image: %s\ncommand: ["true"]\nrequired_labels: {zone: "\\e[8mgpu"}\n' "$IMAGE" >"$WORK/job.yaml"
set +e
$PTY --seconds 8 "$WORK/wait.tty" "$BIN/arenactl" --controller "$CONTROLLER" --ca-file "$CA" \
  --token "$TOKEN" run -f "$WORK/job.yaml"
set -e
has "$WORK/wait.tty" 'rb"zone=\x1b[8mgpu"' || fail "escaped label not in the waiting reason: $(cat -v "$WORK/wait.tty")"
lacks "$WORK/wait.tty" 'b"\x1b[8m"' || fail "raw conceal from a label"
waiting=$(actl -o json jobs --limit 1 | jq -r '.jobs[0].id')
actl cancel "$waiting" >/dev/null
pass "a hostile required label is shown escaped in the waiting reason"
