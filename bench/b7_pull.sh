#!/usr/bin/env bash
# B7 pull overhead: an image of MB MiB of random layer data (does not
# compress), absent before every round, from the same local TLS registry
# (Debian's docker-registry on 127.0.0.1):
#   docker: `docker pull IMAGE && docker run -d --network none IMAGE sleep 5`
#           (the CLI returns once the container started)
#   arena:  `arenactl submit --pull always --image IMAGE -- true` to the
#           container started (the task's started time in the job's record;
#           the client waits with one long poll, `arenactl wait`)
# both timed from before the client starts, alternated over ROUNDS rounds.
# Prints key=value lines: rounds, mb, docker_ms and arena_ms (medians),
# ratio (the median of the per-round ratios), ratio_of_medians, pull_ms (the agent's own
# "pulled ... in" figure, median).
#   bench/b7_pull.sh ROUNDS MB     (ARENA_BIN: the build's bin dir)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
rounds=${1:-9}
mb=${2:-50}
# The integration tests' helpers: real controller, agent and registry.
source "$here/../tests/integration/lib.sh"
source "$here/../tests/integration/registry.sh"
start_registry b7
img="$REG/b7/pull:1"
push_random "$img" $((mb * 1024))
make_absent() {
  docker rm -f b7-docker >/dev/null 2>&1 || true
  docker rmi -f "$img" >/dev/null 2>&1 || true
  docker images --digests --format '{{.Repository}}@{{.Digest}}' | grep "^$REG/" |
    xargs -r docker rmi >/dev/null 2>&1 || true
}
trap 'rc=$?; set +e; make_absent; (exit "$rc"); registry_cleanup' EXIT
start_controller ctl
start_agent agent
now_ms() { date +%s%3N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
started_ms() {  # JOB: the task's container start, from the job's record
  actl -o json status "$1" | python3 -c 'import json,sys
t=json.load(sys.stdin)["tasks"][0]; print(int(t.get("started_unix_ms", 0)))'
}
docker_round() {
  make_absent
  local t0 tp t1
  t0=$(now_ms)
  docker pull -q "$img" >/dev/null
  tp=$(now_ms)
  docker run -d --name b7-docker --network none "$img" sleep 5 >/dev/null
  t1=$(now_ms)
  echo $((t1 - t0)) >>"$WORK/b7.docker"
  echo "$((tp - t0)) $((t1 - tp))" >>"$WORK/b7.docker_phases"
  docker rm -f b7-docker >/dev/null
}
arena_round() {
  make_absent
  local t0 job started
  t0=$(now_ms)
  job=$(actl submit --image "$img" --pull always -- true)
  # One long poll (no client started per check: that would take CPU from
  # dockerd while it pulls), then the start time from the record.
  actl wait "$job" >/dev/null || fail "b7: $job did not pass"
  started=$(started_ms "$job")
  echo $((started - t0)) >>"$WORK/b7.arena"
  # Phases: client start to submit accepted, to assigned, to container started.
  actl -o json status "$job" | python3 -c 'import json,sys
d=json.load(sys.stdin); t=d["tasks"][0]; a=t["attempts"][0]; t0=int(sys.argv[1])
print(int(d["created_unix_ms"]) - t0, int(a["started_unix_ms"]) - int(d["created_unix_ms"]),
      int(t["started_unix_ms"]) - int(a["started_unix_ms"]))' "$t0" >>"$WORK/b7.phases"
  # The agent's own figure for the pull: "arena: pulled IMAGE ...: N MiB in 1.23s".
  actl logs "$job" 2>/dev/null | sed -nE 's/^arena: pulled .* MiB in ([0-9.]+)(m?s)$/\1 \2/p' |
    awk '{print ($2 == "ms" ? $1 : $1 * 1000)}' >>"$WORK/b7.pull"
  wait_until 30 no_containers "$job" || true
}
# One warm-up of each path (the CLIs' caches, the registry's page cache).
docker_round
arena_round
: >"$WORK/b7.docker"
: >"$WORK/b7.arena"
: >"$WORK/b7.pull"
: >"$WORK/b7.phases"
: >"$WORK/b7.docker_phases"
for i in $(seq 1 "$rounds"); do
  # Alternated, and which goes first alternates too.
  if [ $((i % 2)) = 1 ]; then docker_round; arena_round; else arena_round; docker_round; fi
done
paste "$WORK/b7.arena" "$WORK/b7.docker" | awk '{printf "%.4f\n", $1 / $2}' >"$WORK/b7.ratio"
pull_ms=$([ -s "$WORK/b7.pull" ] && median <"$WORK/b7.pull" || echo n/a)
echo "rounds=$rounds"
echo "mb=$mb"
echo "docker_ms=$(median <"$WORK/b7.docker")"
echo "arena_ms=$(median <"$WORK/b7.arena")"
echo "ratio=$(median <"$WORK/b7.ratio" | awk '{printf "%.2f", $1}')"
echo "ratio_of_medians=$(awk -v a="$(median <"$WORK/b7.arena")" -v d="$(median <"$WORK/b7.docker")" 'BEGIN {printf "%.2f", a / d}')"
echo "pull_ms=$pull_ms"
echo "submit_ms=$(cut -d' ' -f1 "$WORK/b7.phases" | median)"
echo "assign_ms=$(cut -d' ' -f2 "$WORK/b7.phases" | median)"
echo "agent_ms=$(cut -d' ' -f3 "$WORK/b7.phases" | median)"
echo "docker_pull_ms=$(cut -d' ' -f1 "$WORK/b7.docker_phases" | median)"
echo "docker_run_ms=$(cut -d' ' -f2 "$WORK/b7.docker_phases" | median)"
echo "arena_all=$(paste -sd, "$WORK/b7.arena")"
echo "docker_all=$(paste -sd, "$WORK/b7.docker")"
