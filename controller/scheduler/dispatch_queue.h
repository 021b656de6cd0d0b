// The scheduler's queue of tasks waiting for an agent: FIFO order, queued
// counts per architecture, the warm containers (agents that ran tests of a
// job and architecture and may keep a container for more of them), and the
// serial gate (a serial task waits until nothing else of its job and
// architecture is queued or runs), and test batches: a job whose test
// command takes "{tests}" hands a free slot a batch of its queued tests
// (guided self-scheduling: the job's remaining expected work on the
// architecture divided by kBatchFactor times the slots that could run it,
// so batches start large and shrink toward the end; never below one test).
// The tests a batch left without a result come back split (BatchSplit):
// batched only with each other, at most its max_tests together.
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
#include "controller/scheduler/retry_policy.h"

namespace arena {

// A queued test's expected time when it has no history (Enqueue).
inline constexpr int64_t kUnknownWork = -1;

struct QueuedTask {
  std::string job_id;
  std::string task_id;
  TaskNeeds needs;  // `needs.warm` is set only while the task is placed
  absl::Time queued_at;
  absl::Duration queue_timeout;
  bool serial = false;  // waits until nothing else of its job and arch runs
  // Test batches: whether the task may share a run with others of its job
  // and architecture, its id and its expected work (ms when `timed`, else
  // a fixed weight).
  bool batchable = false;
  std::string test_id;
  int64_t work = 1;
  bool timed = false;                 // `work` is in ms from history (its own or the median)
  int64_t history_ms = kUnknownWork;  // its own history (a batch's time limit)
  BatchSplit split;                   // set when its last batch gave it no result
};

// Test batches: the remaining work is split into about this many times the
// slots; a batch holds at most kMaxBatchTests tests and kMaxBatchBytes of
// quoted ids (one argument of `sh -c` may hold 128 KiB on Linux).
inline constexpr int kBatchFactor = 2;
// ...but where history gives times, a batch holds at least this much work
// (ms): each run pays its runner's start (an interpreter, imports,
// collection: about a second for a Python project), so tail batches
// shorter than that cost more in starts than they gain in balance.
inline constexpr int64_t kMinBatchWorkMs = 2000;
inline constexpr size_t kMaxBatchTests = 1000;
inline constexpr size_t kMaxBatchBytes = 96 << 10;

// The name of a job's warm container on one architecture, as Assign.session
// carries it to the agent ("JOB/ARCH").
std::string WarmContainerKey(const std::string& job_id, const std::string& arch);

class DispatchQueue {
 public:
  // Whether an attempt of the job on the architecture runs (the serial gate).
  using RunsFn = absl::FunctionRef<bool(const std::string& job_id, const std::string& arch)>;
  // Assigns the task, with the batch mates that run in the same process
  // (empty unless batched), to the placement; true when the agent's credit
  // was taken. The task leaves the queue either way (false: it ended
  // meanwhile or could not be assigned); the mates leave it only on true.
  using AssignFn = absl::FunctionRef<bool(
      const QueuedTask&, const std::vector<const QueuedTask*>& mates, const Placement&)>;
  // The slots of the connected agents that could run a task with `needs`.
  using SlotsFn = absl::FunctionRef<int(const TaskNeeds&)>;

  // Queues the task at the back. `avoid`: agents to place it elsewhere than
  // where one is free (earlier attempts failed there). `work_ms`: its
  // expected run time (kUnknownWork: none), `history_ms` its own history
  // (the median of others' may stand in for work_ms). `split`: a test that
  // had no result in its batch (max_tests 1: never batched).
  void Enqueue(const v1::Job& job, const v1::Task& task, absl::Time queued_at,
               std::set<std::string> avoid = {}, int64_t work_ms = kUnknownWork,
               BatchSplit split = {}, int64_t history_ms = kUnknownWork);
  // Drops every queued task of the job.
  void RemoveJob(const std::string& job_id);
  // Removes and returns the tasks queued longer than their queue timeout.
  std::vector<QueuedTask> TakeTimedOut(absl::Time now);
  // Places queued tasks in order on `free` agents (those with a credit)
  // while `credits` remain: a task the serial gate holds, or that no agent
  // takes, keeps its place. Returns how many credits were taken.
  int Dispatch(const std::vector<const AgentView*>& free, int credits, RunsFn runs, AssignFn assign,
               SlotsFn slots);

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
  // The positions after `leader` of the tests that run with it on `agent_id`.
  std::vector<size_t> BatchMates(size_t leader, const std::string& agent_id, SlotsFn slots) const;
  // Removes the tasks at `positions` (ascending); the others keep their order.
  void RemoveAt(const std::vector<size_t>& positions);
  Iterator Remove(Iterator it);
  void Forget(const QueuedTask& task);  // its counts

  std::deque<QueuedTask> queue_;
  std::map<std::string, int> by_arch_;                 // kept with queue_ (Enqueue, Remove)
  std::map<std::string, int64_t> work_;                // batchable work queued, by WarmContainerKey
  std::map<std::string, std::set<std::string>> warm_;  // agents by WarmContainerKey
};

}  // namespace arena

#endif  // ARENA_CONTROLLER_SCHEDULER_DISPATCH_QUEUE_H_
