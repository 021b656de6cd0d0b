#!/usr/bin/env bash
# Sets up a test host in one command (as root):
#   install-agent.sh CONTROLLER JOIN_TOKEN CA_FILE [AGENT FLAGS...]
#   e.g. install-agent.sh ci.example.com:7443 jt-... ca.pem --slots 4 --labels gpu=1
# Installs Docker, git and qemu-user-static if missing, the arena-agent
# package (ARENA_AGENT_DEB, or arena-agent_*.deb beside this script, unless
# /usr/bin/arena-agent is already there), the controller's CA and the
# agent's arguments in /etc/arena, enrolls once with the join token as the
# arena-agent user, and starts the systemd service. Idempotent: a host that
# is already enrolled keeps its identity.
set -euo pipefail
if [ $# -lt 3 ]; then
  sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
controller=$1 token=$2 ca=$3
shift 3
[ "$(id -u)" -eq 0 ] || { echo "install-agent: run as root" >&2; exit 2; }
[ -r "$ca" ] && grep -q "BEGIN CERTIFICATE" "$ca" || { echo "install-agent: $ca is not a PEM CA file" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)

missing=()
for p in docker.io git qemu-user-static adduser; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
command -v dockerd >/dev/null && missing=("${missing[@]/docker.io}")
packages=()
for p in "${missing[@]}"; do [ -n "$p" ] && packages+=("$p"); done
if [ ${#packages[@]} -gt 0 ]; then
  echo "install-agent: installing ${packages[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi

deb=${ARENA_AGENT_DEB:-$(ls "$here"/arena-agent_*.deb 2>/dev/null | head -1 || true)}
if [ -n "$deb" ]; then
  echo "install-agent: installing $deb"
  dpkg -i "$deb" >/dev/null
elif [ ! -x /usr/bin/arena-agent ]; then
  echo "install-agent: no arena-agent package (set ARENA_AGENT_DEB=path/to/arena-agent_*.deb)" >&2
  exit 2
fi
getent passwd arena-agent >/dev/null || { echo "install-agent: the package did not create arena-agent" >&2; exit 1; }

install -d -m 0755 /etc/arena
install -m 0644 "$ca" /etc/arena/ca.pem
extra=""
[ $# -gt 0 ] && extra=$(printf ' %q' "$@")
printf 'ARENA_AGENT_ARGS="--controller %s --ca-file /etc/arena/ca.pem%s"\n' "$controller" "$extra" \
  >/etc/arena/agent.env
install -d -o arena-agent -g arena-agent -m 0700 /var/lib/arena-agent /var/lib/arena-agent/work
agent_id=$(runuser -u arena-agent -- /usr/bin/arena-agent --state-dir /var/lib/arena-agent \
  --controller "$controller" --ca-file /etc/arena/ca.pem --join-token "$token" --enroll-only)
echo "install-agent: enrolled as $agent_id"

if [ -d /run/systemd/system ] && [ -z "${ARENA_NO_START:-}" ]; then
  systemctl daemon-reload
  systemctl enable --now arena-agent.service
  systemctl is-active --quiet arena-agent.service && echo "install-agent: arena-agent.service is running"
else
  echo "install-agent: systemd is not running here; start the agent with:"
  echo "  runuser -u arena-agent -- sh -c '. /etc/arena/agent.env; exec /usr/bin/arena-agent --state-dir /var/lib/arena-agent --work-dir /var/lib/arena-agent/work \$ARENA_AGENT_ARGS'"
fi
