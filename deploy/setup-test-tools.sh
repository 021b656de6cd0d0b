#!/usr/bin/env bash
# What the tests need beyond the build: Go and gotestsum (real `go test`
# JUnit), the Allure command line (npm allure-commandline, run it with
# ALLURE_NO_ANALYTICS=true; Java from the Debian JRE), Chromium and
# playwright-core (dashboard tests), both npm packages into /opt/arena-tools,
# the pytest and Go images, the private git servers (lighttpd with git http-backend,
# openssh-server's sshd) and a registry for pull tests (docker-registry,
# apache2-utils for htpasswd, buildah for multi-arch OCI indexes) and what
# the Allure server peer runs on (Debian's python3-flask, -waitress,
# -requests); tests start their own servers on loopback.
# Idempotent: each step is skipped when already done.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tools=${ARENA_TOOLS_DIR:-/opt/arena-tools}

missing=()
for p in golang-go gotestsum default-jre-headless nodejs debootstrap chromium systemd docker-compose \
  lighttpd lighttpd-mod-openssl openssh-server docker-registry apache2-utils buildah \
  python3-flask python3-waitress python3-requests; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# A machine may carry its own node/npm and java outside Debian's packages.
command -v java >/dev/null && missing=("${missing[@]/default-jre-headless}")
command -v npm >/dev/null && missing=("${missing[@]/nodejs}")
packages=()
for p in "${missing[@]}"; do [ -n "$p" ] && packages+=("$p"); done
if [ ${#packages[@]} -gt 0 ]; then
  echo "setup-test-tools: installing ${packages[*]}"
  apt-get update -qq
  # lighttpd and openssh-server would start their system services (port 80,
  # port 22 on every address); tests run their own on loopback. Debian's
  # policy-rc.d mechanism keeps them stopped, when nothing else decides.
  own_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d
    own_policy=yes
  fi
  rc=0
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null || rc=$?
  [ -z "$own_policy" ] || rm -f /usr/sbin/policy-rc.d
  [ "$rc" -eq 0 ] || exit "$rc"
fi
command -v npm >/dev/null || {
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm >/dev/null
}
if [ ! -x "$tools/node_modules/.bin/allure" ]; then
  echo "setup-test-tools: npm install allure-commandline into $tools"
  mkdir -p "$tools"
  (cd "$tools" && npm install --no-audit --no-fund --loglevel=error allure-commandline >/dev/null)
fi
if [ ! -d "$tools/node_modules/playwright-core" ]; then
  echo "setup-test-tools: npm install playwright-core into $tools (it drives Debian's chromium)"
  mkdir -p "$tools"
  (cd "$tools" && npm install --no-audit --no-fund --loglevel=error playwright-core >/dev/null)
fi
bash "$root/deploy/build-pytest-image.sh"
bash "$root/deploy/build-go-image.sh"
