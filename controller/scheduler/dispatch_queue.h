// The scheduler's queue of tasks waiting for an agent: FIFO order, queued
// counts per architecture, the warm containers (agents that ran tests of a
// job and architecture and may keep a container for more of them), and the
// serial gate (a serial task waits until nothing else of its job and
// architecture is queued or runs).
//
// Owned by the Scheduler and confined to its thread: not thread-safe. Pure
// apart from the placement it asks for: times are passed in.
#ifndef ARENA_CONTROLLER_SCHEDULER_DISPATCH_QUEUE_H_
#define ARENA_CONTROLLER_SCHEDULER_DISPATCH_QUEUE_H_

#include <deque>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/time/time.h"
#include "arena/v1/jobs.pb.h"
#include "controller/scheduler/matching.h"

namespace arena {

struct QueuedTask {
  std::string job_id;
  std::string task_id;
  TaskNeeds needs;  // `needs.warm` is set only while the task is placed
  absl::Time queued_at;
  absl::Duration queue_timeout;
  bool serial = false;  // waits until nothing else of its job and arch runs
};

// The name of a job's warm container on one architecture, as Assign.session
// carries it to the agent ("JOB/ARCH").
std::string WarmContainerKey(const std::string& job_id, const std::string& arch);

class DispatchQueue {
 public:
  // Whether an attempt of the job on the architecture runs (the serial gate).
  using RunsFn = absl::FunctionRef<bool(const std::string& job_id, const std::string& arch)>;
  // Assigns the task to the placement; true when the agent's credit was
  // taken. The task leaves the queue either way (false: it ended meanwhile
  // or could not be assigned).
  using AssignFn = absl::FunctionRef<bool(const QueuedTask&, const Placement&)>;

  // Queues the task at the back. `avoid`: agents to place it elsewhere than
  // where one is free (earlier attempts failed there).
  void Enqueue(const v1::Job& job, const v1::Task& task, absl::Time queued_at,
               std::set<std::string> avoid = {});
  // Drops every queued task of the job.
  void RemoveJob(const std::string& job_id);
  // Removes and returns the tasks queued longer than their queue timeout.
  std::vector<QueuedTask> TakeTimedOut(absl::Time now);
  // Places queued tasks in order on `free` agents (those with a credit)
  // while `credits` remain: a task the serial gate holds, or that no agent
  // takes, keeps its place. Returns how many credits were taken.
  int Dispatch(const std::vector<const AgentView*>& free, int credits, RunsFn runs,
               AssignFn assign);

  // The agent ran a test of the warm container's job and architecture.
  void AddWarmContainer(const std::string& key, const std::string& agent_id);
  // The job ended: its warm containers on `archs` with the agents that may
  // hold them, forgotten here.
  std::vector<std::pair<std::string, std::set<std::string>>> EndWarmContainers(
      const std::string& job_id, const std::vector<std::string>& archs);

  // Queued tasks per architecture (no entry for none).
  const std::map<std::string, int>& depth() const { return by_arch_; }
  size_t size() const { return queue_.size(); }
  void Clear();

 private:
  using Iterator = std::deque<QueuedTask>::iterator;
  bool SerialBlocked(const QueuedTask& queued, RunsFn runs) const;
  Iterator Remove(Iterator it);

  std::deque<QueuedTask> queue_;
  std::map<std::string, int> by_arch_;                 // kept with queue_ (Enqueue, Remove)
  std::map<std::string, std::set<std::string>> warm_;  // agents by WarmContainerKey
};

}  // namespace arena

#endif  // ARENA_CONTROLLER_SCHEDULER_DISPATCH_QUEUE_H_
