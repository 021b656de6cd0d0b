#!/usr/bin/env bash
# B2 and B5 of two builds, alternated pair by pair (before, after, before,
# after, ...) on fresh controllers, for a finer comparison than
# bench/compare.sh's whole runs: B2 tasks/s at AGENTS hollow agents (test
# queue, durable store) and B5 REST GET /api/v1/jobs/{id} req/s (wrk, 8 s).
# Both sides' B2 load comes from AFTER's arena-hollow, so that only the
# controllers differ. Talks only to 127.0.0.1. Prints one line per
# measurement, then medians.
#   bench/ab_throughput.sh BEFORE_BIN [AFTER_BIN] [ROUNDS] [AGENTS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 1 ] || { echo "usage: bench/ab_throughput.sh BEFORE_BIN [AFTER_BIN] [ROUNDS] [AGENTS]" >&2; exit 2; }
before=$1; after=${2:-$root/build/bin}; rounds=${3:-3}; agents=${4:-1000}
image=arena-test/busybox:latest
work=$(mktemp -d /tmp/arena-ab.XXXXXX)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
ulimit -n 65536 2>/dev/null || true
controller() {  # BIN DIR [flags]: starts one, sets ADDR and TOKEN
  local bin=$1 dir=$2; shift 2
  "$bin/arena-controller" --data-dir "$dir" --listen 127.0.0.1:0 --http-listen 127.0.0.1:0 "$@" >"$dir.log" 2>&1 &
  pids+=($!); PID=$!
  for _ in $(seq 1 100); do [ -f "$dir/ports.json" ] && break; sleep 0.1; done
  ADDR="127.0.0.1:$(sed -E 's/.*"grpc": ([0-9]+).*/\1/' "$dir/ports.json")"
  TOKEN=$(cat "$dir/admin.token")
}
b2() {  # BIN
  controller "$1" "$work/b2.$RANDOM" --agent-lease 120s
  local dir=$work/$(basename "$(ls -td "$work"/b2.*/ | head -1)")
  local join
  join=$("$1/arenactl" --controller "$ADDR" --ca-file "$dir/ca.pem" --token "$TOKEN" join-token create --uses 20000)
  "$after/arena-hollow" --controller "$ADDR" --ca-file "$dir/ca.pem" --join-token "$join" --token "$TOKEN" \
    --agents "$agents" --slots 4 --jobs 10 --tests 2000 2>&1 | sed -nE 's/.*tasks_per_second=([^ ]+).*/\1/p' | tail -1
  kill "$PID"; wait "$PID" 2>/dev/null || true
}
declare -A b5_url b5_token
for side in before after; do  # one controller, agent and finished job per build for B5
  bin=$([ $side = before ] && echo "$before" || echo "$after")
  controller "$bin" "$work/b5.$side" --default-image "$image"
  "$bin/arena-agent" --controller "$ADDR" --ca-file "$work/b5.$side/ca.pem" --state-dir "$work/b5.$side.agent" \
    --join-token "$("$bin/arenactl" --controller "$ADDR" --ca-file "$work/b5.$side/ca.pem" --token "$TOKEN" join-token create)" \
    >"$work/b5.$side.agent.log" 2>&1 &
  pids+=($!)
  job=$("$bin/arenactl" --controller "$ADDR" --ca-file "$work/b5.$side/ca.pem" --token "$TOKEN" submit -- true)
  "$bin/arenactl" --controller "$ADDR" --ca-file "$work/b5.$side/ca.pem" --token "$TOKEN" wait "$job" >/dev/null
  b5_url[$side]="https://127.0.0.1:$(sed -E 's/.*"http": ([0-9]+).*/\1/' "$work/b5.$side/ports.json")/api/v1/jobs/$job"
  b5_token[$side]=$TOKEN
done
: >"$work/results"
for round in $(seq 1 "$rounds"); do
  for side in before after; do
    bin=$([ $side = before ] && echo "$before" || echo "$after")
    echo "$side b2 $(b2 "$bin")" | tee -a "$work/results"
  done
  for side in before after; do
    rps=$(wrk -t2 -c32 -d8s -H "Authorization: Bearer ${b5_token[$side]}" "${b5_url[$side]}" |
      awk '/Requests\/sec/ {printf "%.0f", $2}')
    echo "$side b5 $rps" | tee -a "$work/results"
  done
done
for bench in b2 b5; do
  for side in before after; do
    m=$(awk -v s=$side -v b=$bench '$1 == s && $2 == b {print $3}' "$work/results" | sort -n |
      awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}')
    echo "median $bench $side $m"
  done
done
