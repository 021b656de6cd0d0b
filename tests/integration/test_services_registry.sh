#!/usr/bin/env bash
# Service images follow the test image's rules: pulled from a real registry
# (TLS, htpasswd) with the controller's credentials for its host, for the
# task's platform (an arm64 service beside an arm64 test, under emulation
# here). Without credentials the attempt ends error naming the service and
# the registry, with no retry.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/registry.sh"
start_registry priv htpasswd
APP="$REG/vendor/app:1"
push_multiarch "$APP"
drop_images() { drop_registry_images "$REG" "$APP"; }
drop_images
trap 'rc=$?; set +e; drop_images; (exit "$rc"); registry_cleanup' EXIT
start_controller ctl 0
start_agent a1 --docker-config "$WORK/no-such-config.json"

job_yaml() {  # ARCH
  cat <<YAML
architectures: [$1]
image: "arena-test/busybox:{arch}"
services:
  - name: app
    image: "$APP"
    command: [sh, -c, 'trap "exit 0" TERM; echo "app on \$(uname -m)"; mkdir -p /w; echo app-ok >/w/index.html; httpd -f -p 8080 -h /w & wait']
    ready: {http: "8080/"}
YAML
}

set +e
out=$(job_yaml amd64 | actl run -f /dev/stdin --retries 2 -- wget -qO- http://app:8080/ 2>&1)
rc=$?
set -e
assert_eq 3 "$rc" "a service image the registry refuses: $out"
assert_contains "$out" "service app:" "the error names the service"
assert_contains "$out" "refused credentials" "the error says the registry refused"
job=$(actl -o json jobs --limit 1 | jq -r '.jobs[0].id')
assert_eq 1 "$(actl -o json status "$job" | jq -r '.tasks[0].attempts | length')" "no retry of a refused pull"
pass "a service image without credentials: error naming the service, no retry"

actl registry login "$REG" --username "$REG_USER" --password-stdin <<<"$REG_PASS" >/dev/null
out=$(job_yaml amd64 | actl run -f /dev/stdin -- wget -qO- http://app:8080/)
assert_contains "$out" "app-ok" "the test reaches the pulled service"
job=$(actl -o json jobs --limit 1 | jq -r '.jobs[0].id')
assert_contains "$(actl logs "$job" --service app)" "app on x86_64" "the amd64 service"
if actl logs "$job" | grep -q "$REG_PASS"; then fail "the registry password reached the log"; fi
pass "a service image pulled with the controller's registry credential"

out=$(job_yaml arm64 | actl run -f /dev/stdin -- sh -c 'uname -m; wget -qO- http://app:8080/')
assert_contains "$out" "aarch64" "the arm64 test"
assert_contains "$out" "app-ok" "the arm64 test reaches its service"
job=$(actl -o json jobs --limit 1 | jq -r '.jobs[0].id')
assert_contains "$(actl logs "$job" --service app)" "app on aarch64" "the service pulled for arm64"
pass "an arm64 service beside an arm64 test (the platform's image from a multi-arch name)"
