#include "agent/executor/container_watchdog.h"

#include <utility>

#include "absl/time/clock.h"
#include "agent/executor/docker_client.h"
#include "common/logging.h"

namespace arena {

ContainerWatchdog::ContainerWatchdog(std::string socket_path, std::string container,
                                     absl::Duration timeout, absl::Duration grace, StopSignal* stop)
    : socket_path_(std::move(socket_path)),
      container_(std::move(container)),
      stop_(stop),
      thread_([this, timeout, grace] { Watch(timeout, grace); }) {}

ContainerWatchdog::~ContainerWatchdog() {
  if (thread_.joinable()) Finish();
}

void ContainerWatchdog::Watch(absl::Duration timeout, absl::Duration grace) {
  // Woken by a cancel, by Finish(), or at the deadline.
  bool cancelled = stop_->WaitUntil(absl::Now() + timeout);
  {
    absl::MutexLock lock(&mu_);
    if (finished_) return;
    stopped_as_ = cancelled ? RunResult::Outcome::kCancelled : RunResult::Outcome::kTimedOut;
  }
  int grace_s = static_cast<int>(absl::ToInt64Seconds(grace));
  absl::Status stopped = DockerClient(socket_path_).StopContainer(container_, grace_s);
  if (!stopped.ok()) Log(LogLevel::kWarn, "docker", stopped.ToString());
}

RunResult::Outcome ContainerWatchdog::Finish() {
  {
    absl::MutexLock lock(&mu_);
    finished_ = true;
  }
  stop_->Wake();
  if (thread_.joinable()) thread_.join();
  absl::MutexLock lock(&mu_);
  return stopped_as_;
}

}  // namespace arena
