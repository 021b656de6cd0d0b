#include "agent/executor/disk_limit.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/logging.h"

namespace arena {
namespace {

// dockerd's answer when the driver cannot apply StorageOpt size, e.g.
// "--storage-opt is supported only for overlay over xfs with 'pquota' mount
// option".
bool IsStorageOptUnsupported(const absl::Status& status) {
  std::string message = absl::AsciiStrToLower(status.message());
  return absl::StrContains(message, "storage-opt") || absl::StrContains(message, "storage opt") ||
         absl::StrContains(message, "storageopt") || absl::StrContains(message, "quota");
}

}  // namespace

absl::StatusOr<std::string> DiskLimiter::Create(DockerClient& docker, ContainerSpec spec,
                                                int64_t disk_mb, bool* watch) {
  *watch = false;
  if (disk_mb <= 0) return docker.CreateContainer(spec);
  Mode mode;
  {
    absl::MutexLock lock(&mu_);
    mode = mode_;
  }
  if (mode != Mode::kWatch) {
    ContainerSpec quota = spec;
    quota.storage_opt["size"] = absl::StrCat(disk_mb, "M");
    absl::StatusOr<std::string> id = docker.CreateContainer(quota);
    if (id.ok() || !IsStorageOptUnsupported(id.status())) {
      if (id.ok() && mode == Mode::kUnknown) {
        absl::MutexLock lock(&mu_);
        mode_ = Mode::kStorageOpt;
      }
      return id;
    }
    absl::MutexLock lock(&mu_);
    if (mode_ == Mode::kUnknown) {
      LogLine("docker", absl::StrCat("the storage driver cannot limit a container's size (",
                                     id.status().message(),
                                     "); disk limits use a /tmp tmpfs and a watch on the "
                                     "writable layer"));
    }
    mode_ = Mode::kWatch;
  }
  // exec: tests build and run programs in /tmp.
  spec.tmpfs["/tmp"] = absl::StrCat("rw,exec,nosuid,nodev,mode=1777,size=", disk_mb, "m");
  *watch = true;
  return docker.CreateContainer(spec);
}

DiskWatch::DiskWatch(std::string socket_path, std::string container, int64_t disk_mb,
                     absl::Duration interval) {
  if (disk_mb <= 0) return;
  thread_ = std::thread([this, socket_path, container, disk_mb, interval] {
    Watch(socket_path, container, disk_mb, interval);
  });
}

DiskWatch::~DiskWatch() { Finish(); }

void DiskWatch::Finish() {
  if (!done_.HasBeenNotified()) done_.Notify();
  if (thread_.joinable()) thread_.join();
}

std::string DiskWatch::reason() const {
  absl::MutexLock lock(&mu_);
  return reason_;
}

void DiskWatch::Watch(const std::string& socket_path, const std::string& container, int64_t disk_mb,
                      absl::Duration interval) {
  DockerClient docker(socket_path);
  const int64_t limit = disk_mb << 20;
  while (!done_.WaitForNotificationWithTimeout(interval)) {
    absl::StatusOr<int64_t> bytes = docker.WritableLayerBytes(container);
    if (!bytes.ok() || *bytes <= limit) continue;  // a failed poll: the next one
    {
      absl::MutexLock lock(&mu_);
      reason_ = absl::StrCat("writable layer over ", disk_mb, " MiB disk limit (", *bytes >> 20,
                             " MiB written); the container was killed");
    }
    LogLine("docker", absl::StrCat(container.substr(0, 12), ": ", reason()));
    absl::Status stopped = docker.StopContainer(container, 0);
    if (!stopped.ok()) Log(LogLevel::kWarn, "docker", stopped.ToString());
    return;
  }
}

void NoteDiskKill(const DiskWatch& disk, RunObserver* observer, RunResult* result) {
  if (disk.reason().empty() || result->outcome != RunResult::Outcome::kExited) return;
  result->reason = disk.reason();
  result->oom_killed = false;
  if (result->exit_code == 0) result->exit_code = 137;
  observer->OnOutput(3, absl::StrCat("arena: ", result->reason, "\n"));
}

}  // namespace arena
