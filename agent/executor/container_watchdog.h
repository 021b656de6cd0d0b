// Stops an attempt's container when it is cancelled or runs past its
// timeout: SIGTERM, `grace`, then SIGKILL (POST /containers/ID/stop). The
// container's wait and output stream then end by themselves.
//
// Owned by the executor's Run for one container, on the attempt's thread;
// the watch runs on a thread of its own, joined by Finish (or the
// destructor). Finish is for the owner only.
#ifndef ARENA_AGENT_EXECUTOR_CONTAINER_WATCHDOG_H_
#define ARENA_AGENT_EXECUTOR_CONTAINER_WATCHDOG_H_

#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "agent/executor/executor.h"

namespace arena {

class ContainerWatchdog {
 public:
  // Watches until `stop` is cancelled, Finish is called, or `timeout`.
  ContainerWatchdog(std::string socket_path, std::string container, absl::Duration timeout,
                    absl::Duration grace, StopSignal* stop);
  ~ContainerWatchdog();
  ContainerWatchdog(const ContainerWatchdog&) = delete;
  ContainerWatchdog& operator=(const ContainerWatchdog&) = delete;

  // Ends the watch; returns how the container was stopped: kCancelled,
  // kTimedOut, or kExited when the watchdog did not stop it.
  RunResult::Outcome Finish() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  void Watch(absl::Duration timeout, absl::Duration grace) ABSL_LOCKS_EXCLUDED(mu_);

  const std::string socket_path_;
  const std::string container_;
  StopSignal* const stop_;
  absl::Mutex mu_;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  RunResult::Outcome stopped_as_ ABSL_GUARDED_BY(mu_) = RunResult::Outcome::kExited;
  std::thread thread_;  // last: starts once the rest is set
};

}  // namespace arena

#endif  // ARENA_AGENT_EXECUTOR_CONTAINER_WATCHDOG_H_
