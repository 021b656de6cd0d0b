// The scheduler: the single owner of dispatch state (queued tasks, connected
// agents and their credits, running attempts and their leases), fed by
// events.
//
// Thread-safe: every public method posts an event to the scheduler's own
// thread, which does the store and log writes, so gRPC reactions never block
// on SQLite or disk. The thread takes every pending event as one batch: one
// store transaction (group commit, one fsync), then dispatch, then the
// messages the batch produced are sent, so nothing an agent hears (an
// assignment, a recorded result) is ahead of the store. Snapshot queries
// (ConnectedAgents, WaitingReason) read state the thread publishes under a
// separate mutex after each batch. A ticker posts a tick twice a second for
// leases and queue timeouts.
#ifndef ARENA_CONTROLLER_SCHEDULER_SCHEDULER_H_
#define ARENA_CONTROLLER_SCHEDULER_SCHEDULER_H_

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "arena/v1/agent.pb.h"
#include "arena/v1/jobs.pb.h"
#include "controller/scheduler/agent_link.h"
#include "controller/scheduler/job_state.h"
#include "controller/scheduler/lease_table.h"
#include "controller/scheduler/matching.h"
#include "controller/scheduler/progress_board.h"

namespace arena {

class Store;
class LogStore;
class ArtifactStore;
class SecretBox;
class Metrics;
struct CertifiedKey;

struct SchedulerOptions {
  // An agent silent this long loses its attempts (they end `lost`).
  absl::Duration lease = absl::Seconds(30);
  // After a controller start, agents with running attempts get this long to
  // reconnect before their attempts are declared lost.
  absl::Duration restart_grace = absl::Seconds(30);
  int64_t max_log_bytes = 100 << 20;
  absl::Duration tick = absl::Milliseconds(500);
  const SecretBox* secrets = nullptr;  // opens jobs' sealed secrets for Assign
  const CertifiedKey* ca = nullptr;    // signs renewed agent certificates
  absl::Duration cert_validity = absl::Hours(24);
  Metrics* metrics = nullptr;          // optional
  ArtifactStore* artifacts = nullptr;  // files from attempts; refused when null
  // Largest list-command output read for test ids.
  int64_t max_list_bytes = 16 << 20;
};

class Scheduler {
 public:
  // `store` and `logs` must outlive the scheduler.
  Scheduler(Store* store, LogStore* logs, SchedulerOptions options = {});
  ~Scheduler();

  // Loads queued and running work from the store and starts the threads.
  absl::Status Start();
  // Drains pending events and joins the threads.
  void Stop();

  void AgentConnected(const std::string& agent_id, std::shared_ptr<AgentLink> link,
                      const v1::Hello& hello);
  void AgentDisconnected(const std::string& agent_id, const AgentLink* link);
  void AgentMessageReceived(const std::string& agent_id, v1::AgentMessage message);
  void JobSubmitted(const std::string& job_id);
  void CancelJob(const std::string& job_id, const std::string& reason);
  // The agent's stream closes and its attempts end lost (retried elsewhere).
  // The caller has already marked it revoked in the store.
  void RevokeAgent(const std::string& agent_id);
  void SetDraining(const std::string& agent_id, bool draining);

  // Connected agents as of the last event handled.
  std::vector<AgentView> ConnectedAgents() const;
  // Why a queued task with these needs waits, given the connected agents.
  std::string WaitingReason(const TaskNeeds& needs) const;
  // Queued tasks per architecture, as of the last event handled.
  std::map<std::string, int> QueueDepth() const;
  // Blocks until every event posted before the call has been handled and
  // its batch committed and sent.
  void Flush();
  // Running attempts' live progress (pulls, builds). Thread-safe.
  const ProgressBoard& progress() const { return progress_; }
  // Runs lease and queue-timeout checks as of `now` (tests call it directly).
  void Tick(absl::Time now);

 private:
  struct ConnectedAgent {
    std::shared_ptr<AgentLink> link;
    AgentView view;
  };
  struct QueuedTask {
    std::string job_id;
    std::string task_id;
    TaskNeeds needs;
    absl::Time queued_at;
    absl::Duration queue_timeout;
    bool serial = false;  // waits until nothing else of its job and arch runs
  };
  // A job with work not yet finished, as the scheduler keeps it: the header
  // (spec parsed once) and its tasks counted by state, so an event costs the
  // same whatever the job's size. The scheduler is the only writer of task
  // and job states, so these stay equal to the store's.
  struct ActiveJob {
    v1::Job header;                                  // without tasks
    std::map<std::pair<int, bool>, int64_t> counts;  // by (state, quarantined)
    void Move(v1::State from, bool from_quarantined, v1::State to, bool to_quarantined);
    std::vector<TaskStateCount> Counts() const;
  };
  struct RunningAttempt {
    std::string job_id;
    std::string task_id;
    std::string agent_id;
    bool cancelled = false;  // the task already ended as cancelled
    std::string arch;
  };

  // The job's header and counts, read from the store on first use.
  absl::StatusOr<ActiveJob*> FindJob(const std::string& job_id);
  void Post(std::function<void()> event);
  void Run();
  // Queued and running work as the store has it.
  absl::Status Load(absl::Time now);
  // A batch that could not be made durable (store commit or log sync): drops
  // what it would have sent, closes every stream (agents reconnect and
  // reconcile) and reloads.
  void Recover(const absl::Status& why);
  // Queues a message until the current batch is committed.
  void Send(const std::shared_ptr<AgentLink>& link, v1::ControllerMessage message);

  // Everything below runs on the scheduler thread only.
  void OnAgentConnected(const std::string& agent_id, std::shared_ptr<AgentLink> link,
                        const v1::Hello& hello);
  void ReconcileAttempts(const std::string& agent_id, const std::shared_ptr<AgentLink>& link,
                         const v1::Hello& hello);
  void OnAgentDisconnected(const std::string& agent_id, const AgentLink* link);
  void OnAgentMessage(const std::string& agent_id, const v1::AgentMessage& message);
  void OnLogChunk(const std::string& agent_id, const v1::LogChunk& chunk);
  void OnFileChunk(const std::string& agent_id, const v1::FileChunk& chunk);
  void OnRenew(const std::string& agent_id, const v1::RenewRequest& renew);
  // A building attempt names its base images' registry hosts; answers with
  // the credentials held for them (build_credentials.cc).
  void OnBaseImageCredentials(const std::string& agent_id,
                              const v1::BaseImageCredentialsRequest& request);
  void OnTaskEvent(const std::string& agent_id, const v1::TaskEvent& event);
  void OnJobSubmitted(const std::string& job_id);
  void OnCancelJob(const std::string& job_id, const std::string& reason);
  void OnTick(absl::Time now);
  // Closes an agent's stream and ends its attempts as lost.
  void LoseAgent(const std::string& agent_id, const std::string& reason);
  void Enqueue(const v1::Job& job, const v1::Task& task, absl::Time queued_at);
  // Enqueues a job's queued tasks, tests longest first by their history.
  void EnqueueJob(const v1::Job& job, std::vector<v1::Task> tasks);
  bool SerialBlocked(const QueuedTask& queued) const;
  std::deque<QueuedTask>::iterator Dequeue(std::deque<QueuedTask>::iterator it);
  // A list task passed: its output's test ids become test tasks.
  absl::Status ExpandTests(ActiveJob* job, const v1::Task& list_task,
                           const std::string& attempt_id);
  // Places queued tasks on agents with free credits. Handlers set
  // dispatch_ instead; the batch dispatches once at its end.
  void Dispatch();
  bool Assign(const QueuedTask& queued, const Placement& placement);
  // Opens the credential of the assignment's repo host into it, if the
  // store holds one ("host:port" first, then "host").
  // The git and registry credentials the assignment's clone and pulls need
  // (and no others).
  void AddCredentials(v1::Assign* assign);
  void AddGitAccess(v1::Assign* assign);
  void AddRegistryAuth(const std::string& image, v1::Assign* assign);
  // Records how an attempt ended; retries the task or finishes it.
  absl::Status EndAttempt(const std::string& attempt_id, v1::State state, int exit_code,
                          const std::string& reason, const v1::TaskEvent* event = nullptr);
  // Records a terminal state for the task and rolls up the job.
  absl::Status FinishTask(const std::string& job_id, const std::string& task_id, v1::State state,
                          int exit_code, const std::string& reason, bool flaky = false,
                          bool quarantined = false);
  void SendFencedCancel(const std::shared_ptr<AgentLink>& link, const std::string& attempt_id);
  // Handlers set agents_dirty_ instead; the batch publishes once.
  void PublishAgents();
  void LogError(const absl::Status& status);
  // For a failure after writes that memory already reflects: logged, and
  // the batch is undone and the state reloaded (see batch_error_).
  void FailBatch(const absl::Status& status);
  // Ends an agent's stream and forgets the agent until it connects again.
  void CloseAgent(const std::string& agent_id, const absl::Status& why);

  Store* const store_;
  LogStore* const logs_;
  const SchedulerOptions options_;
  // Owned by the scheduler thread (declared here to be built from options_).
  LeaseTable leases_;
  ProgressBoard progress_;

  absl::Mutex queue_mu_;
  std::deque<std::function<void()>> events_ ABSL_GUARDED_BY(queue_mu_);
  bool stopping_ ABSL_GUARDED_BY(queue_mu_) = false;
  std::thread thread_;
  std::thread ticker_;
  absl::Notification stop_ticker_;

  // Owned by the scheduler thread.
  std::map<std::string, ConnectedAgent> agents_;
  std::deque<QueuedTask> queue_;
  std::map<std::string, int> queued_by_arch_;  // kept with queue_ (Enqueue, Dequeue)
  std::map<std::string, ActiveJob> jobs_;      // dropped when the job ends
  std::map<std::string, RunningAttempt> attempts_;
  // Agents that ran tests of a job and architecture ("JOB/ARCH") and so may
  // hold a warm session container for it.
  std::map<std::string, std::set<std::string>> warm_;
  // Per batch: messages held until commit, and what to do once at its end.
  std::vector<std::pair<std::shared_ptr<AgentLink>, v1::ControllerMessage>> outbox_;
  bool dispatch_ = false;
  bool agents_dirty_ = false;
  bool notify_ = false;  // wake log and job watchers after the commit
  // Set by a handler whose writes failed half way (memory and store
  // disagree): the batch is rolled back and the scheduler reloads.
  absl::Status batch_error_;
  std::vector<std::function<void()>> after_batch_;

  mutable absl::Mutex snapshot_mu_;
  std::vector<AgentView> agent_snapshot_ ABSL_GUARDED_BY(snapshot_mu_);
  std::map<std::string, int> queue_depth_ ABSL_GUARDED_BY(snapshot_mu_);
};

}  // namespace arena

#endif  // ARENA_CONTROLLER_SCHEDULER_SCHEDULER_H_
