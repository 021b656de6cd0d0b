// The scheduler: the single owner of dispatch state (queued tasks, connected
// agents and their credits, running attempts), fed by events.
//
// Thread-safe: every public method posts an event to the scheduler's own
// thread, which does the store and log writes, so gRPC reactions never block
// on SQLite or disk. Snapshot queries (Agents, WaitingReason) read state the
// thread publishes under a separate mutex.
#ifndef ARENA_CONTROLLER_SCHEDULER_SCHEDULER_H_
#define ARENA_CONTROLLER_SCHEDULER_SCHEDULER_H_

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "arena/v1/agent.pb.h"
#include "arena/v1/jobs.pb.h"
#include "controller/scheduler/agent_link.h"
#include "controller/scheduler/matching.h"

namespace arena {

class Store;
class LogStore;

class Scheduler {
 public:
  // `store` and `logs` must outlive the scheduler.
  Scheduler(Store* store, LogStore* logs);
  ~Scheduler();

  // Loads queued and running work from the store and starts the thread.
  absl::Status Start();
  // Drains pending events and joins the thread.
  void Stop();

  void AgentConnected(const std::string& agent_id,
                      std::shared_ptr<AgentLink> link, const v1::Hello& hello);
  void AgentDisconnected(const std::string& agent_id, const AgentLink* link);
  void AgentMessageReceived(const std::string& agent_id,
                            const v1::AgentMessage& message);
  void JobSubmitted(const std::string& job_id);
  void CancelJob(const std::string& job_id, const std::string& reason);

  // Connected agents as of the last event handled.
  std::vector<AgentView> ConnectedAgents() const;
  // Why a queued task with these needs waits, given the connected agents.
  std::string WaitingReason(const TaskNeeds& needs) const;
  // Blocks until every event posted before the call has been handled (tests).
  void Flush();

 private:
  struct ConnectedAgent {
    std::shared_ptr<AgentLink> link;
    AgentView view;
    int running = 0;
  };
  struct QueuedTask {
    std::string job_id;
    std::string task_id;
    TaskNeeds needs;
  };
  struct RunningAttempt {
    std::string job_id;
    std::string task_id;
    std::string agent_id;
    bool cancelled = false;  // the task already ended as cancelled
  };

  void Post(std::function<void()> event);
  void Run();

  // Everything below runs on the scheduler thread only.
  void OnAgentConnected(const std::string& agent_id,
                        std::shared_ptr<AgentLink> link,
                        const v1::Hello& hello);
  void OnAgentDisconnected(const std::string& agent_id, const AgentLink* link);
  void OnAgentMessage(const std::string& agent_id,
                      const v1::AgentMessage& message);
  void OnLogChunk(const std::string& agent_id, const v1::LogChunk& chunk);
  void OnTaskEvent(const std::string& agent_id, const v1::TaskEvent& event);
  void OnJobSubmitted(const std::string& job_id);
  void OnCancelJob(const std::string& job_id, const std::string& reason);
  void Dispatch();
  bool Assign(const QueuedTask& queued, const Placement& placement);
  // Records a terminal state for the attempt's task and rolls up the job.
  void FinishTask(const std::string& job_id, const std::string& task_id,
                  v1::State state, int exit_code, const std::string& reason,
                  int64_t log_bytes);
  void PublishAgents();
  void LogError(const absl::Status& status);

  Store* const store_;
  LogStore* const logs_;

  absl::Mutex queue_mu_;
  std::deque<std::function<void()>> events_ ABSL_GUARDED_BY(queue_mu_);
  bool stopping_ ABSL_GUARDED_BY(queue_mu_) = false;
  std::thread thread_;

  // Owned by the scheduler thread.
  std::map<std::string, ConnectedAgent> agents_;
  std::deque<QueuedTask> queue_;
  std::map<std::string, RunningAttempt> attempts_;

  mutable absl::Mutex snapshot_mu_;
  std::vector<AgentView> agent_snapshot_ ABSL_GUARDED_BY(snapshot_mu_);
};

}  // namespace arena

#endif  // ARENA_CONTROLLER_SCHEDULER_SCHEDULER_H_
