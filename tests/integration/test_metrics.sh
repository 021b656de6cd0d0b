#!/usr/bin/env bash
# /metrics in Prometheus text format, checked by promtool, with figures that
# follow what happened: agents and tasks by state, queue depth by
# architecture, time-to-start and duration histograms, log bytes, errors.
source "$(dirname "$0")/lib.sh"
start_controller ctl
start_agent agent --slots 2
actl run -- echo one >/dev/null
actl run -- sh -c 'echo two; exit 3' >/dev/null || true
waiting=$(actl submit --label pool=nobody -- true)
curl -s -o /dev/null "$CTL_URL/api/v1/jobs/job-000000000000"  # a 401
actl status job-000000000000 >/dev/null 2>&1 && fail "an unknown job has a status"  # NOT_FOUND
# The queue depth is published after the scheduler handles the submit.
queued() { curl -s "$CTL_URL/metrics" | grep -qx 'arena_queue_depth{arch="amd64"} 1'; }
wait_until 10 queued || fail "the queued task never showed in arena_queue_depth"
metrics=$(curl -s "$CTL_URL/metrics")
echo "$metrics" | promtool check metrics || fail "promtool rejects /metrics"
has() { echo "$metrics" | grep -qx -- "$1" || fail "/metrics lacks [$1]"; }
has 'arena_agents{state="connected"} 1'
has 'arena_tasks{state="passed"} 1'
has 'arena_tasks{state="failed"} 1'
has 'arena_tasks{state="queued"} 1'
has 'arena_queue_depth{arch="amd64"} 1'
has 'arena_time_to_start_seconds_count 2'
has 'arena_task_duration_seconds_count 2'
has 'arena_tasks_finished_total{state="failed"} 1'
has 'arena_http_errors_total{code="401"} 1'
has 'arena_grpc_errors_total{code="NOT_FOUND"} 1'
writes=$(echo "$metrics" | awk '/^arena_store_write_seconds_count /{print $2}')
[ "${writes:-0}" -ge 10 ] || fail "store writes observed: $writes"
bytes=$(echo "$metrics" | awk '/^arena_log_bytes_total /{print $2}')
[ "${bytes:-0}" -ge 8 ] || fail "log bytes: $bytes"
actl cancel "$waiting" >/dev/null
drained() { curl -s "$CTL_URL/metrics" | grep -qx 'arena_queue_depth{arch="amd64"} 0'; }
wait_until 10 drained || fail "queue depth did not drop to 0"
pass "/metrics passes promtool and counts agents, tasks, queue, latencies, log bytes and errors"
