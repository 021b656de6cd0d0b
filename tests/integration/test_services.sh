#!/usr/bin/env bash
# Services beside the test (JobSpec.services, arenactl --service): started
# in order in one network namespace that the test joins, reached at
# 127.0.0.1:PORT and by name, probed ready (http, tcp, exec, none), their
# output stored as the "service:NAME" log and never in the test's; a
# service not ready in time or exiting during the test ends the attempt
# error naming it; everything removed with the attempt (or with the warm
# container in test-queue mode); bad specs refused at submit.
source "$(dirname "$0")/lib.sh"
start_controller ctl
start_agent agent --slots 2

bb=arena-test/busybox:latest
# A web service: a page, then busybox httpd in the foreground; TERM ends it.
# TERM ends it at once (a PID 1 without a handler would wait out the grace).
web_cmd='trap "exit 0" TERM; mkdir -p /srv && echo hello-from-web >/srv/index.html && echo web starting && httpd -f -p 8080 -h /srv & wait'
job_file="$WORK/job.yaml"
cat >"$job_file" <<YAML
services:
  - name: web
    image: $bb
    command: [sh, -c, '$web_cmd']
    ready: {http: "8080/index.html"}
  - name: db
    image: $bb
    command: [sh, -c, 'trap "exit 0" TERM; mkdir -p /d && echo db-answer >/d/index.html && echo db up && httpd -f -p 5432 -h /d & wait']
    env: {DB_MODE: "test"}
    ready: {tcp: 5432}
YAML
out=$(actl run -f "$job_file" -- sh -c \
  'wget -qO- http://web:8080/index.html && wget -qO- http://127.0.0.1:5432/index.html && wget -qO- http://db:5432/')
assert_contains "$out" "hello-from-web" "the test reaches web by name"
assert_contains "$out" "db-answer" "the test reaches db at 127.0.0.1 and by name"
assert_contains "$out" "service web: ready after" "readiness reported in the task log"
assert_contains "$out" "service db: ready after" "the second service too"
job=$(actl -o json jobs --limit 1 | jq -r '.jobs[0].id')
assert_eq PASSED "$(actl -o json status "$job" | jq -r .state)" "the services job"
svc_log=$(actl logs "$job" --service web)
assert_contains "$svc_log" "web starting" "web's output in its own log"
assert_contains "$(actl logs "$job" --service db)" "db up" "db's output in its own log"
if actl logs "$job" | grep -q "web starting"; then fail "service output mixed into the test's log"; fi
wait_until 20 no_containers "$job" || fail "service containers left: $(job_containers "$job")"
pass "two services in one pod: http and tcp probes, names, per-service logs, removed after"

# An image of its own: its CMD runs (no command given) and its HEALTHCHECK
# says when it is ready (here after about 2 s).
mkdir -p "$WORK/svc-image"
cat >"$WORK/svc-image/Dockerfile" <<DOCKERFILE
FROM $bb
HEALTHCHECK --interval=1s --timeout=1s --retries=30 CMD test -f /tmp/ok
CMD ["sh", "-c", "trap 'exit 0' TERM; echo idle service; sleep 2; touch /tmp/ok; sleep 600 & wait"]
DOCKERFILE
DOCKER_BUILDKIT=0 docker build -q -t arena-test/svc-health:latest "$WORK/svc-image" >/dev/null 2>&1
trap 'rc=$?; set +e; docker rmi -f arena-test/svc-health:latest >/dev/null 2>&1; (exit "$rc"); cleanup' EXIT
out=$(actl run --service "idle=arena-test/svc-health:latest" -- sh -c 'echo test-ran')
assert_contains "$out" "service idle: ready after" "ready by the image's HEALTHCHECK"
assert_contains "$out" "test-ran" "the test ran once the service was healthy"
job=$(actl -o json jobs --limit 1 | jq -r '.jobs[0].id')
assert_contains "$(actl logs "$job" --service idle)" "idle service" "the image's own CMD ran"
ready=$(grep -o 'service idle: ready after [0-9.]* s' <<<"$out" | grep -o '[0-9.]*' | head -1)
python3 -c "import sys; sys.exit(0 if float('$ready') >= 1.5 else 1)" ||
  fail "ready after $ready s: the HEALTHCHECK was not waited for"
pass "an image's own command and HEALTHCHECK"

# Not ready in time: an error naming the service, no test run.
set +e
out=$(actl run --retries 1 --service "slow=arena-test/svc-health:latest,ready=tcp:9,timeout=2s" -- echo never-runs 2>&1)
rc=$?
set -e
assert_eq 3 "$rc" "a service never ready is an error"
assert_contains "$out" "service slow not ready after 2 s" "not-ready reason"
if grep -q "never-runs" <<<"$out"; then fail "the command ran without its service"; fi
job=$(actl -o json jobs --limit 1 | jq -r '.jobs[0].id')
assert_eq 2 "$(actl -o json status "$job" | jq -r '.tasks[0].attempts | length')" "attempts with --retries 1"
pass "a service not ready within its timeout ends the attempt error, retried as an infrastructure failure"

# A secret of the job that a service prints is masked in the service's log.
out=$(actl run --secret DB_PASSWORD=s3cr3t-pw-value -f /dev/stdin -- true <<YAML
services: [{name: db, image: "$bb", env: {DB_PASSWORD: "s3cr3t-pw-value"},
            command: [sh, -c, 'echo "db password is \$DB_PASSWORD"; trap "exit 0" TERM; sleep 600 & wait']}]
YAML
)
job=$(actl -o json jobs --limit 1 | jq -r '.jobs[0].id')
svc_log=$(actl logs "$job" --service db)
assert_contains "$svc_log" "db password is" "the service's line"
if grep -q "s3cr3t-pw-value" <<<"$svc_log"; then fail "a secret in the service log: $svc_log"; fi
pass "the job's secrets are masked in a service's log"

# A service that exits while the test runs ends the attempt error, quickly.
start=$(date +%s)
set +e
out=$(actl run -f /dev/stdin -- sleep 60 2>&1 <<YAML
services: [{name: crash, image: "$bb", command: ["sh", "-c", "sleep 1; exit 3"]}]
YAML
)
rc=$?
set -e
assert_eq 3 "$rc" "a service exiting during the test is an error"
assert_contains "$out" "service crash exited with code 3" "exit reason names the service"
[ $(( $(date +%s) - start )) -lt 30 ] || fail "the test was not stopped when its service died"
pass "a service exiting during the test ends the attempt error naming its exit code"

# An exec probe, and a test-queue job on a one-slot agent: services live as
# long as the warm container, started once for its three tests.
start_agent one --slots 1 --labels pool=one
out=$(actl run -f /dev/stdin --label pool=one --tests a,b,c --test-command 'test -f /proc/1/cmdline && echo test-{test}' 2>&1 <<YAML
services: [{name: flag, image: "$bb", command: ["sh", "-c", "touch /tmp/ok; echo flag ready; exec sleep 600"], ready: {exec: "test -f /tmp/ok"}}]
YAML
)
job=$(actl -o json jobs --limit 1 | jq -r '.jobs[0].id')
assert_eq PASSED "$(actl -o json status "$job" | jq -r .state)" "test-queue job with a service: $out"
starts=0
for task in $(actl -o json status "$job" | jq -r '.tasks[] | select(.kind == "TASK_KIND_TEST") | .id'); do
  starts=$(( starts + $(actl logs "$job" --task "$task" | grep -c "service flag: starting" || true) ))
done
assert_eq 1 "$starts" "one service start for the three tests of the warm container"
pass "exec probe; in test-queue mode the service lives with the warm container"

# Over REST: services in the JobSpec, a service's log by channel, and a bad
# service refused with a 400 naming it.
auth="Authorization: Bearer $TOKEN"
body='{"spec": {"command": ["wget", "-qO-", "http://echo:8080/"], "services": [{"name": "echo", "image": "'$bb'",
  "command": ["sh", "-c", "trap \"exit 0\" TERM; mkdir -p /e; echo rest-ok >/e/index.html; echo echo-up; httpd -f -p 8080 -h /e & wait"],
  "ready": {"http": "8080/"}}]}}'
job=$(curl -sf -H "$auth" -H 'Content-Type: application/json' -d "$body" "$CTL_URL/api/v1/jobs" | jq -r .id)
actl wait "$job" >/dev/null || fail "the REST job with a service did not pass"
assert_contains "$(curl -sf -H "$auth" "$CTL_URL/api/v1/jobs/$job/logs?channel=service:echo")" "echo-up" "REST service log"
assert_contains "$(curl -sf -H "$auth" "$CTL_URL/api/v1/jobs/$job/logs")" "rest-ok" "REST task log"
expect_http 400 "service name" -H "$auth" -H 'Content-Type: application/json' \
  -d '{"spec": {"command": ["true"], "services": [{"name": "a b", "image": "x"}]}}' "$CTL_URL/api/v1/jobs"
pass "services over REST: submitted in the JobSpec, a service's log by ?channel=service:NAME, a 400 for a bad one"

# An unprivileged agent (as the shipped systemd unit runs it: a user in the
# docker group, no capabilities) cannot enter the pod's network namespace:
# its tcp probe reads the pod's listening sockets and its http probe runs in
# the service (busybox wget).
if ! id arena-it-agent >/dev/null 2>&1; then
  useradd --system --no-create-home --shell /usr/sbin/nologin arena-it-agent
fi
usermod -aG "$(stat -c %G /var/run/docker.sock)" arena-it-agent
mkdir -p "$WORK/plain"
cp "$CA" "$WORK/plain/ca.pem"
chown -R arena-it-agent "$WORK/plain"
chmod 755 "$WORK"
join=$(actl join-token create)
setpriv --reuid=arena-it-agent --regid="$(id -g arena-it-agent)" --init-groups --inh-caps=-all \
  "$BIN/arena-agent" --controller "$CONTROLLER" --ca-file "$WORK/plain/ca.pem" --state-dir "$WORK/plain" \
  --join-token "$join" --labels pool=plain >>"$WORK/plain.log" 2>&1 &
PIDS+=($!)
disown $!
wait_until 10 test -f "$WORK/plain/agent.id" || fail "the unprivileged agent did not enroll: $(cat "$WORK/plain.log")"
wait_until 10 agent_connected "$(cat "$WORK/plain/agent.id")" || fail "the unprivileged agent did not connect"
out=$(actl run --label pool=plain -f /dev/stdin -- sh -c 'wget -qO- http://web:8080/ && wget -qO- http://db:5432/' <<YAML
services:
  - {name: web, image: "$bb", ready: {http: "8080/"},
     command: [sh, -c, 'trap "exit 0" TERM; mkdir -p /w; echo plain-web >/w/index.html; httpd -f -p 8080 -h /w & wait']}
  - {name: db, image: "$bb", ready: {tcp: 5432},
     command: [sh, -c, 'trap "exit 0" TERM; sleep 1; mkdir -p /d; echo plain-db >/d/index.html; httpd -f -p 5432 -h /d & wait']}
YAML
)
assert_contains "$out" "plain-web" "http probe from an unprivileged agent"
assert_contains "$out" "plain-db" "tcp probe from an unprivileged agent"
pass "an unprivileged agent probes tcp from the pod's socket table and http inside the service"

# Bad specs are refused at submit, nothing started.
expect_usage "service name" actl submit --service "Bad_Name=$bb" -- true
expect_usage "ready tcp port" actl submit --service "db=$bb,ready=tcp:70000" -- true
expect_usage "--service wants NAME=IMAGE" actl submit --service "db" -- true
expect_usage "unknown probe" actl submit --service "db=$bb,ready=udp:53" -- true
expect_usage "used twice" actl submit --service "db=$bb" --service "db=$bb" -- true
printf 'executor: process\nservices: [{name: db, image: "%s"}]\n' "$bb" >"$WORK/proc.yaml"
expect_usage "services need the docker executor" actl submit -f "$WORK/proc.yaml" -- true
pass "bad services refused at submit with the reason"
