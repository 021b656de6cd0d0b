// The agent's health: runs its checks (health_checks.h) at start and every
// interval, and holds what the last pass found, plus a failed post-task hook,
// for the Hello and each heartbeat. The controller gives an unhealthy agent no
// new work; running attempts go on.
//
// A failed post-task hook keeps the agent unhealthy (whatever the other
// checks say) until a later pass runs the hook again (`post_task_recheck`,
// with ARENA_HEALTH_CHECK=1 and no task in its environment) and it succeeds,
// or the agent restarts: a bench left in a bad state should not take work
// until its reset works again.
//
// Owned by the agent's main, outliving the session that reads it.
// Thread-safe: checks run on the monitor's thread (or the caller's, for
// CheckNow) with no lock held; the listener runs under its own lock only, so
// SetListener(nullptr) waits for a call in progress.
#ifndef ARENA_AGENT_HEALTH_HEALTH_MONITOR_H_
#define ARENA_AGENT_HEALTH_HEALTH_MONITOR_H_

#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "arena/v1/agent.pb.h"

namespace arena {

// One check: the problem in a sentence, or empty when it passes.
using HealthCheck = std::function<std::string()>;

struct HealthOptions {
  absl::Duration interval = absl::Minutes(5);
  std::vector<HealthCheck> checks;  // run in order, every one each pass
  // Runs the post-task hook again after it failed; null without one.
  HealthCheck post_task_recheck;
};

class HealthMonitor {
 public:
  explicit HealthMonitor(HealthOptions options);
  // Stops the thread (waiting for a pass in progress).
  ~HealthMonitor();
  HealthMonitor(const HealthMonitor&) = delete;
  HealthMonitor& operator=(const HealthMonitor&) = delete;

  // One pass on the caller's thread. Calls the listener when the verdict or
  // its problems changed.
  void CheckNow() ABSL_LOCKS_EXCLUDED(mu_);
  // A pass now (so the Hello carries it), then one every interval on the
  // monitor's own thread. Call once.
  void Start();

  v1::AgentHealth Current() const ABSL_LOCKS_EXCLUDED(mu_);
  // A post-task hook failed with `problem`: unhealthy until a later pass's
  // recheck succeeds (see above).
  void HookFailed(const std::string& problem) ABSL_LOCKS_EXCLUDED(mu_);
  // Called after the health changed (replacing any earlier listener; null
  // removes it). Must not call back into the monitor's setters.
  void SetListener(std::function<void()> on_change) ABSL_LOCKS_EXCLUDED(listener_mu_);

 private:
  // Stores the pass's problems and its time.
  void Record(std::vector<std::string> problems) ABSL_LOCKS_EXCLUDED(mu_);
  // The hook problem after a recheck: kept, replaced or cleared.
  void RecheckHook() ABSL_LOCKS_EXCLUDED(mu_);
  void Notify() ABSL_LOCKS_EXCLUDED(listener_mu_);
  v1::AgentHealth CurrentLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const HealthOptions options_;
  mutable absl::Mutex mu_;
  std::vector<std::string> check_problems_ ABSL_GUARDED_BY(mu_);
  std::string hook_problem_ ABSL_GUARDED_BY(mu_);
  int64_t hook_failures_ ABSL_GUARDED_BY(mu_) = 0;  // tells a recheck a newer failure came
  absl::Time checked_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  absl::Mutex listener_mu_;
  std::function<void()> listener_ ABSL_GUARDED_BY(listener_mu_);
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace arena

#endif  // ARENA_AGENT_HEALTH_HEALTH_MONITOR_H_
