#!/usr/bin/env bash
# An agent started without --allow-local-repos refuses repositories on its
# own host (file:// URLs, plain paths) and git transports that run commands
# there (ext::): the task ends `error` with the reason, nothing is cloned or
# run. With the flag (as every other test's agents have) file:// works.
source "$(dirname "$0")/lib.sh"
# start_controller allows local repositories, so the agent's own check is
# what this test sees; the controller's check is the last part.
start_controller ctl 0

repo="$WORK/repo"
mkdir -p "$repo"
git -C "$repo" init -q
echo "secret on the agent host" >"$repo/file.txt"
git -C "$repo" add file.txt
git -C "$repo" -c user.name=t -c user.email=t@localhost commit -qm one

AGENT_DIR="$WORK/strict"
"$BIN/arena-agent" --controller "$CONTROLLER" --ca-file "$CA" --state-dir "$AGENT_DIR" \
  --join-token "$(actl join-token create)" >"$WORK/strict.log" 2>&1 &
PIDS+=("$!")
wait_until 10 test -f "$AGENT_DIR/agent.id" || fail "agent did not enroll"
wait_until 10 agent_connected "$(cat "$AGENT_DIR/agent.id")" || fail "agent did not connect"

for url in "file://$repo" "$repo"; do
  set +e
  out=$(actl run --repo "$url" -- cat file.txt 2>&1)
  rc=$?
  set -e
  assert_eq 3 "$rc" "exit status of a job with repo $url"
  job=$(actl -o json jobs --limit 1 | jq -r '.jobs[0].id')
  status=$(actl -o json status "$job")
  assert_eq ERROR "$(jq -r '.tasks[0].state' <<<"$status")" "task state for $url"
  assert_contains "$(jq -r '.tasks[0].reason' <<<"$status")" "refuses local repositories" "reason for $url"
  case "$out" in *"secret on the agent host"*) fail "the local repository was cloned: $out" ;; esac
done
[ -z "$(ls -A "$AGENT_DIR/work" 2>/dev/null)" ] || fail "something was checked out: $(ls "$AGENT_DIR/work")"
pass "file:// and path repositories are refused with the reason; nothing cloned"

marker="$WORK/ext-ran"
set +e
out=$(actl run --repo "ext::sh -c touch% $marker" -- true 2>&1)
rc=$?
set -e
[ "$rc" -ne 0 ] || fail "an ext:: repository job passed: $out"
[ ! -e "$marker" ] || fail "the ext:: transport ran a command on the agent's host"
if [ "$rc" -eq 3 ]; then
  job=$(actl -o json jobs --limit 1 | jq -r '.jobs[0].id')
  assert_contains "$(actl -o json status "$job" | jq -r '.tasks[0].reason')" "git transport" "ext:: reason"
fi
pass "an ext:: transport is refused and runs nothing (exit $rc)"

start_agent relaxed --labels relaxed=yes
out=$(actl run --label relaxed=yes --repo "file://$repo" -- cat file.txt 2>&1) || fail "file:// with --allow-local-repos: $out"
assert_contains "$out" "secret on the agent host" "checkout with --allow-local-repos"
pass "an agent started with --allow-local-repos clones file:// repositories"

# A controller started without --allow-local-repos refuses them at submit.
kill "$CTL_PID"
wait_until 10 process_gone "$CTL_PID" || fail "controller did not stop"
"$BIN/arena-controller" --data-dir "$CTL_DIR" --listen "$CONTROLLER" --http-listen 127.0.0.1:0 \
  --default-image "$IMAGE" >>"$WORK/strict-ctl.log" 2>&1 &
CTL_PID=$!; PIDS+=("$CTL_PID")
wait_until 10 actl jobs || fail "strict controller did not start"
for url in "file://$repo" "$repo" "ext::sh -c true"; do
  set +e
  out=$(actl submit --repo "$url" -- true 2>&1)
  rc=$?
  set -e
  assert_eq 2 "$rc" "submit of repo $url to a strict controller"
  assert_contains "$out" "repositor" "refusal of $url"
done
assert_contains "$(actl submit --repo "file://$repo" -- true 2>&1 || true)" "refuses local repositories" "file:// refusal"
pass "a controller without --allow-local-repos refuses file://, path and ext:: repositories at submit"
