// An attempt's disk limit (RunRequest::disk_mb) on the container's writable
// layer and /tmp. Where the storage driver can enforce it (overlay2 on xfs
// with pquota and the like) the container gets HostConfig.StorageOpt size,
// and writes past it fail with ENOSPC. Where it cannot — dockerd refuses the
// option, which is how this is detected, once per executor — /tmp becomes a
// tmpfs of that size and a DiskWatch polls the writable layer's size
// (SizeRw), killing the container when it passes the limit. The watch has a
// poll's worth of slack: a job can write past the limit for up to one
// interval before it is stopped.
//
// DiskLimiter is owned by the DockerExecutor and thread-safe; a DiskWatch is
// owned by one Run on its thread, polls on a thread of its own, and is
// thread-safe.
#ifndef ARENA_AGENT_EXECUTOR_DISK_LIMIT_H_
#define ARENA_AGENT_EXECUTOR_DISK_LIMIT_H_

#include <cstdint>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "agent/executor/docker_client.h"
#include "agent/executor/executor.h"

namespace arena {

// Remembers what the storage driver supports. Thread-safe.
class DiskLimiter {
 public:
  // Creates the container with a `disk_mb` limit (0: none). `*watch` is set
  // when the limit must be enforced by a DiskWatch.
  absl::StatusOr<std::string> Create(DockerClient& docker, ContainerSpec spec, int64_t disk_mb,
                                     bool* watch);

 private:
  enum class Mode { kUnknown, kStorageOpt, kWatch };
  absl::Mutex mu_;
  Mode mode_ ABSL_GUARDED_BY(mu_) = Mode::kUnknown;
};

// Watches one container's writable layer from construction to Finish().
class DiskWatch {
 public:
  // Inactive when `disk_mb` is 0.
  DiskWatch(std::string socket_path, std::string container, int64_t disk_mb,
            absl::Duration interval = absl::Seconds(2));
  ~DiskWatch();
  DiskWatch(const DiskWatch&) = delete;
  DiskWatch& operator=(const DiskWatch&) = delete;

  // Stops watching. Idempotent.
  void Finish();
  // Why the container was killed ("writable layer over N MiB disk limit
  // ..."), or "" when it was not. Call after Finish().
  std::string reason() const;

 private:
  void Watch(const std::string& socket_path, const std::string& container, int64_t disk_mb,
             absl::Duration interval);

  absl::Notification done_;
  mutable absl::Mutex mu_;
  std::string reason_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

// A container killed over its disk limit failed for that reason, whatever
// its exit status says (said in its log too).
void NoteDiskKill(const DiskWatch& disk, RunObserver* observer, RunResult* result);

}  // namespace arena

#endif  // ARENA_AGENT_EXECUTOR_DISK_LIMIT_H_
