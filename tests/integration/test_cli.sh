#!/usr/bin/env bash
# arenactl for people: a config file beside flags and environment (flags win,
# then the environment, then the file), bash completion written from the
# command table (valid bash; commands, sub-commands, flags, fixed values),
# every command's --help, a mistyped flag named with the nearest one, colours
# only on a terminal (and never with NO_COLOR), relative times, and one
# readable line for a broken config.
source "$(dirname "$0")/lib.sh"
start_controller ctl
start_agent agent --slots 1
job=$(actl submit -- true)
actl wait "$job" >/dev/null

mkdir -p "$WORK/home/.config/arena"
printf '# arena\ncontroller = %s\nca-file = %s\ntoken = %s\n' "$CONTROLLER" "$CA" "$TOKEN" \
  >"$WORK/home/.config/arena/config"
plain() { env -u ARENA_CONTROLLER -u ARENA_CA_FILE -u ARENA_TOKEN HOME="$WORK/home" "$BIN/arenactl" "$@"; }
listing=$(plain jobs)
assert_contains "$listing" "$job" "jobs from the config file alone"
assert_contains "$listing" "s ago" "relative times"
set +e
ARENA_CONTROLLER=127.0.0.1:1 HOME="$WORK/home" "$BIN/arenactl" jobs >/dev/null 2>"$WORK/err"
rc=$?
set -e
assert_eq 2 "$rc" "the environment wins over the file"
assert_contains "$(cat "$WORK/err")" "cannot reach controller at 127.0.0.1:1" "env controller used"
ARENA_CONTROLLER=127.0.0.1:1 HOME="$WORK/home" "$BIN/arenactl" --controller "$CONTROLLER" jobs >/dev/null ||
  fail "a flag wins over the environment"
echo "output = json" >>"$WORK/home/.config/arena/config"
plain jobs | jq -e '.jobs | length >= 1' >/dev/null || fail "output from the config file"
echo "colour = always" >>"$WORK/home/.config/arena/config"
set +e
plain jobs >/dev/null 2>"$WORK/err"
rc=$?
set -e
assert_eq 2 "$rc" "a bad config line"
assert_contains "$(cat "$WORK/err")" "config:6:" "path and line named"
[ "$(wc -l <"$WORK/err")" -eq 1 ] || fail "one line: $(cat "$WORK/err")"
pass "config file, environment and flags in that order of precedence"

completion=$(bash -c "source <('$BIN/arenactl' completion bash); COMP_WORDS=(arenactl sta); COMP_CWORD=1; _arenactl; echo \${COMPREPLY[*]}")
assert_eq "status" "$completion" "completes commands"
completion=$(bash -c "source <('$BIN/arenactl' completion bash); COMP_WORDS=(arenactl run --sui); COMP_CWORD=2; _arenactl; echo \${COMPREPLY[*]}")
assert_eq "--suite --suite-serial" "$completion" "completes flags"
[ -s "$BIN/../arenactl.bash" ] || fail "the build writes arenactl.bash for the package"
"$BIN/arenactl" completion bash >"$WORK/arenactl.bash"
bash -n "$WORK/arenactl.bash" || fail "the completion script is not valid bash"
cmp -s "$WORK/arenactl.bash" "$BIN/../arenactl.bash" || fail "the packaged script differs from the binary's"
complete_line() {  # CWORD WORD...: what _arenactl offers for word CWORD
  local cword=$1
  shift
  bash -c 'source "$1"; shift; COMP_CWORD=$1; shift; COMP_WORDS=("$@"); _arenactl; echo "${COMPREPLY[*]}"' \
    _ "$WORK/arenactl.bash" "$cword" "$@"
}
assert_eq "run" "$(complete_line 1 arenactl ru)" "ru<TAB> completes to run"
assert_eq "status" "$(complete_line 3 arenactl --controller h:1 sta)" "a global flag's value is not the command"
assert_eq "none host bridge" "$(complete_line 3 arenactl run --network '')" "--network's values"
assert_eq "table json" "$(complete_line 3 arenactl jobs -o '')" "-o's values after the command"
assert_eq "operator" "$(complete_line 4 arenactl token create --role op)" "--role's values"
assert_eq "login list logout" "$(complete_line 2 arenactl git '')" "git's sub-commands"
assert_eq "--known-hosts" "$(complete_line 4 arenactl git login h --kn)" "git login's flags"
assert_eq "--reason" "$(complete_line 4 arenactl quarantine add t --r)" "quarantine add's flags"
assert_eq "bash" "$(complete_line 2 arenactl completion '')" "completion's shells"
pass "bash completion for commands and flags"

piped=$(actl status "$job")
[[ "$piped" != *$'\033['* ]] || fail "colour codes in piped output"
tty_out=$(TERM=xterm script -qec "'$BIN/arenactl' --controller $CONTROLLER --ca-file $CA --token $TOKEN status $job" /dev/null)
[[ "$tty_out" == *$'\033[32m'* ]] || fail "no colour on a terminal: $tty_out"
no_colour=$(NO_COLOR=1 TERM=xterm script -qec "'$BIN/arenactl' --controller $CONTROLLER --ca-file $CA --token $TOKEN status $job" /dev/null)
[[ "$no_colour" != *$'\033[32m'* ]] || fail "NO_COLOR ignored"
pass "colours on a terminal only, and not with NO_COLOR"

# Global flags after the command, as kubectl and nomad users type them.
after=$("$BIN/arenactl" status "$job" -o json --controller "$CONTROLLER" --ca-file "$CA" --token "$TOKEN")
assert_eq "PASSED" "$(jq -r .state <<<"$after")" "status JOB -o json with the flags after the command"
set +e
"$BIN/arenactl" staus "$job" 2>"$WORK/err"
rc=$?
set -e
assert_eq 2 "$rc" "an unknown command"
assert_eq 'arenactl: unknown command "staus"; did you mean "status"?' "$(cat "$WORK/err")" "the nearest command"
logs_help=$("$BIN/arenactl" logs --help)
assert_contains "$logs_help" "logs JOB [--task ID|ARCH]" "logs --help"
[[ "$logs_help" != *"wait JOB"* ]] || fail "logs --help shows other commands: $logs_help"
for command in $("$BIN/arenactl" --help | sed -n '/^commands:/,/^$/s/^  \([a-z-]*\).*/\1/p' | sort -u); do
  help=$("$BIN/arenactl" "$command" --help)
  assert_contains "$help" "usage: arenactl [GLOBAL FLAGS] $command" "$command --help"
done
# Every flag a command reads is one the table declares (and so one its
# --help, the parser and the completion know).
declared=$(for command in $("$BIN/arenactl" --help | sed -n '/^commands:/,/^$/s/^  \([a-z-]*\).*/\1/p' | sort -u); do
  "$BIN/arenactl" "$command" --help; done; "$BIN/arenactl" --help)
src="$(cd "$(dirname "$0")/../.." && pwd)/cli"
read_flags=$(grep -ohE '(Get|Has|GetAll)\("[a-z-]+"' "$src"/*.cc | sed -E 's/.*\("//; s/"$//' | sort -u)
[ -n "$read_flags" ] || fail "no flag reads found in $src"
for flag in $read_flags; do
  grep -qE -- "--$flag( |$)" <<<"$declared" || fail "cli/ reads --$flag, which no command declares"
done
set +e
actl run --timout 10m -- true 2>"$WORK/err"
rc=$?
set -e
assert_eq 2 "$rc" "an unknown flag"
assert_eq "arenactl: unknown flag --timout for run; did you mean --timeout?" "$(cat "$WORK/err")" "the nearest flag"
set +e
env -u ARENA_CONTROLLER HOME="$WORK/nohome" "$BIN/arenactl" logs "$job" --folow 2>"$WORK/err"
rc=$?
set -e
assert_eq 2 "$rc" "an unknown flag without a controller"
assert_eq "arenactl: unknown flag --folow for logs; did you mean --follow?" "$(cat "$WORK/err")" \
  "the flag is named before the missing controller"
pass "global flags anywhere before --, the nearest command or flag for a typo, per-command --help"

start_controller jsonlog 0 --log-format json --log-level debug
start_agent jsonagent --log-format json
json_lines=$(grep '^{' "$WORK/jsonlog.log")
[ -n "$json_lines" ] || fail "no JSON log lines: $(cat "$WORK/jsonlog.log")"
jq -e -s 'all(has("ts") and has("level") and has("component") and has("msg"))' <<<"$json_lines" >/dev/null ||
  fail "log lines are not JSON events: $json_lines"
jq -e -s 'any(.component == "scheduler" and (.msg | contains("connected")))' <<<"$json_lines" >/dev/null ||
  fail "no scheduler event: $json_lines"
grep '^{' "$WORK/jsonagent.log" | jq -e -s 'length > 0 and all(.level == "info" or .level == "warn" or .level == "error" or .level == "debug")' >/dev/null ||
  fail "agent JSON log: $(cat "$WORK/jsonagent.log")"
set +e
"$BIN/arena-controller" --data-dir "$WORK/x" --log-level loud 2>"$WORK/err"
rc=$?
set -e
assert_eq 2 "$rc" "bad --log-level"
assert_contains "$(cat "$WORK/err")" "--log-level wants debug, info, warn or error" "its message"
pass "structured logs: --log-format json gives one JSON event per line; --log-level checked"
