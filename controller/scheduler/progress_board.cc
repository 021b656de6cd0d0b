#include "controller/scheduler/progress_board.h"

#include <utility>

namespace arena {

void ProgressBoard::Set(const std::string& attempt_id, AttemptProgress progress) {
  absl::MutexLock lock(&mu_);
  auto it = by_attempt_.find(attempt_id);
  if (it == by_attempt_.end() && by_attempt_.size() >= kMaxAttempts) return;
  by_attempt_[attempt_id] = std::move(progress);
}

void ProgressBoard::Clear(const std::string& attempt_id) {
  absl::MutexLock lock(&mu_);
  by_attempt_.erase(attempt_id);
}

void ProgressBoard::Fill(v1::Job* job) const {
  absl::MutexLock lock(&mu_);
  if (by_attempt_.empty()) return;
  for (v1::Task& task : *job->mutable_tasks()) {
    if (task.state() != v1::RUNNING) continue;
    auto it = by_attempt_.find(task.attempt_id());
    if (it == by_attempt_.end()) continue;
    task.set_phase(it->second.phase);
    task.set_phase_detail(it->second.detail);
    task.set_progress_done(it->second.done);
    task.set_progress_total(it->second.total);
  }
}

size_t ProgressBoard::size() const {
  absl::MutexLock lock(&mu_);
  return by_attempt_.size();
}

}  // namespace arena
