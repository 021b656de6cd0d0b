#!/usr/bin/env bash
# Private repositories over SSH: Debian's openssh-server sshd on a loopback
# port with its own host key and a deploy key. `arenactl git login HOST
# --ssh-key-file F --known-hosts F` pins the host key; the agent clones with
# GIT_SSH_COMMAND (the key and known hosts in 0600 files of its state dir,
# StrictHostKeyChecking=yes). Covered: a clone at a commit, the key absent
# from the container, .git/config, the log, the agent's state dir and the
# controller's data dir; a key the server does not accept and a host key
# that is not the pinned one end the task `error` without retries.
source "$(dirname "$0")/lib.sh"
[ -x /usr/sbin/sshd ] || fail "sshd missing (deploy/setup-test-tools.sh installs openssh-server)"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

S="$WORK/ssh-server"
mkdir -p "$S/repos" "$S/src"
chmod 700 "$S"
git -C "$S/src" init -q
echo "first" >"$S/src/file.txt"
git -C "$S/src" add file.txt
git -C "$S/src" -c user.name=t -c user.email=t@localhost commit -qm one
FIRST=$(git -C "$S/src" rev-parse HEAD)
echo "second" >"$S/src/file.txt"
git -C "$S/src" -c user.name=t -c user.email=t@localhost commit -qam two
git clone -q --bare "$S/src" "$S/repos/app.git"
ssh-keygen -q -t ed25519 -N '' -f "$S/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$S/other_host_key"
ssh-keygen -q -t ed25519 -N '' -C deploy -f "$S/deploy_key"
ssh-keygen -q -t ed25519 -N '' -C stranger -f "$S/stranger_key"
echo "restrict $(cat "$S/deploy_key.pub")" >"$S/authorized_keys"
chmod 600 "$S/authorized_keys"
PORT=$(free_port)
USER_NAME=$(id -un)
cat >"$S/sshd_config" <<CONF
ListenAddress 127.0.0.1
Port $PORT
HostKey $S/host_key
AuthorizedKeysFile $S/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
AllowUsers $USER_NAME
StrictModes no
UsePAM no
PidFile $S/sshd.pid
CONF
mkdir -p /run/sshd
/usr/sbin/sshd -D -f "$S/sshd_config" -E "$WORK/sshd.log" &
PIDS+=("$!")
HOST="127.0.0.1:$PORT"
REPO="ssh://$USER_NAME@$HOST$S/repos/app.git"
echo "[127.0.0.1]:$PORT $(cut -d' ' -f1-2 "$S/host_key.pub")" >"$S/known_hosts"
echo "[127.0.0.1]:$PORT $(cut -d' ' -f1-2 "$S/other_host_key.pub")" >"$S/wrong_known_hosts"
wait_until 10 env GIT_SSH_COMMAND="ssh -F /dev/null -i $S/deploy_key -o IdentitiesOnly=yes -o UserKnownHostsFile=$S/known_hosts -o StrictHostKeyChecking=yes" \
  git ls-remote "$REPO" || fail "the ssh server did not start"
KEY_LINE=$(sed -n 2p "$S/deploy_key")  # a line of the private key's body

start_controller ctl 0
start_agent a1

actl git login "$HOST" --ssh-key-file "$S/deploy_key" --known-hosts "$S/known_hosts" >/dev/null
assert_contains "$(actl git list)" "ssh-key" "git list kind"
out=$(actl run --repo "$REPO" --commit "$FIRST" -- sh -c \
  'cat file.txt; env; cat .git/config; find /workspace -type f -exec cat {} +' 2>&1) \
  || fail "clone with the deploy key: $out"
assert_contains "$out" "first" "the checkout is at the first commit"
job=$(actl -o json jobs --limit 1 | jq -r '.jobs[0].id')
case "$out$(actl logs "$job")" in *"$KEY_LINE"*) fail "the key reached the container or the log" ;; esac
[ -z "$(ls -A "$AGENT_DIR/git" 2>/dev/null)" ] || fail "key files left: $(ls "$AGENT_DIR/git")"
! grep -rqF "$KEY_LINE" "$AGENT_DIR" || fail "the key is in the agent's state dir"
! grep -rqaF "$KEY_LINE" "$CTL_DIR" || fail "the key is in the controller's data dir"
pass "an SSH repo clones at a commit with a pinned host key; the key is in no container, log, state or database"

expect_refusal() {  # NEEDLE WHAT
  set +e
  out=$(actl run --retries 2 --repo "$REPO" -- true 2>&1)
  rc=$?
  set -e
  assert_eq 3 "$rc" "exit status: $2"
  job=$(actl -o json jobs --limit 1 | jq -r '.jobs[0].id')
  status=$(actl -o json status "$job")
  assert_eq ERROR "$(jq -r '.tasks[0].state' <<<"$status")" "task state: $2"
  assert_contains "$(jq -r '.tasks[0].reason' <<<"$status")" "$1" "reason: $2"
  assert_eq 1 "$(jq -r '.tasks[0].attempts | length' <<<"$status")" "attempts: $2"
}

actl git login "$HOST" --ssh-key-file "$S/stranger_key" --known-hosts "$S/known_hosts" >/dev/null
expect_refusal "git $HOST refused credentials for $REPO" "a key the server does not accept"
pass "a key the server refuses ends the task error \"git HOST refused credentials\", not retried"

actl git login "$HOST" --ssh-key-file "$S/deploy_key" --known-hosts "$S/wrong_known_hosts" >/dev/null
expect_refusal "SSH host key is not a pinned known host" "a host key that is not the pinned one"
pass "a host key other than the pinned one is refused, not retried"

echo "[127.0.0.1]:1 $(cut -d' ' -f1-2 "$S/host_key.pub")" >"$S/unknown_known_hosts"
actl git login "$HOST" --ssh-key-file "$S/deploy_key" --known-hosts "$S/unknown_known_hosts" >/dev/null
expect_refusal "SSH host key is not a pinned known host" "a host with no pinned key"
pass "an unknown host key is refused, not retried"
