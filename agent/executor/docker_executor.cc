#include "agent/executor/docker_executor.h"

#include <algorithm>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "agent/executor/attempt_files.h"
#include "agent/executor/container_spec.h"
#include "agent/executor/container_watchdog.h"
#include "agent/executor/docker_client.h"
#include "agent/executor/service_pod.h"
#include "common/arch.h"
#include "common/files.h"
#include "common/ids.h"
#include "common/log_channel.h"
#include "common/logging.h"
#include "common/status_macros.h"

namespace arena {
namespace {

constexpr int kRemoveTries = 60;
constexpr absl::Duration kDockerRestartWait = absl::Seconds(20);

// An attempt that could not get its image or container.
RunResult ErrorFrom(const absl::Status& status) {
  RunResult result = ErrorResult(std::string(status.message()));
  result.permanent = IsPermanentPullError(status);
  if (absl::IsCancelled(status)) result.outcome = RunResult::Outcome::kCancelled;
  return result;
}

// Copies the attempt's files into `result`; each note also becomes a line
// in the attempt's log.
void CopyFiles(DockerClient& docker, const std::string& container, const std::string& working_dir,
               const RunRequest& request, RunObserver* observer, RunResult* result) {
  size_t before = result->notes.size();
  result->files = CopyAttemptFiles(docker, container, working_dir, request, &result->notes);
  for (size_t i = before; i < result->notes.size(); ++i) SystemLine(observer, result->notes[i]);
}

}  // namespace

DockerExecutor::DockerExecutor(std::string socket_path, std::string agent_id,
                               absl::Duration warm_idle, PullOptions pull_options,
                               BuildOptions build_options, ImageGcOptions gc_options)
    : socket_path_(std::move(socket_path)),
      agent_id_(std::move(agent_id)),
      warm_(warm_idle),
      puller_(socket_path_, pull_options),
      builder_(socket_path_,
               [&] {
                 BuildOptions options = build_options;
                 if (options.docker_config.empty())
                   options.docker_config = pull_options.docker_config;
                 return options;
               }()),
      ledger_(ImageLedger::Open(gc_options.ledger_path)),
      collector_(socket_path_, ledger_.get(), gc_options),
      reaper_([this] {
        while (!stop_reaper_.WaitForNotificationWithTimeout(absl::Seconds(5)))
          ReapIdleWarmContainers();
      }),
      remover_([this] {
        while (true) {
          std::string id;
          {
            absl::MutexLock lock(&mu_);
            auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
              return stopping_ || !to_remove_.empty();
            };
            mu_.Await(absl::Condition(&ready));
            if (to_remove_.empty()) return;  // stopping and drained
            id = std::move(to_remove_.front());
            to_remove_.pop_front();
          }
          // While the agent stops, one quick try each (RemoveContainer does
          // not retry then): what is left is an orphan the next start removes.
          DockerClient docker(socket_path_);
          docker.Connect(stop_reaper_.HasBeenNotified() ? absl::Seconds(1) : kDockerRestartWait)
              .IgnoreError();
          RemoveContainer(docker, id);
          collector_.Poke();  // its image may be idle now
        }
      }) {}

DockerExecutor::~DockerExecutor() { Shutdown(); }

void DockerExecutor::Shutdown() {
  {
    absl::MutexLock lock(&mu_);
    if (shut_down_) return;
    shut_down_ = true;
  }
  stop_reaper_.Notify();
  reaper_.join();
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  remover_.join();
  for (const WarmContainer& w : warm_.TakeAll()) RemoveWarmContainer(w);
  // What an attempt thread still running at the deadline created.
  int left = RemoveOrphans();
  if (left > 0) LogLine("docker", absl::StrCat("removed ", left, " containers left at shutdown"));
}

void DockerExecutor::RemoveContainer(DockerClient& docker, const std::string& id) {
  absl::Status removed = docker.RemoveContainer(id);
  // Not past the start of the agent's shutdown.
  for (int i = 0;
       i < kRemoveTries && absl::IsUnavailable(removed) && !stop_reaper_.HasBeenNotified(); ++i) {
    absl::SleepFor(absl::Milliseconds(500));
    removed = docker.RemoveContainer(id);
  }
  if (!removed.ok()) Log(LogLevel::kWarn, "docker", removed.ToString());
}

void DockerExecutor::RemoveLater(const std::string& id) {
  absl::MutexLock lock(&mu_);
  to_remove_.push_back(id);
}

RunResult DockerExecutor::Run(const RunRequest& request, RunObserver* observer, StopSignal* stop) {
  if (!request.warm_key.empty() && !request.destructive) {
    return RunInWarmContainer(request, observer, stop);
  }
  RunResult result = RunContainer(request, observer, stop);
  if (request.destructive) EndWarmContainers(request.warm_key);
  return result;
}

RunResult DockerExecutor::RunContainer(const RunRequest& request, RunObserver* observer,
                                       StopSignal* stop) {
  DockerClient docker(socket_path_);
  absl::Status status = docker.Connect(kDockerRestartWait);
  if (!status.ok()) return ErrorResult(std::string(status.message()));
  std::string workspace;
  absl::StatusOr<PreparedImage> image = PrepareImage(request, observer, stop, &workspace);
  struct Cleanup {
    std::string dir;
    ~Cleanup() {
      if (!dir.empty() && !RemoveTree(dir).ok())
        Log(LogLevel::kWarn, "docker", "cannot remove " + dir);
    }
  } cleanup{workspace};
  if (!image.ok()) return ErrorFrom(image.status());
  bool watch_disk = false;
  ContainerSpec spec = ContainerSpecFor(request, agent_id_, workspace);
  spec.image = image->ready.info.id;  // what was checked, even if the tag moved since
  absl::StatusOr<std::unique_ptr<ServicePod>> pod = StartPod(request, observer, stop);
  if (!pod.ok()) return ErrorFrom(pod.status());
  if (*pod != nullptr) spec.network_mode = (*pod)->network_mode();
  absl::StatusOr<std::string> id = disk_limiter_.Create(docker, spec, request.disk_mb, &watch_disk);
  if (!id.ok()) return ErrorResult(std::string(id.status().message()));
  if (stop->cancelled()) {
    RemoveContainer(docker, *id);
    RunResult result = ErrorResult(stop->reason());
    result.outcome = RunResult::Outcome::kCancelled;
    return result;
  }
  if (*pod != nullptr) (*pod)->StopOnFailure(*id);
  RunResult result = FollowContainer(docker, *id, request, watch_disk, observer, stop);
  result.image_digest = image->ready.digest;
  if (*pod != nullptr) NotePodFailure(**pod, observer, &result);
  return result;
}

absl::StatusOr<std::unique_ptr<ServicePod>> DockerExecutor::StartPod(const RunRequest& request,
                                                                     RunObserver* observer,
                                                                     StopSignal* stop) {
  if (request.services.empty()) return std::unique_ptr<ServicePod>();
  auto pod = std::make_unique<ServicePod>(socket_path_, agent_id_, request, observer);
  auto images = [this, &request, observer](const ServiceRequest& service,
                                           StopSignal* stop) -> absl::StatusOr<PodImage> {
    ImageNeed need{service.image, request.arch, service.pull_policy, request.registry_logins};
    PullWatch watch;
    watch.say = [observer](absl::string_view line) { SystemLine(observer, line); };
    watch.progress = [observer, &service](int64_t done, int64_t total) {
      observer->OnProgress({"pulling", service.image, done, total});
    };
    ASSIGN_OR_RETURN(PreparedImage image,
                     LeaseImage([&] { return puller_.Ensure(need, watch, stop); }, service.image));
    return PodImage{image.ready.info.id, std::move(image.lease)};
  };
  RETURN_IF_ERROR(pod->Start(images, stop));
  return pod;
}

absl::StatusOr<DockerExecutor::PreparedImage> DockerExecutor::PrepareImage(
    const RunRequest& request, RunObserver* observer, StopSignal* stop, std::string* workspace) {
  return LeaseImage([&] { return ObtainImage(request, observer, stop, workspace); }, request.image,
                    request.build.enabled);
}

absl::StatusOr<DockerExecutor::PreparedImage> DockerExecutor::LeaseImage(
    const std::function<absl::StatusOr<ReadyImage>()>& obtain, const std::string& image,
    bool built) {
  absl::Status aborted;
  // Image GC may remove the image between its lookup and its lease: then
  // it is made present again (bounded: each try sees a later removal).
  for (int tries = 0; tries < 3; ++tries) {
    absl::Time seen_at = ledger_->Now();
    absl::StatusOr<ReadyImage> ready = obtain();
    if (!ready.ok()) return ready.status();
    // A built image is known by its content-addressed tag.
    std::string name =
        built && !ready->info.repo_tags.empty() ? ready->info.repo_tags.front() : image;
    absl::StatusOr<ImageLease> lease =
        ready->brought ? ledger_->Bring(ready->info.id, name, ready->info.size, seen_at)
                       : ledger_->Use(ready->info.id, seen_at);
    if (lease.ok()) return PreparedImage{std::move(*ready), std::move(*lease)};
    aborted = lease.status();
  }
  return absl::UnavailableError(aborted.message());
}

ImageStoreSummary DockerExecutor::ImageStore() const { return ledger_->Summary(); }

int DockerExecutor::CollectImages() { return collector_.CollectOnce(); }

absl::StatusOr<ReadyImage> DockerExecutor::ObtainImage(const RunRequest& request,
                                                       RunObserver* observer, StopSignal* stop,
                                                       std::string* workspace) {
  auto say = [observer](absl::string_view line) { SystemLine(observer, line); };
  auto checkout = [&]() -> absl::Status {
    if (!request.make_workspace || !workspace->empty()) return absl::OkStatus();  // done before
    absl::StatusOr<std::string> made =
        request.make_workspace([observer](absl::string_view data) { observer->OnOutput(3, data); });
    if (!made.ok()) return absl::Status(made.status().code(), made.status().message());
    *workspace = *made;
    return absl::OkStatus();
  };
  if (!request.build.enabled) {
    ImageNeed need;
    need.image = request.image;
    need.arch = request.arch;
    need.policy = request.pull_policy;
    need.logins = request.registry_logins;
    PullWatch watch;
    watch.say = say;
    watch.progress = [observer, &request](int64_t done, int64_t total) {
      observer->OnProgress({"pulling", request.image, done, total});
    };
    absl::StatusOr<ReadyImage> image = puller_.Ensure(need, watch, stop);
    if (!image.ok()) return image;
    RETURN_IF_ERROR(checkout());
    return image;
  }
  if (!request.make_workspace) {
    return MarkPermanent(absl::InvalidArgumentError("a build needs the job's checkout (--repo)"));
  }
  RETURN_IF_ERROR(checkout());
  BuildNeed need;
  need.checkout = *workspace;
  need.inputs = {request.build.dockerfile, request.build.context, request.build.args,
                 request.build.target, request.arch};
  need.pull_policy = request.build.pull_policy;
  need.logins = request.registry_logins;
  need.fetch_logins = request.fetch_base_logins;
  need.progress = [observer](const std::string& detail, int64_t done, int64_t total) {
    observer->OnProgress({"building", detail, done, total});
  };
  return builder_.Ensure(
      need, say,
      [observer](absl::string_view data) { observer->OnChannelOutput(kBuildChannel, data); }, stop);
}

RunResult DockerExecutor::FollowContainer(DockerClient& docker, const std::string& id,
                                          const RunRequest& request, bool watch_disk,
                                          RunObserver* observer, StopSignal* stop) {
  absl::Notification attached;
  absl::Status output_status;
  std::thread output([&] {
    output_status = docker.AttachOutput(
        id, [observer](int stream, absl::string_view data) { observer->OnOutput(stream, data); },
        [&attached] { attached.Notify(); });
  });
  attached.WaitForNotification();
  absl::Status status = docker.StartContainer(id);
  if (!status.ok()) {
    RemoveContainer(docker, id);  // ends the attach stream
    output.join();
    return ErrorResult(absl::StrCat("cannot start container: ", status.message()));
  }
  observer->OnStarted();

  // The watchdog stops the container on cancel or timeout; the log stream
  // and the wait below then end by themselves.
  ContainerWatchdog watchdog(socket_path_, id, request.timeout, request.stop_grace, stop);
  DiskWatch disk(socket_path_, id, watch_disk ? request.disk_mb : 0);
  absl::StatusOr<int> exit_code = docker.WaitContainer(id);
  output.join();
  RunResult::Outcome stopped_as = watchdog.Finish();
  disk.Finish();
  // Inspected only when it can matter: a failure may be an OOM kill (of the
  // main process or a child), and copying files needs the working directory.
  bool inspect =
      !exit_code.ok() || *exit_code != 0 || !request.artifacts.empty() || !request.junit.empty();
  absl::StatusOr<ContainerState> state =
      inspect ? docker.InspectState(id) : absl::StatusOr<ContainerState>(ContainerState());
  bool oom_killed = state.ok() && state->oom_killed;
  RunResult result;
  if (exit_code.ok() && stopped_as != RunResult::Outcome::kCancelled) {
    CopyFiles(docker, id, state.ok() ? state->working_dir : "", request, observer, &result);
  }
  RemoveLater(id);

  if (!exit_code.ok()) {
    return ErrorResult(absl::StrCat("lost the container: ", exit_code.status().message()));
  }
  if (*exit_code != 0 && stopped_as == RunResult::Outcome::kExited && !docker.Ping()) {
    // dockerd stopped the container on its way down: not the test's fault.
    return ErrorResult(
        absl::StrCat("dockerd went away while the task ran (exit ", *exit_code, ")"));
  }
  if (!output_status.ok()) {
    LogLine("docker", absl::StrCat("output stream of ", id, ": ", output_status.message()));
  }
  result.exit_code = *exit_code;
  result.outcome = stopped_as;
  result.oom_killed = oom_killed && stopped_as == RunResult::Outcome::kExited;
  result.reason = RunReason(result, request, stop);
  NoteDiskKill(disk, observer, &result);
  return result;
}

absl::StatusOr<WarmContainer> DockerExecutor::AcquireWarmContainer(DockerClient& docker,
                                                                   const RunRequest& request,
                                                                   RunObserver* observer,
                                                                   StopSignal* stop) {
  std::optional<WarmContainer> idle = warm_.Acquire(request.warm_key, request.image);
  if (idle.has_value() && idle->pod != nullptr && !idle->pod->failure().empty()) {
    ReleaseWarmContainer(*idle, false);  // a service of it died while it idled
    idle.reset();
  }
  if (idle.has_value()) {
    if (idle->pod != nullptr) idle->pod->SetObserver(observer);
    return *idle;
  }
  absl::Status status;
  WarmContainer warm;
  warm.key = request.warm_key;
  warm.image = request.image;
  absl::StatusOr<PreparedImage> image = PrepareImage(request, observer, stop, &warm.workspace);
  if (!image.ok()) {
    RemoveWarmContainer(warm);  // its checkout
    return image.status();
  }
  warm.image_digest = image->ready.digest;
  warm.image_lease = std::make_shared<ImageLease>(std::move(image->lease));
  RunRequest base = request;
  // Named arena-session-ID, as before the rename (operators may look for it).
  base.attempt_id = absl::StrCat("session-", NewId("s").substr(2));
  ContainerSpec spec = ContainerSpecFor(base, agent_id_, warm.workspace);
  spec.image = image->ready.info.id;
  spec.labels["arena.session"] = request.warm_key;  // the label keeps its name
  // Idles until stopped; tests arrive by exec.
  spec.command = {"sh", "-c", "trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done"};
  absl::StatusOr<std::unique_ptr<ServicePod>> pod = StartPod(base, observer, stop);
  if (!pod.ok()) {
    RemoveWarmContainer(warm);
    return pod.status();
  }
  warm.pod = std::move(*pod);
  if (warm.pod != nullptr) spec.network_mode = warm.pod->network_mode();
  absl::StatusOr<std::string> id =
      disk_limiter_.Create(docker, spec, request.disk_mb, &warm.watch_disk);
  if (id.ok()) {
    warm.container_id = *id;
    if (warm.pod != nullptr) warm.pod->StopOnFailure(*id);
    status = docker.StartContainer(*id);
  } else {
    status = id.status();
  }
  if (!status.ok()) {
    RemoveWarmContainer(warm);
    return status;
  }
  absl::StatusOr<ContainerState> state = docker.InspectState(warm.container_id);
  warm.working_dir = state.ok() ? state->working_dir : "";
  warm_.Add(warm);
  warm.busy = true;
  return warm;
}

void DockerExecutor::ReleaseWarmContainer(const WarmContainer& warm, bool keep) {
  if (warm.pod != nullptr) {
    warm.pod->SetObserver(nullptr);  // the attempt's observer goes
    keep = keep && warm.pod->failure().empty();
  }
  if (warm_.Release(warm.container_id, keep, absl::Now())) RemoveWarmContainer(warm);
}

void DockerExecutor::EndWarmContainers(const std::string& key) {
  int busy = 0;
  std::vector<WarmContainer> idle = warm_.EndKey(key, &busy);
  for (const WarmContainer& w : idle) RemoveWarmContainer(w);
  if (idle.empty() && busy == 0) return;
  LogLine("docker",
          absl::StrCat("warm containers of ", key, " ended: removed ", idle.size(),
                       busy > 0 ? absl::StrCat(", ", busy, " go when their test ends") : ""));
}

void DockerExecutor::ReapIdleWarmContainers() {
  for (const WarmContainer& w : warm_.TakeIdleTooLong(absl::Now())) RemoveWarmContainer(w);
}

int DockerExecutor::WarmContainerCount() const { return warm_.size(); }

void DockerExecutor::RemoveWarmContainer(const WarmContainer& warm) {
  if (!warm.container_id.empty()) {
    DockerClient docker(socket_path_);
    absl::Status removed = docker.RemoveContainer(warm.container_id);
    if (!removed.ok()) Log(LogLevel::kWarn, "docker", removed.ToString());
  }
  if (warm.pod != nullptr) warm.pod->Stop();
  if (!warm.workspace.empty() && !RemoveTree(warm.workspace).ok()) {
    Log(LogLevel::kWarn, "docker", absl::StrCat("cannot remove ", warm.workspace));
  }
  collector_.Poke();
}

RunResult DockerExecutor::RunInWarmContainer(const RunRequest& request, RunObserver* observer,
                                             StopSignal* stop) {
  DockerClient docker(socket_path_);
  absl::Status status = docker.Connect(kDockerRestartWait);
  if (!status.ok()) return ErrorResult(std::string(status.message()));
  absl::StatusOr<WarmContainer> warm = AcquireWarmContainer(docker, request, observer, stop);
  if (!warm.ok()) return ErrorFrom(warm.status());
  ExecSpec exec;
  exec.command = CleanThenRun(request);
  for (const auto& [key, value] : request.env) exec.env.push_back(absl::StrCat(key, "=", value));
  exec.working_dir = warm->workspace.empty() ? "" : "/workspace";
  exec.user = request.user;
  absl::StatusOr<std::string> exec_id = docker.CreateExec(warm->container_id, exec);
  if (!exec_id.ok()) {
    ReleaseWarmContainer(*warm, false);
    return ErrorResult(
        absl::StrCat("cannot exec in the warm container: ", exec_id.status().message()));
  }
  observer->OnStarted();
  ContainerWatchdog watchdog(socket_path_, warm->container_id, request.timeout, request.stop_grace,
                             stop);
  DiskWatch disk(socket_path_, warm->container_id, warm->watch_disk ? request.disk_mb : 0);
  absl::Status output = docker.StartExec(*exec_id, [observer](int stream, absl::string_view data) {
    observer->OnOutput(stream, data);
  });
  RunResult::Outcome stopped_as = watchdog.Finish();
  disk.Finish();
  absl::StatusOr<int> exit_code = docker.ExecExitCode(*exec_id);
  RunResult result;
  if (!disk.reason().empty()) {  // the warm container is gone
    ReleaseWarmContainer(*warm, false);
    result.outcome = RunResult::Outcome::kExited;
    result.exit_code = 137;
    NoteDiskKill(disk, observer, &result);
    return result;
  }
  bool keep = stopped_as == RunResult::Outcome::kExited && output.ok() && exit_code.ok();
  if (keep) {
    std::string working_dir = warm->workspace.empty() ? warm->working_dir : "/workspace";
    CopyFiles(docker, warm->container_id, working_dir, request, observer, &result);
  }
  ReleaseWarmContainer(*warm, keep);
  if (stopped_as == RunResult::Outcome::kExited && (!output.ok() || !exit_code.ok())) {
    // A dead service kills the container: its exit is the reason.
    std::string failure = warm->pod != nullptr ? warm->pod->failure() : "";
    if (!failure.empty()) return ErrorResult(failure);
    return ErrorResult(absl::StrCat("lost the warm container: ",
                                    (!output.ok() ? output : exit_code.status()).message()));
  }
  result.outcome = stopped_as;
  result.exit_code = exit_code.ok() ? *exit_code : -1;
  result.reason = RunReason(result, request, stop);
  result.image_digest = warm->image_digest;
  if (warm->pod != nullptr) NotePodFailure(*warm->pod, observer, &result);
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
