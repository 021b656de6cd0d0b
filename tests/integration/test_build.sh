#!/usr/bin/env bash
# Images built from the repository: a Dockerfile in a local git repo built
# by the agent through the Engine API for amd64 and for arm64 under qemu
# emulation (a RUN step runs emulated), tagged by the hash of its inputs and
# reused by the next job of the same commit, and by a commit that changes
# only what .dockerignore leaves out (asserted from the agent's records, not
# timings); a changed file builds again; a failing RUN step ends the task
# error naming the step, not retried; the build's output is the attempt's
# "build" log (arenactl logs --build, REST ?channel=build), not its task
# log; four concurrent tasks build once; a base image from a registry.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/registry.sh"
[ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] || fail "qemu-aarch64 is not registered in binfmt_misc"
command -v jq >/dev/null || fail "jq missing"
RUN_ID="it-$$-$RANDOM"
# Every image this test builds carries its run id (a LABEL, so the hashes
# are this run's own too); all of them go at exit.
drop_built() {
  docker images -aq --filter "label=arena.test.run=$RUN_ID" | sort -u | xargs -r docker rmi -f >/dev/null 2>&1 || true
  docker rmi -f "$REG_PUB/multi/busybox:1" "$REG_PRIV/private/busybox:1" >/dev/null 2>&1 || true
}
start_registry pub
REG_PUB=$REG
push_multiarch "$REG_PUB/multi/busybox:1"
start_registry priv htpasswd
REG_PRIV=$REG
push_single "$REG_PRIV/private/busybox:1"
trap 'rc=$?; set +e; drop_built; (exit "$rc"); registry_cleanup' EXIT
start_controller ctl
start_agent agent --slots 4
AGENT_LOG="$WORK/agent.log"
builds() { grep -c "build: building arena-build/" "$AGENT_LOG" || true; }
reuses() { grep -c "build: reused arena-build/" "$AGENT_LOG" || true; }

repo="$WORK/repo"
mkdir -p "$repo"
git -C "$repo" init -q
commit() { git -C "$repo" add -A && git -C "$repo" -c user.name=t -c user.email=t@localhost commit -qm "$1"; }
cat >"$repo/Dockerfile" <<EOF
# The classic builder has no platform args of its own: the agent passes
# TARGETARCH as BuildKit would, so each platform gets its own base.
ARG TARGETARCH=amd64
FROM arena-test/busybox:\${TARGETARCH}
LABEL arena.test.run=$RUN_ID
ARG GREETING=hello
COPY app/ /app/
RUN uname -m > /arch && echo "\$GREETING from the build step on \$(cat /arch)"
EOF
mkdir -p "$repo/app"
echo "version one" >"$repo/app/data.txt"
printf 'README.md\n' >"$repo/.dockerignore"
echo "docs" >"$repo/README.md"
commit one

# amd64 and emulated arm64: the RUN step wrote /arch on each platform.
out=$(actl run --repo "file://$repo" --build Dockerfile --build-arg GREETING=hi \
  --arch amd64,arm64 -- sh -c 'cat /arch /app/data.txt' 2>&1) || fail "build job: $out"
assert_contains "$out" "[amd64] x86_64" "amd64 image ran"
assert_contains "$out" "[arm64] aarch64" "arm64 RUN step ran under emulation (uname -m in /arch)"
assert_contains "$out" "[arm64] version one" "context file copied"
assert_contains "$out" "arena: building arena-build/" "arena: line naming the build"
assert_eq 2 "$(builds)" "one build per platform"
job=$(actl -o json jobs --limit 1 | json_field 'd["jobs"][0]["id"]')
status=$(actl -o json status "$job")
assert_eq "build:Dockerfile" "$(jq -r '.tasks[0].image' <<<"$status")" "task image names the build"
assert_contains "$(jq -r '.tasks[1].attempts[0].image_digest' <<<"$status")" "arena-build/" "built image recorded"
assert_contains "$(jq -r '.tasks[1].attempts[0].image_digest' <<<"$status")" ":arm64@sha256:" "arm64 tag and id"
tag_arm=$(jq -r '.tasks[1].attempts[0].image_digest' <<<"$status" | cut -d@ -f1)
assert_eq "linux/arm64" "$(docker image inspect -f '{{.Os}}/{{.Architecture}}' "$tag_arm")" "arm64 image platform"
pass "built on amd64 and on emulated arm64 from the repo's Dockerfile"

# The build's output is its own log channel; the task's log has none of it.
build_log=$(actl logs "$job" --task arm64 --build)
assert_contains "$build_log" "Step 1/" "build log has the builder's steps"
assert_contains "$build_log" "hi from the build step on aarch64" "build log has the RUN step's output"
task_log=$(actl logs "$job" --task arm64)
case "$task_log" in *"Step 1/"* | *"from the build step"*) fail "build output in the task log: $task_log" ;; esac
assert_contains "$task_log" "aarch64" "task log has the container's output"
rest=$(curl -s -H "Authorization: Bearer $TOKEN" "$CTL_URL/api/v1/jobs/$job/logs?task=amd64&channel=build")
assert_contains "$rest" "hi from the build step on x86_64" "REST ?channel=build"
expect_http 400 "bad log channel" -H "Authorization: Bearer $TOKEN" "$CTL_URL/api/v1/jobs/$job/logs?task=amd64&channel=../x"
[ -f "$CTL_DIR/logs/$job/$(jq -r '.tasks[0].attempts[0].id' <<<"$status").build.log" ] || fail "ATTEMPT.build.log stored"
pass "build output: arenactl logs --build and REST ?channel=build; the task log stays the container's"

# The same commit again, and a commit changing only an ignored file: reused.
out=$(actl run --repo "file://$repo" --build Dockerfile --build-arg GREETING=hi \
  --arch amd64,arm64 -- cat /arch 2>&1) || fail "second job: $out"
assert_eq 2 "$(builds)" "no build for the second job of the same commit"
assert_eq 2 "$(reuses)" "both platforms reused"
assert_contains "$out" "(no build)" "arena: line says it reused"
echo "more docs" >>"$repo/README.md"
commit "docs only"
out=$(actl run --repo "file://$repo" --build Dockerfile --build-arg GREETING=hi -- cat /arch 2>&1) ||
  fail "docs-only commit: $out"
assert_eq 2 "$(builds)" "a commit changing only a .dockerignored file builds nothing"
assert_eq 3 "$(reuses)" "it reused the image"
pass "reuse: same commit, and another commit with the same context, with no /build call"

# What goes into the image changes the tag: a context file, an arg.
echo "version two" >"$repo/app/data.txt"
commit two
out=$(actl run --repo "file://$repo" --build Dockerfile --build-arg GREETING=hi -- cat /app/data.txt 2>&1) ||
  fail "changed context: $out"
assert_contains "$out" "version two" "rebuilt with the new file"
assert_eq 3 "$(builds)" "a changed context file builds again"
out=$(actl run --repo "file://$repo" --build Dockerfile --build-arg GREETING=hey -- true 2>&1) ||
  fail "changed arg: $out"
assert_eq 4 "$(builds)" "a changed build arg builds again"
pass "a changed context file or build arg builds a new image"

# A failing RUN step: error naming the step, permanent (not retried). The
# builder counts a last step of its own: the LABEL the agent adds.
cat >"$repo/Dockerfile.fail" <<EOF
FROM arena-test/busybox:amd64
LABEL arena.test.run=$RUN_ID
RUN echo "step before the failure"
RUN echo "about to fail" && exit 3
EOF
commit fail
set +e
out=$(actl run --repo "file://$repo" --build Dockerfile.fail --retries 2 -- true 2>&1)
rc=$?
set -e
assert_eq 3 "$rc" "a failed build is an error"
job=$(actl -o json jobs --limit 1 | json_field 'd["jobs"][0]["id"]')
status=$(actl -o json status "$job")
reason=$(jq -r '.tasks[0].reason' <<<"$status")
assert_contains "$reason" "build failed at step 4/5 (RUN echo \"about to fail\" && exit 3)" "reason names the step"
assert_contains "$reason" "returned a non-zero code: 3" "reason has the builder's message"
assert_eq 1 "$(jq '.tasks[0].attempts | length' <<<"$status")" "a broken Dockerfile is not retried"
assert_contains "$(actl logs "$job" --build)" "about to fail" "failed build's output kept"
pass "a failing build step ends the task error naming the step, not retried"

# Bad build input is refused at submit.
expect_usage "build needs a repo" actl submit --build Dockerfile -- true
expect_usage "must be a path inside the checkout" actl submit --repo "file://$repo" --build ../Dockerfile -- true
expect_usage "invalid build arg name" actl submit --repo "file://$repo" --build Dockerfile --build-arg 1X=y -- true
set +e
out=$(actl run --repo "file://$repo" --build missing.Dockerfile -- true 2>&1)
rc=$?
set -e
assert_eq 3 "$rc" "a missing Dockerfile is an error"
assert_contains "$out" "Dockerfile missing.Dockerfile is not a file of the checkout" "missing Dockerfile named"
pass "bad build input: refused at submit, or an error naming it"

# Four concurrent tasks of one job: one build, the others wait for it.
before=$(builds)
sed -i "s/^ARG GREETING=hello/ARG GREETING=concurrent/" "$repo/Dockerfile"
echo "RUN sleep 2" >>"$repo/Dockerfile"  # long enough for the others to find it running
commit concurrent
job=$(actl submit --repo "file://$repo" --build Dockerfile --suite a='cat /arch' --suite b='cat /arch' \
  --suite c='cat /arch' --suite d='cat /arch')
# While it builds, the tasks show the phase (the live status, not the log).
building() { actl -o json status "$job" | jq -e '[.tasks[] | select(.phase == "building")] | length > 0'; }
wait_until 30 building || fail "no task showed the building phase"
detail=$(actl -o json status "$job" | jq -r '[.tasks[] | select(.phase == "building")][0].phase_detail')
assert_contains "$detail" "arena-build/" "the phase names the image being built"
out=$(actl wait "$job" 2>&1) || fail "concurrent job: $out"
assert_eq $((before + 1)) "$(builds)" "four concurrent tasks built once"
waited=0
for t in $(actl -o json status "$job" | jq -r '.tasks[].id'); do
  case "$(actl logs "$job" --task "$t")" in *"waiting for the build of arena-build/"*) waited=$((waited + 1)) ;; esac
done
[ "$waited" -ge 1 ] || fail "no task waited for the shared build"
pass "concurrent tasks of one job build once per agent and platform ($waited waited)"

# A multi-arch base image from a registry, pulled for the task's platform.
cat >"$repo/Dockerfile.reg" <<EOF
FROM $REG_PUB/multi/busybox:1
LABEL arena.test.run=$RUN_ID
RUN uname -m > /arch
EOF
commit registry
out=$(actl run --repo "file://$repo" --build Dockerfile.reg --pull if-not-present --arch arm64 -- cat /arch 2>&1) ||
  fail "registry base: $out"
assert_contains "$out" "aarch64" "arm64 base pulled from the registry for the build"
assert_contains "$(actl logs "$(actl -o json jobs --limit 1 | json_field 'd["jobs"][0]["id"]')" --build)" \
  ": FROM $REG_PUB/multi/busybox:1" "build log shows the registry base"
pass "a base image from a registry (multi-arch) pulled for the platform"

# A private base image: the controller's registry credentials reach the
# build once the agent has named the FROM lines' hosts, and only then.
cat >"$repo/Dockerfile.priv" <<EOF
FROM $REG_PRIV/private/busybox:1
LABEL arena.test.run=$RUN_ID
RUN echo "from the private base" > /from
EOF
commit private
set +e
out=$(actl run --repo "file://$repo" --build Dockerfile.priv --retries 1 -- cat /from 2>&1)
rc=$?
set -e
assert_eq 3 "$rc" "no credentials for the private base: an error"
job=$(actl -o json jobs --limit 1 | json_field 'd["jobs"][0]["id"]')
status=$(actl -o json status "$job")
assert_contains "$(jq -r '.tasks[0].reason' <<<"$status")" "build failed at step 1/" "the FROM step named"
assert_eq 1 "$(jq '.tasks[0].attempts | length' <<<"$status")" "refused base credentials are not retried"
actl registry login "$REG_PRIV" --username "$REG_USER" --password-stdin <<<"$REG_PASS" >/dev/null
out=$(actl run --repo "file://$repo" --build Dockerfile.priv -- cat /from 2>&1) || fail "private base: $out"
assert_contains "$out" "from the private base" "built from the private base with the controller's credentials"
assert_contains "$(cat "$WORK/ctl.log")" "base image hosts: sent $REG_PRIV" "the controller sent the host's credential"
job=$(actl -o json jobs --limit 1 | json_field 'd["jobs"][0]["id"]')
for text in "$out" "$(actl logs "$job" --build)" "$(cat "$AGENT_LOG")" "$(cat "$WORK/ctl.log")"; do
  case "$text" in *"$REG_PASS"*) fail "the registry password leaked into a log" ;; esac
done
if grep -rqF "$REG_PASS" "$AGENT_DIR" "$CTL_DIR/logs"; then fail "the registry password is in a file"; fi
pass "a private base image: the controller's credentials for its host, sent after the FROM lines are read"
