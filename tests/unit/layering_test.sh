#!/usr/bin/env bash
# The build's include rule (controller/layers.cmake): the tree as it is
# passes; a store file that includes the scheduler, or the agent that
# includes the controller, fails with the offending include named.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
check() { cmake -DROOT="$1" -DSTAMP="$work/stamp" -P "$root/controller/layers.cmake" 2>&1; }

out=$(check "$root") || { echo "FAIL: the tree breaks its own layers: $out"; exit 1; }
echo "ok - the tree keeps its layers"

for dir in common agent cli bench controller; do cp -r "$root/$dir" "$work/"; done
bad() {
  rm -rf "$work/tree" && mkdir "$work/tree" && cp -r "$work"/{common,agent,cli,bench,controller} "$work/tree/"
  printf '#include "%s"\n' "$2" >>"$work/tree/$1"
  if out=$(check "$work/tree"); then echo "FAIL: $1 including $2 passed"; exit 1; fi
  case "$out" in
    *"$1 includes $2"*) echo "ok - $1 may not include $2" ;;
    *) echo "FAIL: the error does not name $1 and $2: $out"; exit 1 ;;
  esac
}
bad controller/store/store.h controller/scheduler/job_state.h
bad controller/scheduler/scheduler.cc controller/gateway/json_writer.h
bad controller/api/job_api.cc controller/gateway/rest_io.h
bad agent/main.cc controller/store/store.h
bad common/states.cc cli/cli.h
