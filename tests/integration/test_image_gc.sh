#!/usr/bin/env bash
# Image GC on the agent against a real dockerd and a real TLS registry on
# 127.0.0.1: an image Arena pulled for a task is removed once no task used it
# for --image-gc-after; an image that was on the host before Arena pulled it
# stays; an image built from the repository is Arena's too (its local base
# is not); an image a running task uses stays while it runs; over
# --image-gc-keep-bytes the least recently used goes first; the agent's
# image store (kept / removed) shows in `arenactl agents -o json` and
# survives a restart of the agent.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/registry.sh"
start_registry gc
A="$REG/gc/a:1"
B="$REG/gc/b:1"
KEEP="$REG/gc/keep:1"
drop_images() {
  docker rmi -f "$A" "$B" "$KEEP" >/dev/null 2>&1 || true
  docker images --digests --format '{{.Repository}}@{{.Digest}}' | grep "^$REG/" |
    xargs -r docker rmi >/dev/null 2>&1 || true
}
trap 'rc=$?; set +e; drop_images; (exit "$rc"); registry_cleanup' EXIT
# Distinct images, pushed; only KEEP is on the host before the tasks.
push_random "$A" 1024
push_random "$B" 1024
push_random "$KEEP" 64
docker pull -q "$KEEP" >/dev/null
present() { docker image inspect "$1" >/dev/null 2>&1; }
absent() { ! present "$1"; }
image_store() {  # AGENT_ID FIELD: the agent's image_store.FIELD (0 when unset)
  actl -o json agents | python3 -c 'import json,sys
for a in json.load(sys.stdin)["agents"]:
    if a["id"] == sys.argv[1]: print(int(a.get("image_store", {}).get(sys.argv[2], 0)))' "$1" "$2"
}
store_is() { [ "$(image_store "$1" "$2")" = "$3" ]; }

start_controller ctl
start_agent agent --image-gc-after 3s --heartbeat 1s
AGENT_LOG="$WORK/agent.log"

# An image that was on the host before Arena asked for it is not Arena's:
# pulled again (always) it is "up to date", and it stays.
out=$(actl run --image "$KEEP" --pull always -- echo kept 2>&1) || fail "keep: $out"
assert_contains "$out" "kept" "task on a present image ran"

# Pulled for a task: removed once unused for 3 s, logged.
out=$(actl run --image "$A" --pull always -- echo pulled 2>&1) || fail "a: $out"
assert_contains "$out" "arena: pulling $A" "A was pulled"
wait_until 20 absent "$A" || fail "A was not collected"
assert_contains "$(cat "$AGENT_LOG")" "image gc: removed $A (" "the removal is logged"
grep -E "image gc: removed $A \([0-9.]+ MiB, unused [0-9]+s\)" "$AGENT_LOG" >/dev/null ||
  fail "log line shape: $(grep 'image gc' "$AGENT_LOG")"
present "$KEEP" || fail "an image Arena did not bring was removed"
present arena-test/busybox:latest || fail "the local base image was removed"
pass "a pulled image unused for --image-gc-after is removed; one present before stays"

# In use by a running task: kept while it runs (well past 3 s), then removed.
job=$(actl submit --image "$B" --pull always -- sleep 8)
wait_until 30 task_started "$job" || fail "B's task did not start"
wait_until 10 store_is "$AGENT_ID" in_use_images 1 || fail "B not in use in the image store"
sleep 6
present "$B" || fail "B was removed while its task ran"
out=$(actl wait "$job" 2>&1) || fail "B's task: $out"
wait_until 20 absent "$B" || fail "B was not collected after its task"
pass "an image in use by a running task is not removed while it runs"

# The agent's image store in `arenactl agents -o json`.
wait_until 10 store_is "$AGENT_ID" removed_images 2 || fail "removed_images: $(image_store "$AGENT_ID" removed_images)"
assert_eq 0 "$(image_store "$AGENT_ID" kept_images)" "nothing kept"
[ "$(image_store "$AGENT_ID" removed_bytes)" -gt $((2 * 1024 * 1024)) ] || fail "removed_bytes"
[ "$(image_store "$AGENT_ID" last_gc_unix_ms)" -gt 0 ] || fail "last_gc_unix_ms"
present "$KEEP" || fail "KEEP removed"
pass "arenactl agents -o json shows the removed count and bytes"

# An image the agent built from the repository is Arena's too; its base,
# a local image, is not.
RUN_ID="gc-$$-$RANDOM"
repo="$WORK/repo"
mkdir -p "$repo"
git -C "$repo" init -q
printf 'FROM arena-test/busybox:latest\nLABEL arena.test.run=%s\nCOPY data.txt /data.txt\n' "$RUN_ID" >"$repo/Dockerfile"
echo "built for gc" >"$repo/data.txt"
git -C "$repo" add -A
git -C "$repo" -c user.name=t -c user.email=t@localhost commit -qm build
trap 'rc=$?; set +e; drop_images; docker images -q --filter "label=arena.test.run=$RUN_ID" | xargs -r docker rmi -f >/dev/null 2>&1; (exit "$rc"); registry_cleanup' EXIT
out=$(actl run --repo "file://$repo" --build Dockerfile -- cat /data.txt 2>&1) || fail "build: $out"
assert_contains "$out" "built for gc" "the built image ran"
built=$(sed -nE 's/.*build: building (arena-build\/[^ ]+).*/\1/p' "$AGENT_LOG" | tail -n 1)
[ -n "$built" ] || fail "no build in the agent log"
wait_until 20 absent "$built" || fail "the built image $built was not collected"
# The agent logs a removal once dockerd has answered it, a moment after the
# image is gone.
logged_removal() { grep -qF "image gc: removed $1 (" "$AGENT_LOG"; }
wait_until 10 logged_removal "$built" || fail "the built image's removal is not logged: $(tail -n 5 "$AGENT_LOG")"
present arena-test/busybox:latest || fail "the build's local base image was removed"
wait_until 10 store_is "$AGENT_ID" removed_images 3 || fail "removed_images after the build"
pass "an image the agent built is removed once unused; its local base stays"
kill "$AGENT_PID"
wait_until 20 process_gone "$AGENT_PID" || fail "agent did not stop"

# Over --image-gc-keep-bytes: the least recently used goes first. A and B
# are about 3 MiB each; the cap holds one of them.
size=$(docker image inspect -f '{{.Size}}' "$KEEP")
cap=$((size + 2 * 1024 * 1024))
start_agent lru --image-gc-after 1h --image-gc-keep-bytes "$cap" --heartbeat 1s
LRU_ID=$AGENT_ID
actl run --image "$A" --pull always -- true >/dev/null 2>&1 || fail "lru: A"
present "$A" || fail "A removed while under the cap"
actl run --image "$B" --pull always -- true >/dev/null 2>&1 || fail "lru: B"
wait_until 20 absent "$A" || fail "the least recently used image (A) was not removed over the cap"
present "$B" || fail "the most recently used image (B) was removed"
# Logged once dockerd has answered the removal, a moment after A is gone.
logged_over_cap() { grep -q "image gc: removed $A (.*over --image-gc-keep-bytes $cap (" "$WORK/lru.log"; }
wait_until 10 logged_over_cap || fail "keep-bytes log line: $(grep 'image gc' "$WORK/lru.log")"
wait_until 10 store_is "$LRU_ID" kept_images 1 || fail "kept_images after the cap"
pass "--image-gc-keep-bytes removes the least recently used image first"

# A restart keeps the ledger: B is still Arena's (kept, counted).
kill "$AGENT_PID"
wait_until 20 process_gone "$AGENT_PID" || fail "lru agent did not stop"
start_agent lru --image-gc-after 1h --image-gc-keep-bytes "$cap" --heartbeat 1s
assert_eq 1 "$(image_store "$LRU_ID" kept_images)" "kept after a restart"
assert_eq 1 "$(image_store "$LRU_ID" removed_images)" "removed count after a restart"
pass "the image ledger survives an agent restart"
