#include "agent/health/health_monitor.h"

#include <algorithm>
#include <utility>

#include "absl/time/clock.h"

namespace arena {

HealthMonitor::HealthMonitor(HealthOptions options) : options_(std::move(options)) {}

HealthMonitor::~HealthMonitor() {
  stop_.Notify();
  if (thread_.joinable()) thread_.join();
}

void HealthMonitor::Start() {
  CheckNow();
  thread_ = std::thread([this] {
    while (!stop_.WaitForNotificationWithTimeout(options_.interval)) CheckNow();
  });
}

void HealthMonitor::CheckNow() {
  const v1::AgentHealth before = Current();
  std::vector<std::string> problems;
  for (const HealthCheck& check : options_.checks) {
    std::string problem = check();
    if (!problem.empty()) problems.push_back(std::move(problem));
  }
  RecheckHook();
  Record(std::move(problems));
  const v1::AgentHealth after = Current();
  if (before.healthy() != after.healthy() ||
      !std::equal(before.problems().begin(), before.problems().end(), after.problems().begin(),
                  after.problems().end())) {
    Notify();
  }
}

void HealthMonitor::RecheckHook() {
  int64_t failures = 0;
  {
    absl::MutexLock lock(&mu_);
    if (hook_problem_.empty() || !options_.post_task_recheck) return;
    failures = hook_failures_;
  }
  std::string problem = options_.post_task_recheck();
  absl::MutexLock lock(&mu_);
  // A hook that failed again while the recheck ran keeps its own reason.
  if (hook_failures_ == failures) hook_problem_ = problem;
}

void HealthMonitor::Record(std::vector<std::string> problems) {
  absl::MutexLock lock(&mu_);
  check_problems_ = std::move(problems);
  checked_ = absl::Now();
}

void HealthMonitor::HookFailed(const std::string& problem) {
  bool changed = false;
  {
    absl::MutexLock lock(&mu_);
    changed = hook_problem_ != problem;
    hook_problem_ = problem;
    ++hook_failures_;
  }
  if (changed) Notify();
}

v1::AgentHealth HealthMonitor::Current() const {
  absl::MutexLock lock(&mu_);
  return CurrentLocked();
}

v1::AgentHealth HealthMonitor::CurrentLocked() const {
  v1::AgentHealth health;
  for (const std::string& problem : check_problems_) health.add_problems(problem);
  if (!hook_problem_.empty()) health.add_problems(hook_problem_);
  health.set_healthy(health.problems().empty());
  if (checked_ != absl::InfinitePast()) health.set_checked_unix_ms(absl::ToUnixMillis(checked_));
  return health;
}

void HealthMonitor::SetListener(std::function<void()> on_change) {
  absl::MutexLock lock(&listener_mu_);
  listener_ = std::move(on_change);
}

void HealthMonitor::Notify() {
  absl::MutexLock lock(&listener_mu_);
  if (listener_) listener_();
}

}  // namespace arena
