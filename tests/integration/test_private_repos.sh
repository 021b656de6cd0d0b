#!/usr/bin/env bash
# Private repositories over HTTPS: a real `git http-backend` behind Debian's
# lighttpd with TLS (its own CA) and basic auth on 127.0.0.1. The token is
# stored with `arenactl git login`, sent only in the Assign of a job whose
# repo is on that host, and used only for the clone: it never reaches the
# container, the checkout's .git/config, the job's log, the agent's state
# dir or the controller's data dir (its SQLite file included). Wrong
# credentials end the task `error` "git HOST refused credentials for REPO"
# with no retry.
source "$(dirname "$0")/lib.sh"
command -v lighttpd >/dev/null || fail "lighttpd missing (deploy/setup-test-tools.sh installs it)"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# The server: a bare repo with two commits, a certificate for 127.0.0.1.
G="$WORK/git-server"
mkdir -p "$G/repos" "$G/www" "$G/src"
git -C "$G/src" init -q
echo "first" >"$G/src/file.txt"
git -C "$G/src" add file.txt
git -C "$G/src" -c user.name=t -c user.email=t@localhost commit -qm one
FIRST=$(git -C "$G/src" rev-parse HEAD)
echo "second" >"$G/src/file.txt"
git -C "$G/src" -c user.name=t -c user.email=t@localhost commit -qam two
git clone -q --bare "$G/src" "$G/repos/app.git"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$G/key.pem" \
  -out "$G/cert.pem" -days 2 -subj /CN=127.0.0.1 -addext "subjectAltName=IP:127.0.0.1" 2>/dev/null
cat "$G/key.pem" "$G/cert.pem" >"$G/server.pem"
GIT_TOKEN="tok-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
echo "bot:$GIT_TOKEN" >"$G/users"
PORT=$(free_port)
cat >"$G/lighttpd.conf" <<CONF
server.document-root = "$G/www"
server.bind = "127.0.0.1"
server.port = $PORT
server.errorlog = "$G/error.log"
server.modules = ("mod_auth", "mod_authn_file", "mod_cgi", "mod_setenv", "mod_alias", "mod_openssl")
ssl.engine = "enable"
ssl.pemfile = "$G/server.pem"
auth.backend = "plain"
auth.backend.plain.userfile = "$G/users"
auth.require = ("/" => ("method" => "basic", "realm" => "git", "require" => "valid-user"))
alias.url = ("/git" => "/usr/lib/git-core/git-http-backend")
\$HTTP["url"] =~ "^/git" {
  cgi.assign = ("" => "")
  setenv.add-environment = ("GIT_PROJECT_ROOT" => "$G/repos", "GIT_HTTP_EXPORT_ALL" => "1")
}
CONF
lighttpd -D -f "$G/lighttpd.conf" >"$WORK/lighttpd.log" 2>&1 &
PIDS+=("$!")
HOST="127.0.0.1:$PORT"
REPO="https://$HOST/git/app.git"
wait_until 10 env GIT_SSL_CAINFO="$G/cert.pem" git ls-remote "https://bot:$GIT_TOKEN@$HOST/git/app.git" \
  || fail "the git server did not start"

start_controller ctl 0
start_agent a1

# Operator-only login; the list shows host, kind and username, never the token.
actl git login "$HOST" --username bot --password-stdin --ca-file "$G/cert.pem" <<<"$GIT_TOKEN" >/dev/null
listed=$(actl git list)
assert_contains "$listed" "$HOST" "git list"
assert_contains "$listed" "https-token" "git list kind"
assert_contains "$listed" "bot" "git list username"
rest=$(curl -s -H "Authorization: Bearer $TOKEN" "$CTL_URL/api/v1/git-credentials")
assert_contains "$rest" "\"host\":\"$HOST\"" "REST list"
case "$listed$rest" in *"$GIT_TOKEN"*) fail "a listing shows the token" ;; esac
assert_contains "$(actl audit)" "git.login" "audit of the login"
submitter=$(actl token create --name sub --role submitter)
set +e
out=$(printf 'x' | "$BIN/arenactl" --controller "$CONTROLLER" --ca-file "$CA" --token "$submitter" \
  git login "$HOST" --username bot --password-stdin 2>&1)
rc=$?
set -e
assert_eq 2 "$rc" "a submitter's git login"
pass "git login/list (CLI and REST) for an operator, audited, token never listed; submitters refused"

# Clone at a commit; the container dumps its env and every workspace file.
out=$(actl run --repo "$REPO" --commit "$FIRST" -- sh -c \
  'cat file.txt; echo ENV; env; echo CONFIG; cat .git/config; find /workspace -type f -exec cat {} +' 2>&1) \
  || fail "clone with the token: $out"
assert_contains "$out" "first" "the checkout is at the first commit"
assert_contains "$out" "[remote \"origin\"]" ".git/config was dumped"
job=$(actl -o json jobs --limit 1 | jq -r '.jobs[0].id')
log=$(actl logs "$job")
case "$out$log" in *"$GIT_TOKEN"*) fail "the token reached the container, .git/config or the log" ;; esac
[ -z "$(ls -A "$AGENT_DIR/git" 2>/dev/null)" ] || fail "credential files left: $(ls "$AGENT_DIR/git")"
! grep -rqF "$GIT_TOKEN" "$AGENT_DIR" || fail "the token is in the agent's state dir"
! grep -rqaF "$GIT_TOKEN" "$CTL_DIR" || fail "the token is in the controller's data dir (database)"
! grep -qaF "$GIT_TOKEN" "$WORK/ctl.log" "$WORK/a1.log" || fail "the token is in a process log"
pass "a private HTTPS repo clones at a commit; the token is in no container, config, log, state or database"

# A credential (with the CA) for another port of the same address is not
# sent: the clone has no CA, so the server's certificate is not trusted.
actl git logout "$HOST" >/dev/null
actl git login "127.0.0.1:1" --username bot --password-stdin --ca-file "$G/cert.pem" <<<"$GIT_TOKEN" >/dev/null
set +e
out=$(actl run --retries 2 --repo "$REPO" -- true 2>&1)
rc=$?
set -e
assert_eq 3 "$rc" "exit status with only another port's credential"
job=$(actl -o json jobs --limit 1 | jq -r '.jobs[0].id')
assert_contains "$(actl -o json status "$job" | jq -r '.tasks[0].reason')" "TLS certificate is not trusted" \
  "another port's credential is not sent"
pass "a credential for another port of the host is not sent"

actl git login "$HOST" --username bot --password-stdin --ca-file "$G/cert.pem" <<<"wrong" >/dev/null
set +e
out=$(actl run --retries 2 --repo "$REPO" -- true 2>&1)
rc=$?
set -e
assert_eq 3 "$rc" "exit status with the wrong token"
job=$(actl -o json jobs --limit 1 | jq -r '.jobs[0].id')
status=$(actl -o json status "$job")
assert_eq ERROR "$(jq -r '.tasks[0].state' <<<"$status")" "task state with the wrong token"
assert_eq "git $HOST refused credentials for $REPO" "$(jq -r '.tasks[0].reason' <<<"$status")" \
  "reason with the wrong token"
assert_eq 1 "$(jq -r '.tasks[0].attempts | length' <<<"$status")" "attempts despite --retries 2"
pass "wrong credentials end the task error \"git HOST refused credentials for REPO\", not retried"

actl git logout "$HOST" >/dev/null
assert_contains "$(actl git list)" "127.0.0.1:1" "the other credential stays"
case "$(actl git list)" in *"$HOST "*) fail "logout left $HOST" ;; esac
pass "git logout removes the host's credential"

# The same over REST: POST stores (answering without the token), DELETE removes.
answer=$(curl -s -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  -d "{\"host\":\"rest.example:8443\",\"username\":\"bot\",\"password\":\"$GIT_TOKEN\"}" \
  "$CTL_URL/api/v1/git-credentials")
assert_contains "$answer" "\"kind\":\"https-token\"" "REST login answer"
case "$answer" in *"$GIT_TOKEN"*) fail "the REST answer holds the token" ;; esac
assert_contains "$(actl git list)" "rest.example:8443" "a REST login is listed"
curl -s -X DELETE -H "Authorization: Bearer $TOKEN" "$CTL_URL/api/v1/git-credentials/rest.example:8443" >/dev/null
case "$(actl git list)" in *"rest.example"*) fail "REST DELETE left the credential" ;; esac
! grep -rqaF "$GIT_TOKEN" "$CTL_DIR" || fail "the token is in the controller's data dir after REST"
pass "REST POST and DELETE /api/v1/git-credentials"
