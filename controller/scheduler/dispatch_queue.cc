#include "controller/scheduler/dispatch_queue.h"

#include <algorithm>
#include <limits>

#include "absl/strings/str_cat.h"
#include "controller/scheduler/fan_out.h"

namespace arena {
namespace {

constexpr absl::Duration kDefaultQueueTimeout = absl::Hours(1);
// A test without history weighs this much in a batch's budget (only the
// ratios count then: a unit fine enough that integer division keeps them).
constexpr int64_t kUntimedWork = 1000;

TaskNeeds NeedsOf(const v1::Job& job, const v1::Task& task) {
  TaskNeeds needs;
  needs.executor = ExecutorOrDefault(job.spec().executor());
  needs.arch = task.arch();
  needs.labels.insert(job.spec().required_labels().begin(), job.spec().required_labels().end());
  needs.image = task.image();
  return needs;
}

// A test of a batching job that may share its run: not serial, not
// destructive (those get a container of their own), not held alone.
bool Batchable(const v1::Job& job, const v1::Task& task, bool alone) {
  if (alone || task.serial() || task.kind() != v1::TASK_KIND_TEST || !BatchesTests(job.spec())) {
    return false;
  }
  const auto& destructive = job.spec().destructive_tests();
  return std::find(destructive.begin(), destructive.end(), task.test_id()) == destructive.end();
}

}  // namespace

std::string WarmContainerKey(const std::string& job_id, const std::string& arch) {
  return absl::StrCat(job_id, "/", arch);
}

void DispatchQueue::Enqueue(const v1::Job& job, const v1::Task& task, absl::Time queued_at,
                            std::set<std::string> avoid, int64_t work_ms, BatchSplit split,
                            int64_t history_ms) {
  absl::Duration timeout = job.spec().queue_timeout_ms() > 0
                               ? absl::Milliseconds(job.spec().queue_timeout_ms())
                               : kDefaultQueueTimeout;
  QueuedTask& queued = queue_.emplace_back();
  queued.job_id = job.id();
  queued.task_id = task.id();
  queued.needs = NeedsOf(job, task);
  queued.needs.avoid = std::move(avoid);
  queued.queued_at = queued_at;
  queued.queue_timeout = timeout;
  queued.serial = task.serial();
  queued.batchable = Batchable(job, task, split.max_tests == 1);
  if (queued.batchable) {
    queued.test_id = task.test_id();
    queued.split = std::move(split);
    queued.timed = work_ms >= 0;
    queued.history_ms = history_ms;
    queued.work = queued.timed ? std::max<int64_t>(1, work_ms) : kUntimedWork;
    work_[WarmContainerKey(job.id(), task.arch())] += queued.work;
  }
  ++by_arch_[task.arch()];
}

void DispatchQueue::Forget(const QueuedTask& task) {
  auto count = by_arch_.find(task.needs.arch);
  if (count != by_arch_.end() && --count->second <= 0) by_arch_.erase(count);
  if (!task.batchable) return;
  auto work = work_.find(WarmContainerKey(task.job_id, task.needs.arch));
  if (work != work_.end() && (work->second -= task.work) <= 0) work_.erase(work);
}

DispatchQueue::Iterator DispatchQueue::Remove(Iterator it) {
  Forget(*it);
  return queue_.erase(it);
}

void DispatchQueue::RemoveAt(const std::vector<size_t>& positions) {
  if (positions.empty()) return;
  for (size_t at : positions) Forget(queue_[at]);
  // One pass on the shorter side: the kept tasks before the last removed
  // one move up past the removed ones, and the front is popped (a batch
  // is usually taken from the front of a long queue); or those after the
  // first move down, and the back is popped. Either keeps the order.
  const size_t first = positions.front();
  const size_t last = positions.back();
  if (last + 1 < queue_.size() - first) {
    size_t out = last;
    size_t next = positions.size();
    for (size_t in = last + 1; in-- > 0;) {
      if (next > 0 && positions[next - 1] == in) {
        --next;
        continue;
      }
      if (out != in) queue_[out] = std::move(queue_[in]);
      --out;
    }
    for (size_t i = 0; i < positions.size(); ++i) queue_.pop_front();
    return;
  }
  size_t out = first;
  size_t next = 0;
  for (size_t in = first; in < queue_.size(); ++in) {
    if (next < positions.size() && positions[next] == in) {
      ++next;
      continue;
    }
    if (out != in) queue_[out] = std::move(queue_[in]);
    ++out;
  }
  queue_.resize(out);
}

std::vector<size_t> DispatchQueue::BatchMates(size_t leader, const std::string& agent_id,
                                              SlotsFn slots) const {
  std::vector<size_t> mates;
  const QueuedTask& first = queue_[leader];
  if (!first.batchable) return mates;
  auto remaining = work_.find(WarmContainerKey(first.job_id, first.needs.arch));
  if (remaining == work_.end()) return mates;
  // A split batch's tests go together by count, the rest by work.
  const bool split = first.split.max_tests > 0;
  int64_t budget = remaining->second / (kBatchFactor * std::max(1, slots(first.needs)));
  if (first.timed) budget = std::max(budget, kMinBatchWorkMs);
  if (split) budget = std::numeric_limits<int64_t>::max();
  const size_t max_tests = split ? first.split.max_tests : kMaxBatchTests;
  int64_t work = first.work;
  size_t bytes = first.test_id.size() + 3;
  for (size_t i = leader + 1; i < queue_.size() && work < budget; ++i) {
    const QueuedTask& q = queue_[i];
    if (!q.batchable || q.job_id != first.job_id || q.needs.arch != first.needs.arch ||
        q.needs.avoid.count(agent_id) > 0 || q.split.of != first.split.of) {
      continue;
    }
    bytes += q.test_id.size() + 3;  // quotes and a space
    if (bytes > kMaxBatchBytes || mates.size() + 1 >= max_tests) break;
    work += q.work;
    mates.push_back(i);
  }
  return mates;
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
                            AssignFn assign, SlotsFn slots) {
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
    const size_t at = static_cast<size_t>(it - queue_.begin());
    std::vector<size_t> mates = BatchMates(at, placement->agent_id, slots);
    std::vector<const QueuedTask*> batch;
    for (size_t i : mates) batch.push_back(&queue_[i]);
    std::vector<size_t> leaving = {at};
    if (assign(*it, batch, *placement)) {
      ++taken;
      leaving.insert(leaving.end(), mates.begin(), mates.end());
    }
    RemoveAt(leaving);  // the task after the leader is at `at` now
    it = queue_.begin() + static_cast<std::ptrdiff_t>(at);
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
  work_.clear();
  warm_.clear();
}

}  // namespace arena
