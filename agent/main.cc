// arena-agent: enrolls once with a join token, then keeps one mTLS stream to
// the controller and runs the attempts it is given in Docker containers, or
// with --executor process as processes on this host.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/notification.h"
#include "agent/executor/docker_client.h"
#include "agent/executor/docker_executor.h"
#include "agent/executor/process_executor.h"
#include "agent/health/health_checks.h"
#include "agent/health/health_monitor.h"
#include "agent/session/enrollment.h"
#include "agent/session/platforms.h"
#include "agent/session/session.h"
#include "agent/signal_waiter.h"
#include "agent/workspace/workspace.h"
#include "common/arch.h"
#include "common/files.h"
#include "common/flags.h"
#include "common/image_ref.h"
#include "common/logging.h"
#include "common/sd_notify.h"
#include "common/status_macros.h"

namespace arena {
namespace {

constexpr char kUsage[] =
    "usage: arena-agent --controller HOST:PORT --ca-file FILE --state-dir DIR\n"
    "                   [--join-token TOKEN] [--slots N] [--labels k=v,...]\n"
    "                   [--docker-socket PATH] [--work-dir DIR] [--hostname "
    "NAME]\n"
    "                   [--executor docker|process]   (process: commands run on this host,\n"
    "                                                  no Docker needed; native platform only)\n"
    "                   [--run-as USER]   (process executor: the user commands run as;\n"
    "                                      default the agent's own)\n"
    "                   [--emulation true|false] [--heartbeat 10s] [--stop-timeout 30s]\n"
    "                   [--allow-local-repos]   (clone file:// and path repos: tests only)\n"
    "                   [--max-file-mb 512]     (artifacts and JUnit reports per attempt)\n"
    "                   [--pull-stall-timeout 60s] [--pull-timeout 15m]   (image pulls)\n"
    "                   [--docker-config PATH]  (registry logins of this host; default\n"
    "                                            ~/.docker/config.json)\n"
    "                   [--image-gc-after 24h] [--image-gc-keep-bytes 0|N[K|M|G]]\n"
    "                   (remove images Arena brought that no task used for that long,\n"
    "                    or beyond that many bytes, least recently used first; 0: off)\n"
    "                   [--health-interval 5m] [--min-free-disk 2G]   (checks at start and\n"
    "                    every interval; an unhealthy agent gets no new work)\n"
    "                   [--health-command CMD] [--health-timeout 60s]   (sh -c; non-zero:\n"
    "                    unhealthy, its last output line the reason)\n"
    "                   [--health-image IMAGE]   (docker executor: a local image with `true`,\n"
    "                    to check dockerd creates and starts a container; default: ping only)\n"
    "                   [--pre-task CMD] [--post-task CMD] [--hook-timeout 10m]   (sh -c around\n"
    "                    every attempt, ARENA_TASK_ID/JOB_ID/ATTEMPT_ID/ARCH set; a failed\n"
    "                    pre-task ends it error, a failed post-task makes the agent unhealthy)\n"
    "                   [--log-level debug|info|warn|error] [--log-format text|json]\n"
    "                   [--enroll-only]   (enroll, print the agent id, exit)\n";

int Usage(const std::string& message) {
  std::cerr << "arena-agent: " << message << " (see arena-agent --help)\n";
  return 2;
}

std::string Hostname() {
  char buf[256] = {0};
  if (gethostname(buf, sizeof(buf) - 1) != 0) return "unknown";
  return buf;
}

// The exit status of an agent the controller refused (revoked, not
// enrolled): the unit does not restart it (RestartPreventExitStatus).
constexpr int kExitRefused = 77;

// --heartbeat, --stop-timeout and --max-file-mb into `options`.
absl::Status ParseTimingAndLimits(const ParsedFlags& flags, SessionOptions* options) {
  if (flags.Has("heartbeat") &&
      (!absl::ParseDuration(flags.Get("heartbeat"), &options->heartbeat) ||
       options->heartbeat < absl::Milliseconds(100))) {
    return absl::InvalidArgumentError("--heartbeat wants a duration of at least 100ms");
  }
  if (flags.Has("stop-timeout") &&
      (!absl::ParseDuration(flags.Get("stop-timeout"), &options->stop_timeout) ||
       options->stop_timeout < absl::Seconds(1))) {
    return absl::InvalidArgumentError("--stop-timeout wants a duration of at least 1s");
  }
  int64_t max_file_mb = 512;
  if (!absl::SimpleAtoi(flags.Get("max-file-mb", "512"), &max_file_mb) || max_file_mb < 1 ||
      max_file_mb > (int64_t{1} << 20)) {
    return absl::InvalidArgumentError("--max-file-mb must be a number from 1 to 1048576");
  }
  options->max_file_bytes = max_file_mb << 20;
  return absl::OkStatus();
}

// --pull-stall-timeout, --pull-timeout and --docker-config.
absl::StatusOr<PullOptions> PullOptionsFrom(const ParsedFlags& flags) {
  PullOptions pull;
  if (flags.Has("pull-stall-timeout") &&
      (!absl::ParseDuration(flags.Get("pull-stall-timeout"), &pull.stall_timeout) ||
       pull.stall_timeout < absl::Seconds(1))) {
    return absl::InvalidArgumentError("--pull-stall-timeout wants a duration of at least 1s");
  }
  if (flags.Has("pull-timeout") &&
      (!absl::ParseDuration(flags.Get("pull-timeout"), &pull.timeout) ||
       pull.timeout < absl::Seconds(1))) {
    return absl::InvalidArgumentError("--pull-timeout wants a duration of at least 1s");
  }
  const char* home = std::getenv("HOME");
  pull.docker_config =
      flags.Get("docker-config", home != nullptr ? absl::StrCat(home, "/.docker/config.json") : "");
  return pull;
}

// --image-gc-after and --image-gc-keep-bytes; the ledger in the state dir.
absl::StatusOr<ImageGcOptions> ImageGcOptionsFrom(const ParsedFlags& flags,
                                                  const std::string& state_dir) {
  ImageGcOptions gc;
  gc.ledger_path = absl::StrCat(state_dir, "/images.ledger");
  if (flags.Has("image-gc-after") &&
      (!absl::ParseDuration(flags.Get("image-gc-after"), &gc.policy.unused_for) ||
       gc.policy.unused_for < absl::ZeroDuration() ||
       (gc.policy.unused_for > absl::ZeroDuration() && gc.policy.unused_for < absl::Seconds(1)))) {
    return absl::InvalidArgumentError(
        "--image-gc-after wants 0 (off) or a duration of at least 1s");
  }
  absl::StatusOr<int64_t> keep = ParseByteSize(flags.Get("image-gc-keep-bytes", "0"));
  if (!keep.ok()) {
    return absl::InvalidArgumentError(
        "--image-gc-keep-bytes wants a byte count (0: no cap), optionally with K, M or G");
  }
  gc.policy.keep_bytes = *keep;
  if (gc.policy.unused_for == absl::ZeroDuration()) gc.policy.unused_for = absl::InfiniteDuration();
  gc.enabled = gc.policy.unused_for != absl::InfiniteDuration() || gc.policy.keep_bytes > 0;
  gc.every = GcInterval(gc.policy);
  return gc;
}

// --executor and --run-as.
struct ExecutorChoice {
  std::string kind = "docker";
  std::string run_as;
};

absl::StatusOr<ExecutorChoice> ExecutorChoiceFrom(const ParsedFlags& flags) {
  ExecutorChoice choice{flags.Get("executor", "docker"), flags.Get("run-as")};
  if (choice.kind != "docker" && choice.kind != "process") {
    return absl::InvalidArgumentError("--executor takes docker or process");
  }
  if (flags.Has("run-as") && choice.kind != "process") {
    return absl::InvalidArgumentError(
        "--run-as is for --executor process (a container's user is the job's)");
  }
  if (choice.kind == "process") {
    // Checked before enrolling: an unknown user or one the agent cannot
    // become costs no join token.
    absl::StatusOr<HostUser> user = ResolveHostUser(choice.run_as);
    if (!user.ok()) return user.status();
  }
  return choice;
}

// A duration flag of at least `min`, or `fallback` when absent.
absl::StatusOr<absl::Duration> DurationAtLeast(const ParsedFlags& flags, const std::string& name,
                                               absl::Duration fallback, absl::Duration min) {
  if (!flags.Has(name)) return fallback;
  absl::Duration value;
  if (!absl::ParseDuration(flags.Get(name), &value) || value < min) {
    return absl::InvalidArgumentError(absl::StrCat("--", name, " wants a duration of at least ",
                                                   absl::FormatDuration(min), ", like 30s or 5m"));
  }
  return value;
}

// The health flags, checked; the checks themselves are built once the
// executor is known (HealthChecksFor).
struct HealthFlags {
  absl::Duration interval;
  int64_t min_free_disk = 0;
  std::string command;
  absl::Duration command_timeout;
  std::string image;
};

absl::StatusOr<HealthFlags> HealthFlagsFrom(const ParsedFlags& flags) {
  HealthFlags health;
  ASSIGN_OR_RETURN(health.interval,
                   DurationAtLeast(flags, "health-interval", absl::Minutes(5), absl::Seconds(1)));
  ASSIGN_OR_RETURN(health.command_timeout,
                   DurationAtLeast(flags, "health-timeout", absl::Seconds(60), absl::Seconds(1)));
  absl::StatusOr<int64_t> disk = ParseByteSize(flags.Get("min-free-disk", "2G"));
  if (!disk.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--min-free-disk: ", disk.status().message(), "; e.g. 512M or 2G"));
  }
  health.min_free_disk = *disk;
  health.command = flags.Get("health-command");
  health.image = flags.Get("health-image");
  if (!health.image.empty() && flags.Get("executor", "docker") != "docker") {
    return absl::InvalidArgumentError("--health-image is for the docker executor");
  }
  return health;
}

absl::StatusOr<TaskHooks> TaskHooksFrom(const ParsedFlags& flags) {
  TaskHooks hooks;
  hooks.pre_task = flags.Get("pre-task");
  hooks.post_task = flags.Get("post-task");
  ASSIGN_OR_RETURN(hooks.timeout,
                   DurationAtLeast(flags, "hook-timeout", absl::Minutes(10), absl::Seconds(1)));
  return hooks;
}

// The checks of every pass: the executor's runtime (`docker_socket`, empty
// for the process executor), the state dir's free disk, --health-command;
// and the post-task hook's recheck.
HealthOptions HealthChecksFor(const HealthFlags& flags, const TaskHooks& hooks,
                              const std::string& state_dir, const std::string& agent_id,
                              const std::string& docker_socket) {
  HealthOptions options;
  options.interval = flags.interval;
  if (!docker_socket.empty()) {
    options.checks.push_back([docker_socket, image = flags.image, agent_id] {
      return DockerProblem(docker_socket, image, agent_id);
    });
  }
  options.checks.push_back(
      [state_dir, min = flags.min_free_disk] { return FreeDiskProblem(state_dir, min); });
  if (!flags.command.empty()) {
    options.checks.push_back([command = flags.command, timeout = flags.command_timeout] {
      return ShellCommandProblem("health command", command, timeout, {});
    });
  }
  if (!hooks.post_task.empty()) {
    options.post_task_recheck = [hooks] {
      return ShellCommandProblem("post-task hook", hooks.post_task, hooks.timeout,
                                 {{"ARENA_HEALTH_CHECK", "1"}});
    };
  }
  return options;
}

// The session's options from the flags (enrollment already done), or a
// usage message.
absl::StatusOr<SessionOptions> SessionOptionsFrom(const ParsedFlags& flags,
                                                  const EnrollOptions& enroll,
                                                  const AgentIdentity& identity) {
  SessionOptions options;
  std::string emulation = flags.Get("emulation", "true");
  if (emulation != "true" && emulation != "false") {
    return absl::InvalidArgumentError("--emulation takes true or false");
  }
  if (!absl::SimpleAtoi(flags.Get("slots", "1"), &options.slots) || options.slots < 1 ||
      options.slots > 1024) {
    return absl::InvalidArgumentError("--slots must be a number from 1 to 1024");
  }
  absl::StatusOr<std::map<std::string, std::string>> labels = ParseKeyValues(flags.Get("labels"));
  if (!labels.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("--labels: ", labels.status().message()));
  }
  options.labels = *labels;
  absl::Status limits = ParseTimingAndLimits(flags, &options);
  if (!limits.ok()) return limits;
  ASSIGN_OR_RETURN(options.hooks, TaskHooksFrom(flags));
  options.controller = enroll.controller;
  options.identity = identity;
  options.hostname = enroll.hostname;
  // --emulation false: offer only the native platform even when qemu is
  // registered (for hosts where emulated runs are not wanted).
  // The process executor runs the host's own binaries: native only.
  options.executor = flags.Get("executor", "docker");
  options.platforms = emulation == "false" || options.executor == "process"
                          ? DetectPlatforms(NativeArch(), /*binfmt_dir=*/"")
                          : DetectPlatforms(NativeArch());
  options.work_dir = flags.Get("work-dir", absl::StrCat(enroll.state_dir, "/work"));
  options.spool_dir = absl::StrCat(enroll.state_dir, "/spool");
  options.state_dir = enroll.state_dir;
  options.allow_local_repos = flags.Has("allow-local-repos");
  return options;
}

v1::ImageStore ImageStoreProto(const ImageStoreSummary& s) {
  v1::ImageStore out;
  out.set_kept_images(s.kept_images);
  out.set_kept_bytes(s.kept_bytes);
  out.set_in_use_images(s.in_use_images);
  out.set_removed_images(s.removed_images);
  out.set_removed_bytes(s.removed_bytes);
  if (s.last_gc != absl::InfinitePast()) out.set_last_gc_unix_ms(absl::ToUnixMillis(s.last_gc));
  return out;
}

// "healthy" or "unhealthy: PROBLEM; PROBLEM" for the agent's log.
std::string HealthText(const v1::AgentHealth& health) {
  if (health.healthy()) return "healthy";
  return absl::StrCat("unhealthy: ", absl::StrJoin(health.problems(), "; "));
}

// Runs the session over `executor` until stopped or refused, with its health
// checked at start and every interval; returns the process's exit status.
int ServeSession(SessionOptions options, Executor* executor, const HealthFlags& health_flags,
                 const std::string& docker_socket, absl::Notification* stop) {
  // Workspaces and spools of attempts an earlier process ran are stale: their
  // containers (or processes) are gone and the controller will hear so.
  absl::Status made = RemoveStaleAttempts(options.work_dir);
  if (made.ok()) made = RemoveStaleAttempts(options.spool_dir);
  // Git credential files a crash left behind.
  if (made.ok()) made = RemoveStaleAttempts(absl::StrCat(options.state_dir, "/git"));
  if (!made.ok()) {
    std::cerr << "arena-agent: " << made.message() << "\n";
    return 1;
  }
  std::string agent_id = options.identity.agent_id;
  HealthMonitor health(
      HealthChecksFor(health_flags, options.hooks, options.state_dir, agent_id, docker_socket));
  health.Start();
  LogLine("agent", absl::StrCat("health: ", HealthText(health.Current()),
                                docker_socket.empty() || !health_flags.image.empty()
                                    ? ""
                                    : " (dockerd pinged; no --health-image to start a container)"));
  options.health = &health;
  absl::Status ran;
  {
    AgentSession session(std::move(options), executor);
    // Ready once enrolled and set up; the stream (re)connects on its own.
    SdNotify(absl::StrCat("READY=1\nSTATUS=agent ", agent_id));
    SdWatchdog watchdog([] { return true; });
    ran = session.Run(stop);
    SdNotify("STOPPING=1");
  }
  if (!ran.ok()) {
    Log(LogLevel::kError, "agent", std::string(ran.message()));
    return kExitRefused;
  }
  return 0;
}

// The process executor: no dockerd is ever contacted.
int ServeProcesses(SessionOptions options, const ExecutorChoice& choice, const HealthFlags& health,
                   absl::Notification* stop) {
  CgroupHost cgroups = DetectCgroupHost();
  absl::StatusOr<std::unique_ptr<ProcessExecutor>> executor = ProcessExecutor::Create(
      {options.identity.agent_id, options.work_dir, choice.run_as, cgroups});
  if (!executor.ok()) {
    std::cerr << "arena-agent: " << executor.status().message() << "\n";
    return 2;
  }
  std::string where = !cgroups.v2_dir.empty()        ? "cgroup v2 below " + cgroups.v2_dir
                      : !cgroups.v1_pids_dir.empty() ? "cgroup v1 below " + cgroups.v1_pids_dir
                                                     : "no cgroup (the process tree only)";
  LogLine("agent", absl::StrCat("process executor: commands run as ", (*executor)->user().name,
                                "; containment: ", where));
  int orphans = (*executor)->RemoveOrphans();
  if (orphans > 0) {
    LogLine("agent", absl::StrCat("killed ", orphans, " processes an earlier run's attempts left"));
  }
  int status = ServeSession(std::move(options), executor->get(), health, "", stop);
  // Attempts the session gave up at its stop deadline: none outlives the agent.
  (*executor)->Shutdown();
  if (status == 0) LogLine("agent", "stopped");
  return status;
}

// Serves with the docker executor until stopped or refused; returns the
// process's exit status.
int Serve(SessionOptions options, const PullOptions& pull, const ImageGcOptions& gc,
          const HealthFlags& health, const std::string& socket, absl::Notification* stop) {
  DockerExecutor executor(socket, options.identity.agent_id, absl::Minutes(1), pull, BuildOptions(),
                          gc);
  options.image_store = [&executor] { return ImageStoreProto(executor.ImageStore()); };
  int orphans = executor.RemoveOrphans();
  if (orphans > 0) LogLine("agent", absl::StrCat("removed ", orphans, " orphaned containers"));
  DockerClient docker(socket);
  if (docker.Connect().ok()) {
    absl::StatusOr<std::vector<std::string>> images = docker.ListImageTags();
    if (images.ok()) options.images = *images;
  } else {
    LogLine("agent",
            absl::StrCat("dockerd not reachable at ", socket, "; attempts will fail until it is"));
  }
  int status = ServeSession(std::move(options), &executor, health, socket, stop);
  // Removes what is still queued, the warm containers and anything of this
  // agent's a racing attempt left: no container outlives the agent.
  executor.Shutdown();
  if (status == 0) LogLine("agent", "stopped");
  return status;
}

FlagSpec AgentFlags() {
  FlagSpec spec;
  spec.value_flags = {"controller",     "ca-file",        "join-token",      "state-dir",
                      "slots",          "labels",         "docker-socket",   "work-dir",
                      "hostname",       "emulation",      "heartbeat",       "log-level",
                      "log-format",     "stop-timeout",   "max-file-mb",     "pull-stall-timeout",
                      "pull-timeout",   "docker-config",  "image-gc-after",  "image-gc-keep-bytes",
                      "executor",       "run-as",         "health-interval", "min-free-disk",
                      "health-command", "health-timeout", "health-image",    "pre-task",
                      "post-task",      "hook-timeout"};
  spec.bool_flags = {"help", "enroll-only", "allow-local-repos"};
  return spec;
}

int Main(int argc, char** argv) {
  absl::StatusOr<ParsedFlags> flags =
      ParseFlags(AgentFlags(), std::vector<std::string>(argv + 1, argv + argc));
  if (!flags.ok()) return Usage(std::string(flags.status().message()));
  if (flags->Has("help")) {
    std::cout << kUsage;
    return 0;
  }
  absl::Status logging =
      SetLogOptions(flags->Get("log-level", "info"), flags->Get("log-format", "text"));
  if (!logging.ok()) return Usage(std::string(logging.message()));
  if (flags->Get("controller").empty()) return Usage("--controller is required");
  if (flags->Get("state-dir").empty()) return Usage("--state-dir is required");
  // Checked before enrolling, so a bad flag costs no join token.
  absl::StatusOr<SessionOptions> checked = SessionOptionsFrom(*flags, {}, {});
  if (!checked.ok()) return Usage(std::string(checked.status().message()));
  absl::StatusOr<PullOptions> pull = PullOptionsFrom(*flags);
  if (!pull.ok()) return Usage(std::string(pull.status().message()));
  absl::StatusOr<ImageGcOptions> gc = ImageGcOptionsFrom(*flags, flags->Get("state-dir"));
  if (!gc.ok()) return Usage(std::string(gc.status().message()));
  absl::StatusOr<ExecutorChoice> choice = ExecutorChoiceFrom(*flags);
  if (!choice.ok()) return Usage(std::string(choice.status().message()));
  absl::StatusOr<HealthFlags> health = HealthFlagsFrom(*flags);
  if (!health.ok()) return Usage(std::string(health.status().message()));

  absl::Notification stop;
  // Before any thread starts: SIGINT and SIGTERM go only to its thread.
  SignalWaiter signals(&stop);
  if (!signals.status().ok()) {
    Log(LogLevel::kWarn, "agent", std::string(signals.status().message()));
  }
  signal(SIGPIPE, SIG_IGN);
  EnrollOptions enroll;
  enroll.controller = flags->Get("controller");
  enroll.ca_file = flags->Get("ca-file");
  enroll.join_token = flags->Get("join-token");
  enroll.state_dir = flags->Get("state-dir");
  enroll.hostname = flags->Get("hostname", Hostname());
  enroll.stop = &stop;
  absl::StatusOr<AgentIdentity> identity = LoadOrEnroll(enroll);
  if (!identity.ok()) {
    std::cerr << "arena-agent: " << identity.status().message() << "\n";
    return 1;
  }
  LogLine("agent", absl::StrCat("identity ", identity->agent_id));
  if (flags->Has("enroll-only")) {
    std::printf("%s\n", identity->agent_id.c_str());
    return 0;
  }
  if (stop.HasBeenNotified()) return 0;
  absl::StatusOr<SessionOptions> options = SessionOptionsFrom(*flags, enroll, *identity);
  if (!options.ok()) return Usage(std::string(options.status().message()));
  if (choice->kind == "process") {
    return ServeProcesses(std::move(*options), *choice, *health, &stop);
  }
  return Serve(std::move(*options), *pull, *gc, *health,
               flags->Get("docker-socket", "/var/run/docker.sock"), &stop);
}

}  // namespace
}  // namespace arena

int main(int argc, char** argv) { return arena::Main(argc, argv); }
