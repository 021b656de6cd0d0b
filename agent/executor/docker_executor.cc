#include "agent/executor/docker_executor.h"

#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "agent/executor/docker_client.h"
#include "common/arch.h"
#include "common/logging.h"

namespace arena {
namespace {

// Capabilities a test suite commonly needs (file ownership, setuid helpers,
// signals, low ports); every other one is dropped.
const std::vector<std::string> kMinimalCapabilities = {
    "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID", "NET_BIND_SERVICE"};
constexpr int kRemoveTries = 60;
constexpr absl::Duration kDockerRestartWait = absl::Seconds(20);

RunResult Error(std::string reason) {
  RunResult result;
  result.outcome = RunResult::Outcome::kError;
  result.reason = std::move(reason);
  return result;
}

ContainerSpec SpecFor(const RunRequest& request, const std::string& agent_id) {
  ContainerSpec spec;
  spec.name = absl::StrCat("arena-", request.attempt_id);
  spec.image = request.image;
  spec.platform = absl::StrCat("linux/", request.arch);
  spec.command = request.command;
  for (const auto& [key, value] : request.env) spec.env.push_back(absl::StrCat(key, "=", value));
  spec.labels["arena.attempt"] = request.attempt_id;
  spec.labels["arena.task"] = request.task_id;
  spec.labels["arena.job"] = request.job_id;
  spec.labels["arena.agent"] = agent_id;
  if (!request.workspace.empty()) {
    spec.binds.push_back(absl::StrCat(request.workspace, ":/workspace"));
    spec.working_dir = "/workspace";
  }
  spec.pids_limit = request.pids;
  spec.memory_bytes = request.memory_mb * 1024 * 1024;
  spec.nano_cpus = static_cast<int64_t>(request.cpus * 1e9);
  spec.network_mode = request.network;
  spec.user = request.user;
  spec.cap_add = {kMinimalCapabilities.begin(), kMinimalCapabilities.end()};
  return spec;
}

// A local image must exist and be built for the task's architecture; Arena
// never pulls (test hosts need not reach a registry).
absl::Status CheckImagePlatform(DockerClient& docker, const RunRequest& request) {
  absl::StatusOr<std::string> platform = docker.ImagePlatform(request.image);
  if (!platform.ok()) return platform.status();
  std::string arch_part = platform->substr(platform->find('/') + 1);
  absl::StatusOr<std::string> arch = NormalizeArch(arch_part);
  if (arch.ok() && *arch == request.arch) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat("image ", request.image, " is built for ",
                                                    *platform, " but the task runs on linux/",
                                                    request.arch));
}

}  // namespace

RunResult DockerExecutor::Run(const RunRequest& request, RunObserver* observer, StopSignal* stop) {
  DockerClient docker(socket_path_);
  absl::Status status = docker.Connect(kDockerRestartWait);
  if (!status.ok()) return Error(std::string(status.message()));
  status = CheckImagePlatform(docker, request);
  if (!status.ok()) return Error(std::string(status.message()));
  absl::StatusOr<std::string> id = docker.CreateContainer(SpecFor(request, agent_id_));
  if (!id.ok()) return Error(std::string(id.status().message()));
  // Removal outlives a daemon restart: retried while dockerd is away.
  auto remove = [&] {
    absl::Status removed = docker.RemoveContainer(*id);
    for (int i = 0; i < kRemoveTries && absl::IsUnavailable(removed); ++i) {
      absl::SleepFor(absl::Milliseconds(500));
      removed = docker.RemoveContainer(*id);
    }
    if (!removed.ok()) LogLine("docker", removed.ToString());
  };
  if (stop->cancelled()) {
    remove();
    RunResult result = Error(stop->reason());
    result.outcome = RunResult::Outcome::kCancelled;
    return result;
  }
  absl::Notification attached;
  absl::Status output_status;
  std::thread output([&] {
    output_status = docker.AttachOutput(
        *id, [observer](int stream, absl::string_view data) { observer->OnOutput(stream, data); },
        [&attached] { attached.Notify(); });
  });
  attached.WaitForNotification();
  status = docker.StartContainer(*id);
  if (!status.ok()) {
    remove();  // ends the attach stream
    output.join();
    return Error(absl::StrCat("cannot start container: ", status.message()));
  }
  observer->OnStarted();

  // The watchdog stops the container on cancel or timeout; the log stream
  // and the wait below then end by themselves.
  absl::Mutex mu;
  bool finished = false;
  RunResult::Outcome stopped_as = RunResult::Outcome::kExited;
  std::thread watchdog([&] {
    absl::Time deadline = absl::Now() + request.timeout;
    bool cancelled = false;
    while (true) {
      {
        absl::MutexLock lock(&mu);
        if (finished) return;
      }
      absl::Time step = std::min(deadline, absl::Now() + absl::Milliseconds(200));
      cancelled = stop->WaitUntil(step);
      if (cancelled || absl::Now() >= deadline) break;
    }
    {
      absl::MutexLock lock(&mu);
      if (finished) return;
      stopped_as = cancelled ? RunResult::Outcome::kCancelled : RunResult::Outcome::kTimedOut;
    }
    int grace = static_cast<int>(absl::ToInt64Seconds(request.stop_grace));
    absl::Status stopped = DockerClient(socket_path_).StopContainer(*id, grace);
    if (!stopped.ok()) LogLine("docker", stopped.ToString());
  });

  absl::StatusOr<int> exit_code = docker.WaitContainer(*id);
  output.join();
  {
    absl::MutexLock lock(&mu);
    finished = true;
  }
  watchdog.join();
  absl::StatusOr<ContainerState> state = docker.InspectState(*id);
  bool oom_killed = state.ok() && state->oom_killed;
  remove();

  RunResult result;
  if (!exit_code.ok()) {
    return Error(absl::StrCat("lost the container: ", exit_code.status().message()));
  }
  if (*exit_code != 0 && stopped_as == RunResult::Outcome::kExited && !docker.Ping()) {
    // dockerd stopped the container on its way down: not the test's fault.
    return Error(absl::StrCat("dockerd went away while the task ran (exit ", *exit_code, ")"));
  }
  if (!output_status.ok()) {
    LogLine("docker", absl::StrCat("output stream of ", *id, ": ", output_status.message()));
  }
  result.exit_code = *exit_code;
  result.outcome = stopped_as;
  if (stopped_as == RunResult::Outcome::kTimedOut) {
    result.reason = absl::StrCat("timed out after ", absl::FormatDuration(request.timeout));
  } else if (stopped_as == RunResult::Outcome::kCancelled) {
    result.reason = stop->reason();
  } else if (oom_killed) {
    result.oom_killed = true;
    result.reason = absl::StrCat("out of memory: killed at the ", request.memory_mb,
                                 " MiB limit (exit ", *exit_code, ")");
  } else if (*exit_code != 0) {
    result.reason = absl::StrCat("exited with code ", *exit_code);
  }
  return result;
}

int DockerExecutor::RemoveOrphans() {
  DockerClient docker(socket_path_);
  if (!docker.Connect().ok()) return 0;
  absl::StatusOr<std::vector<std::string>> ids =
      docker.ListContainersWithLabel(absl::StrCat("arena.agent=", agent_id_));
  if (!ids.ok()) return 0;
  int removed = 0;
  for (const std::string& id : *ids) {
    if (docker.RemoveContainer(id).ok()) ++removed;
  }
  return removed;
}

}  // namespace arena
