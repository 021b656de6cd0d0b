#!/usr/bin/env bash
# Registry credentials against a real registry (Debian's docker-registry with
# TLS and htpasswd on 127.0.0.1). `arenactl registry login` stores them
# sealed; they go only into the Assign of a task pulling from that host and
# only into the Engine API's registry auth: never the container's env, the
# job's log, the agent's state dir, the database or an API answer. No or
# wrong credentials end the task `error` "registry HOST refused credentials
# for NAME" with no retry. An agent's own Docker config (--docker-config)
# serves when the controller has none; the controller's win when both do.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/registry.sh"
start_registry priv htpasswd
PRIV="$REG/priv/busybox:1"
push_single "$PRIV"
drop_images() { drop_registry_images "$REG" "$PRIV"; }
drop_images
trap 'rc=$?; set +e; drop_images; (exit "$rc"); registry_cleanup' EXIT
start_controller ctl 0
start_agent a1 --docker-config "$WORK/no-such-config.json" --pull-stall-timeout 3s --pull-timeout 20s

# run_error IMAGE: runs a pulling task with --retries 2 that must end error;
# sets STATUS to the job's JSON.
run_error() {
  set +e
  out=$(actl run --image "$1" --pull always --retries 2 -- true 2>&1)
  local rc=$?
  set -e
  assert_eq 3 "$rc" "exit code for $1: $out"
  local job
  job=$(actl -o json jobs --limit 1 | jq -r '.jobs[0].id')
  STATUS=$(actl -o json status "$job")
  assert_eq ERROR "$(jq -r '.tasks[0].state' <<<"$STATUS")" "task state"
  assert_eq 1 "$(jq -r '.tasks[0].attempts | length' <<<"$STATUS")" "attempts despite --retries 2"
}

run_error "$PRIV"
assert_contains "$(jq -r '.tasks[0].reason' <<<"$STATUS")" \
  "registry $REG refused credentials for $PRIV (none were given" "reason without credentials"
pass "no credentials -> error \"registry HOST refused credentials for NAME\", not retried"

# Bad input is refused with one readable line; an operator's login works.
expect_usage "invalid registry host" actl registry login "bad host" --username u --password-stdin <<<"p"
expect_usage "registry login needs --username" actl registry login "$REG" --password-stdin <<<"p"
expect_usage "stdin held no password" actl registry login "$REG" --username u --password-stdin </dev/null
expect_http 400 "invalid registry host" -X POST -H "Authorization: Bearer $TOKEN" \
  -d '{"host": "no/slash", "username": "u", "password": "p"}' "$CTL_URL/api/v1/registries"
submitter=$(actl token create --name sub --role submitter)
expect_usage "operator" "$BIN/arenactl" --controller "$CONTROLLER" --ca-file "$CA" --token "$submitter" \
  registry login "$REG" --username u --password-stdin <<<"p"
pass "registry login refuses bad hosts, missing flags, empty stdin and submitters"

actl registry login "$REG" --username "$REG_USER" --password-stdin <<<"wrong-$REG_PASS" >/dev/null
run_error "$PRIV"
assert_eq "registry $REG refused credentials for $PRIV" "$(jq -r '.tasks[0].reason' <<<"$STATUS")" \
  "reason with a wrong password"
pass "wrong password -> error \"registry HOST refused credentials for NAME\", not retried"

actl registry login "$REG" --username "$REG_USER" --password-stdin <<<"$REG_PASS" >/dev/null
listed=$(actl registry list)
assert_contains "$listed" "$REG" "registry list host"
assert_contains "$listed" "$REG_USER" "registry list username"
rest=$(curl -s -H "Authorization: Bearer $TOKEN" "$CTL_URL/api/v1/registries")
assert_contains "$rest" "\"host\":\"$REG\"" "REST list"
case "$listed$rest$(actl -o json registry list)" in *"$REG_PASS"*) fail "a listing shows the password" ;; esac
assert_contains "$(actl audit)" "registry.login" "audit of the login"
pass "registry list (CLI and REST) names hosts and usernames only; logins audited"

out=$(actl run --image "$PRIV" --pull always -- sh -c 'env; echo pulled-and-ran' 2>&1) ||
  fail "pull with the controller's credentials: $out"
assert_contains "$out" "pulled-and-ran" "the task ran"
job=$(actl -o json jobs --limit 1 | jq -r '.jobs[0].id')
case "$out$(actl logs "$job")$(actl -o json status "$job")" in
  *"$REG_PASS"*) fail "the password reached the container's env, the log or the job" ;;
esac
! grep -rqaF "$REG_PASS" "$AGENT_DIR" || fail "the password is in the agent's state dir"
! grep -rqaF "$REG_PASS" "$CTL_DIR" || fail "the password is in the controller's data dir (database)"
! grep -qaF "$REG_PASS" "$WORK/ctl.log" "$WORK/a1.log" || fail "the password is in a process log"
assert_contains "$(cat "$WORK/a1.log")" "credentials for $REG: the controller's credentials ($REG_USER)" \
  "the agent logs which credentials it used"
pass "a private image pulls with the controller's credentials; the password is nowhere else"

run_error "$REG/priv/busybox:nope"
assert_eq "image $REG/priv/busybox:nope not found in $REG" "$(jq -r '.tasks[0].reason' <<<"$STATUS")" \
  "missing tag with credentials"
pass "a missing tag with good credentials -> error \"image NAME not found in HOST\""

# The host's own Docker config serves when the controller has none, and
# loses to the controller's when both exist.
actl registry logout "$REG" >/dev/null
[ "$(actl -o json registry list | jq '.credentials | length')" = 0 ] || fail "logout left the credential"
kill "$AGENT_PID"
wait_until 10 process_gone "$AGENT_PID" || fail "agent a1 did not stop"
config="$WORK/docker-config.json"
printf '{"auths": {"https://%s": {"auth": "%s"}}}\n' "$REG" \
  "$(printf '%s:%s' "$REG_USER" "$REG_PASS" | base64 -w0)" >"$config"
start_agent a2 --docker-config "$config"
drop_images
out=$(actl run --image "$PRIV" --pull always -- echo via-config 2>&1) || fail "pull with the host's config: $out"
assert_contains "$(cat "$WORK/a2.log")" "credentials for $REG: $config ($REG_USER)" "config credentials logged"
printf '{"auths": {"%s": {"username": "%s", "password": "wrong"}}}\n' "$REG" "$REG_USER" >"$config"
actl registry login "$REG" --username "$REG_USER" --password-stdin <<<"$REG_PASS" >/dev/null
out=$(actl run --image "$PRIV" --pull always -- echo controller-wins 2>&1) || fail "controller's should win: $out"
assert_eq 1 "$(grep -c "credentials for $REG: the controller's credentials" "$WORK/a2.log")" \
  "the controller's credentials were used"
pass "--docker-config serves without controller credentials; the controller's win when both exist"
