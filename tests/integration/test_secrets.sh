#!/usr/bin/env bash
# Job secrets reach the container as environment variables, are masked in
# stored and streamed logs (also when a value is split across two writes and
# two log chunks), and are never written in plain text to the database, the
# data dirs, or the controller's and agent's own logs.
source "$(dirname "$0")/lib.sh"
start_controller ctl
start_agent agent
value='s3cr3t-V4lue-0123456789'
printf '%s\n' 'file-held-secret-987' >"$WORK/secret.txt"

script='echo "token=$API_TOKEN"; printf "split: s3cr3t-V4"; sleep 0.5; printf "lue-0123456789 done\n"; echo "file: $FROM_FILE"; sleep 0.3; echo "stderr: $API_TOKEN" >&2; test ${#API_TOKEN} -eq 23'
out=$(actl run --secret "API_TOKEN=$value" --secret-file "FROM_FILE=$WORK/secret.txt" -- sh -c "$script" 2>&1) ||
  fail "secret job failed: $out"
job=$(actl -o json jobs --limit 1 | json_field 'd["jobs"][0]["id"]')
stored=$(actl logs "$job")
for text in "$out" "$stored"; do
  case "$text" in *"$value"* | *s3cr3t-V4*lue* | *file-held-secret*) fail "a secret leaked: $text" ;; esac
done
assert_contains "$stored" "token=***" "masked on stdout"
assert_contains "$stored" "stderr: ***" "masked on stderr"
assert_contains "$stored" "split: *** done" "masked across two writes"
assert_contains "$stored" "file: ***" "secret from a file"
pass "secrets reach the container and are masked in streamed and stored logs"

status=$(actl -o json status "$job")
case "$status" in *"$value"*) fail "status shows the secret" ;; esac
assert_eq "API_TOKEN,FROM_FILE" "$(echo "$status" | json_field '",".join(d["spec"]["secret_names"])')" "secret names visible"
if grep -rqa -e "$value" -e file-held-secret "$CTL_DIR" "$WORK/agent" "$WORK/ctl.log" "$WORK/agent.log"; then
  fail "a secret is stored in plain text under the data dirs or in a log"
fi
curl -s -H "Authorization: Bearer $TOKEN" "$CTL_URL/api/v1/jobs/$job" | grep -q "$value" &&
  fail "REST shows the secret"
pass "secrets never stored or shown in plain text (database, log files, process logs, APIs)"

set +e
out=$(actl submit --secret "1BAD=x" -- true 2>&1); rc=$?
set -e
assert_eq 2 "$rc" "bad secret name"
assert_contains "$out" "invalid secret name" "bad secret name message"
pass "bad secret names are refused"
