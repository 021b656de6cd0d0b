#include "controller/scheduler/dispatch_queue.h"

#include "absl/strings/str_cat.h"

namespace arena {
namespace {

constexpr absl::Duration kDefaultQueueTimeout = absl::Hours(1);

TaskNeeds NeedsOf(const v1::Job& job, const v1::Task& task) {
  TaskNeeds needs;
  needs.executor = ExecutorOrDefault(job.spec().executor());
  needs.arch = task.arch();
  needs.labels.insert(job.spec().required_labels().begin(), job.spec().required_labels().end());
  needs.image = task.image();
  return needs;
}

}  // namespace

std::string WarmContainerKey(const std::string& job_id, const std::string& arch) {
  return absl::StrCat(job_id, "/", arch);
}

void DispatchQueue::Enqueue(const v1::Job& job, const v1::Task& task, absl::Time queued_at,
                            std::set<std::string> avoid) {
  absl::Duration timeout = job.spec().queue_timeout_ms() > 0
                               ? absl::Milliseconds(job.spec().queue_timeout_ms())
                               : kDefaultQueueTimeout;
  queue_.push_back({job.id(), task.id(), NeedsOf(job, task), queued_at, timeout, task.serial()});
  queue_.back().needs.avoid = std::move(avoid);
  ++by_arch_[task.arch()];
}

DispatchQueue::Iterator DispatchQueue::Remove(Iterator it) {
  auto count = by_arch_.find(it->needs.arch);
  if (count != by_arch_.end() && --count->second <= 0) by_arch_.erase(count);
  return queue_.erase(it);
}

void DispatchQueue::RemoveJob(const std::string& job_id) {
  for (auto it = queue_.begin(); it != queue_.end();) {
    it = it->job_id == job_id ? Remove(it) : std::next(it);
  }
}

std::vector<QueuedTask> DispatchQueue::TakeTimedOut(absl::Time now) {
  std::vector<QueuedTask> timed_out;
  for (auto it = queue_.begin(); it != queue_.end();) {
    if (now - it->queued_at > it->queue_timeout) {
      timed_out.push_back(*it);
      it = Remove(it);
    } else {
      ++it;
    }
  }
  return timed_out;
}

bool DispatchQueue::SerialBlocked(const QueuedTask& queued, RunsFn runs) const {
  if (!queued.serial) return false;
  for (const QueuedTask& other : queue_) {
    if (!other.serial && other.job_id == queued.job_id && other.needs.arch == queued.needs.arch) {
      return true;
    }
  }
  return runs(queued.job_id, queued.needs.arch);
}

int DispatchQueue::Dispatch(const std::vector<const AgentView*>& free, int credits, RunsFn runs,
                            AssignFn assign) {
  int taken = 0;
  for (auto it = queue_.begin(); it != queue_.end() && taken < credits;) {
    if (SerialBlocked(*it, runs)) {
      ++it;
      continue;
    }
    auto warm = warm_.find(WarmContainerKey(it->job_id, it->needs.arch));
    it->needs.warm = warm != warm_.end() ? &warm->second : nullptr;
    std::optional<Placement> placement = PickAgent(it->needs, free);
    it->needs.warm = nullptr;
    if (!placement.has_value()) {
      ++it;
      continue;
    }
    if (assign(*it, *placement)) ++taken;
    it = Remove(it);
  }
  return taken;
}

void DispatchQueue::AddWarmContainer(const std::string& key, const std::string& agent_id) {
  warm_[key].insert(agent_id);
}

std::vector<std::pair<std::string, std::set<std::string>>> DispatchQueue::EndWarmContainers(
    const std::string& job_id, const std::vector<std::string>& archs) {
  std::vector<std::pair<std::string, std::set<std::string>>> ended;
  for (const std::string& arch : archs) {
    auto warm = warm_.find(WarmContainerKey(job_id, arch));
    if (warm == warm_.end()) continue;
    ended.emplace_back(warm->first, std::move(warm->second));
    warm_.erase(warm);
  }
  return ended;
}

void DispatchQueue::Clear() {
  queue_.clear();
  by_arch_.clear();
  warm_.clear();
}

}  // namespace arena
