// The scheduler: the single owner of dispatch state, fed by events. A thin
// event loop that owns the batch (one store transaction, one log sync) and
// the outbox (messages held until the batch is durable), over the
// AgentRegistry (agents, credits, leases, snapshots), the DispatchQueue
// (queued tasks, per-architecture counts, warm containers, the serial
// gate), the running attempts and the active jobs. What a task's ended
// attempt leads to is DecideRetry's (retry_policy.h), what an agent is
// sent BuildAssign's (assign_builder.h).
//
// Owned by the Controller (tests: their fixture).
//
// Thread-safe: every public method posts an event to the scheduler's own
// thread, which does the store and log writes, so gRPC reactions never block
// on SQLite or disk. The thread takes every pending event as one batch: one
// store transaction (group commit, one fsync), then dispatch, then the
// messages the batch produced are sent, so nothing an agent hears (an
// assignment, a recorded result) is ahead of the store. Snapshot queries
// (ConnectedAgents, WaitingReason) read state the thread publishes under a
// separate mutex after each batch. A ticker posts a tick twice a second for
// leases and queue timeouts. State confined to the scheduler's thread is
// guarded by the thread role `loop_`, so clang checks the confinement.
#ifndef ARENA_CONTROLLER_SCHEDULER_SCHEDULER_H_
#define ARENA_CONTROLLER_SCHEDULER_SCHEDULER_H_

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "arena/v1/agent.pb.h"
#include "arena/v1/jobs.pb.h"
#include "common/states.h"
#include "controller/scheduler/agent_link.h"
#include "controller/scheduler/agent_registry.h"
#include "controller/scheduler/dispatch_queue.h"
#include "controller/scheduler/fleet_sampler.h"
#include "controller/scheduler/matching.h"
#include "controller/scheduler/progress_board.h"
#include "controller/scheduler/retry_policy.h"
#include "controller/scheduler/thread_role.h"
#include "controller/scheduler/work_board.h"

namespace arena {

class Store;
class JobEvents;
class LogStore;
class ArtifactStore;
class SecretBox;
class Metrics;
struct CertifiedKey;
struct BatchMember;

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
  JobEvents* events = nullptr;         // told of state changes once durable; optional
  // Largest list-command output read for test ids.
  int64_t max_list_bytes = 16 << 20;
  // The scheduler's time: leases, queue timeouts, the times it records.
  // Tests pass a manual clock, with `tick` infinite so that no ticker runs
  // (a real one would see the manual clock jump as a pause) and call Tick.
  std::function<absl::Time()> clock = absl::Now;
  // The fleet's history (fleet_sampler.h): a sample each interval, kept
  // this long.
  absl::Duration fleet_interval = absl::Minutes(1);
  absl::Duration fleet_retention = absl::Hours(7 * 24);
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
  // What history expects of running jobs' tests. Thread-safe.
  const WorkBoard& work() const { return work_; }
  // How often the fleet is sampled.
  absl::Duration fleet_interval() const { return options_.fleet_interval; }
  // Runs lease and queue-timeout checks, and takes the fleet's sample when
  // one is due, as of `now` (tests call it directly).
  void Tick(absl::Time now);

 private:
  using Event = std::function<void()>;
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
    // Test batches: a member's leader (the attempt the agent runs), or a
    // leader's members (attempts that end with it). Empty otherwise.
    std::string batch;
    std::vector<std::string> members;
  };
  // What a task's ended attempt leaves for the retry decision.
  struct EndedAttempt {
    std::string id;
    RunningAttempt running;
    int exit_code = 0;
    const v1::TaskEvent* event = nullptr;  // null: ended by the controller
    AttemptResult result;
    std::set<std::string> quarantine;
    std::map<std::string, std::string> batch_status;  // RecordedResults'
    std::map<std::string, int64_t> batch_time_ms;     // RecordedResults'
  };

  absl::Time Now() const { return options_.clock(); }
  int64_t NowMs() const { return absl::ToUnixMillis(Now()); }
  void Post(Event event);
  void Run();
  // Waits for events and takes up to a batch of them; false once stopping
  // and drained.
  bool NextBatch(std::vector<Event>* batch);
  // One batch: its events and dispatch in one store transaction, made
  // durable, then its messages sent and its snapshots published.
  void RunBatch(std::vector<Event>& batch) ABSL_EXCLUSIVE_LOCKS_REQUIRED(loop_);
  // Logs synced, then the store committed (or everything undone); the
  // batch's status.
  absl::Status EndBatch(const absl::Status& begun) ABSL_EXCLUSIVE_LOCKS_REQUIRED(loop_);
  void AfterBatch() ABSL_EXCLUSIVE_LOCKS_REQUIRED(loop_);
  void OnLoopTick() ABSL_EXCLUSIVE_LOCKS_REQUIRED(loop_);
  // The job's header and counts, read from the store on first use.
  absl::StatusOr<ActiveJob*> FindJob(const std::string& job_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(loop_);
  // Queued and running work as the store has it.
  absl::Status Load(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(loop_);
  // A batch that could not be made durable (store commit or log sync): drops
  // what it would have sent, closes every stream (agents reconnect and
  // reconcile) and reloads.
  void Recover(const absl::Status& why) ABSL_EXCLUSIVE_LOCKS_REQUIRED(loop_);
  // Queues a message until the current batch is committed.
  void Send(const std::shared_ptr<AgentLink>& link, v1::ControllerMessage message)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(loop_);

  // Everything below runs on the scheduler thread only.
  void OnAgentConnected(const std::string& agent_id, std::shared_ptr<AgentLink> link,
                        const v1::Hello& hello) ABSL_EXCLUSIVE_LOCKS_REQUIRED(loop_);
  void ReconcileAttempts(const std::string& agent_id, const std::shared_ptr<AgentLink>& link,
                         const v1::Hello& hello) ABSL_EXCLUSIVE_LOCKS_REQUIRED(loop_);
  void OnAgentDisconnected(const std::string& agent_id, const AgentLink* link)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(loop_);
  void OnAgentMessage(const std::string& agent_id, const v1::AgentMessage& message)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(loop_);
  void OnLogChunk(const std::string& agent_id, const std::shared_ptr<AgentLink>& link,
                  const v1::LogChunk& chunk) ABSL_EXCLUSIVE_LOCKS_REQUIRED(loop_);
  void OnFileChunk(const std::string& agent_id, const std::shared_ptr<AgentLink>& link,
                   const v1::FileChunk& chunk) ABSL_EXCLUSIVE_LOCKS_REQUIRED(loop_);
  void OnRenew(const std::string& agent_id, const std::shared_ptr<AgentLink>& link,
               const v1::RenewRequest& renew) ABSL_EXCLUSIVE_LOCKS_REQUIRED(loop_);
  // The image store and health a heartbeat carries; a health change is
  // logged, and an agent healthy again gets work.
  void OnHeartbeat(const std::string& agent_id, const v1::Heartbeat& heartbeat)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(loop_);
  void LogHealth(const std::string& agent_id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(loop_);
  // A building attempt names its base images' registry hosts; answers with
  // the credentials held for them (credentials.cc).
  void OnBaseImageCredentials(const std::string& agent_id, const std::shared_ptr<AgentLink>& link,
                              const v1::BaseImageCredentialsRequest& request)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(loop_);
  void OnTaskEvent(const std::string& agent_id, const std::shared_ptr<AgentLink>& link,
                   const v1::TaskEvent& event) ABSL_EXCLUSIVE_LOCKS_REQUIRED(loop_);
  // The attempt's command started: its start time is recorded.
  void OnAttemptStarted(const std::string& attempt_id, const RunningAttempt& attempt,
                        const v1::TaskEvent& event) ABSL_EXCLUSIVE_LOCKS_REQUIRED(loop_);
  void OnJobSubmitted(const std::string& job_id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(loop_);
  void OnCancelJob(const std::string& job_id, const std::string& reason)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(loop_);
  void OnTick(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(loop_);
  // Closes an agent's stream and ends its attempts as lost.
  void LoseAgent(const std::string& agent_id, const std::string& reason)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(loop_);
  // Enqueues a job's queued tasks, tests longest first by their history.
  void EnqueueJob(const v1::Job& job, std::vector<v1::Task> tasks)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(loop_);
  // Whether an attempt of the job runs on the architecture (serial gate).
  bool Runs(const std::string& job_id, const std::string& arch) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(loop_);
  // A list task passed: its output's test ids become test tasks.
  absl::Status ExpandTests(ActiveJob* job, const v1::Task& list_task, const std::string& attempt_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(loop_);
  // Places queued tasks on agents with free credits. Handlers set
  // dispatch_ instead; the batch dispatches once at its end.
  void Dispatch() ABSL_EXCLUSIVE_LOCKS_REQUIRED(loop_);
  bool Assign(const QueuedTask& queued, const std::vector<const QueuedTask*>& mates,
              const Placement& placement) ABSL_EXCLUSIVE_LOCKS_REQUIRED(loop_);
  // Stores the new attempt and the task and job as running; the attempt's
  // id. `batch`: the leader's attempt when the task runs in its batch. An
  // error may leave part of it written (the batch is then undone).
  absl::StatusOr<std::string> StoreAssignment(ActiveJob* job, v1::Task* task,
                                              const Placement& placement,
                                              const std::string& batch = "")
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(loop_);
  // Test batches (test_batches.cc): the mates' attempts stored as members
  // of the leader's (`queued`), and the assignment's command running them
  // all, its time limit from the queued tests' history.
  absl::Status AddBatchMates(ActiveJob* job, const v1::Task& leader, const QueuedTask& queued,
                             const std::string& leader_id,
                             const std::vector<const QueuedTask*>& mates,
                             const Placement& placement, v1::Assign* assign)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(loop_);
  // A leader's attempt ended: every member's attempt ends with it, each
  // test by its own result in the batch's reports; the tests without one
  // run again in batches of half their number (BatchSplit).
  absl::Status EndBatchAttempt(const std::string& attempt_id, v1::State state, int exit_code,
                               const std::string& reason, const v1::TaskEvent* event)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(loop_);
  // One test of the ended batch `run`: its attempt's end recorded, then
  // retried, run in a smaller batch by `split` (when it had no result) or
  // finished.
  absl::Status EndBatchTest(const EndedAttempt& run, const std::string& attempt_id,
                            std::optional<v1::Task>& task, size_t batch_size,
                            const BatchSplit& split) ABSL_EXCLUSIVE_LOCKS_REQUIRED(loop_);
  // Whether the attempt is a member of a batch whose leader still runs
  // (the leader's end decides it).
  bool InLiveBatch(const RunningAttempt& attempt) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(loop_);
  // The git and registry credentials the assignment's clone and pulls need
  // (and no others), opened from the store (credentials.cc).
  void AddCredentials(v1::Assign* assign) ABSL_EXCLUSIVE_LOCKS_REQUIRED(loop_);
  // The credential of the assignment's repo host, if the store holds one
  // ("host:port" first, then "host").
  void AddGitAccess(v1::Assign* assign) ABSL_EXCLUSIVE_LOCKS_REQUIRED(loop_);
  void AddRegistryAuth(const std::string& image, v1::Assign* assign)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(loop_);
  // Records how an attempt ended; retries the task or finishes it.
  absl::Status EndAttempt(const std::string& attempt_id, v1::State state, int exit_code,
                          const std::string& reason, const v1::TaskEvent* event = nullptr)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(loop_);
  // The ended attempt's record stored and forgotten, then the task retried,
  // run again by `split` (a batch's test without a result) or finished.
  // `task` null: it is gone; nothing follows.
  absl::Status CloseAttempt(const EndedAttempt& ended, v1::Task* task, BatchSplit split)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(loop_);
  // The ended attempt's files and test results, and what they change in its
  // result (an unusable JUnit report makes a pass an error).
  // `batch`: a batch's tests, the task's first (null: the task alone).
  absl::Status RecordResults(const v1::Task& task, EndedAttempt* ended,
                             const std::vector<BatchMember>* batch = nullptr)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(loop_);
  // The attempt's own record; returns the image digest it ran.
  absl::StatusOr<std::string> StoreAttemptEnd(const EndedAttempt& ended)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(loop_);
  // Acts on DecideRetry for the task whose attempt ended.
  absl::Status ApplyDecision(ActiveJob* job, v1::Task* task, const EndedAttempt& ended,
                             RetryDecision decision) ABSL_EXCLUSIVE_LOCKS_REQUIRED(loop_);
  // The task is queued again (another agent where one is free).
  absl::Status Requeue(ActiveJob* job, v1::Task* task, const EndedAttempt& ended,
                       RetryDecision decision) ABSL_EXCLUSIVE_LOCKS_REQUIRED(loop_);
  // Records a terminal state for the task and rolls up the job.
  absl::Status FinishTask(const std::string& job_id, const std::string& task_id, v1::State state,
                          int exit_code, const std::string& reason, bool flaky = false,
                          bool quarantined = false) ABSL_EXCLUSIVE_LOCKS_REQUIRED(loop_);
  // The same for a task as read from the store in this batch (an attempt's
  // end holds it already: no second read).
  absl::Status FinishLoadedTask(ActiveJob* active, v1::Task* task, v1::State state, int exit_code,
                                const std::string& reason, bool flaky = false,
                                bool quarantined = false) ABSL_EXCLUSIVE_LOCKS_REQUIRED(loop_);
  // The task's job changed: its new state stored, and when it ended it is
  // forgotten and its warm containers end.
  absl::Status RollUpJob(const std::string& job_id, ActiveJob* job)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(loop_);
  void SendFencedCancel(const std::shared_ptr<AgentLink>& link, const std::string& attempt_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(loop_);
  // Forgets an ended attempt: every per-attempt map drops it.
  void ForgetAttempt(const std::string& attempt_id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(loop_);
  // Publishes the agents when they changed (handlers mark the registry; the
  // batch publishes once).
  void PublishAgents() ABSL_EXCLUSIVE_LOCKS_REQUIRED(loop_);
  void LogError(const absl::Status& status);
  // For a failure after writes that memory already reflects: logged, and
  // the batch is undone and the state reloaded (see batch_error_).
  void FailBatch(const absl::Status& status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(loop_);

  Store* const store_;
  LogStore* const logs_;
  const SchedulerOptions options_;
  // The scheduler thread's role: what it alone touches is guarded by it.
  ThreadRole loop_;
  ProgressBoard progress_;        // thread-safe
  WorkBoard work_;                // thread-safe
  AgentSnapshot agent_snapshot_;  // thread-safe; written by agents_

  absl::Mutex queue_mu_;
  std::deque<Event> events_ ABSL_GUARDED_BY(queue_mu_);
  bool stopping_ ABSL_GUARDED_BY(queue_mu_) = false;
  std::thread thread_;
  std::thread ticker_;
  absl::Notification stop_ticker_;

  AgentRegistry agents_ ABSL_GUARDED_BY(loop_);
  DispatchQueue queue_ ABSL_GUARDED_BY(loop_);
  FleetSampler fleet_ ABSL_GUARDED_BY(loop_);
  std::map<std::string, ActiveJob> jobs_ ABSL_GUARDED_BY(loop_);  // dropped when the job ends
  std::map<std::string, RunningAttempt> attempts_ ABSL_GUARDED_BY(loop_);
  // Per batch: messages held until commit, and what to do once at its end.
  std::vector<std::pair<std::shared_ptr<AgentLink>, v1::ControllerMessage>> outbox_
      ABSL_GUARDED_BY(loop_);
  bool dispatch_ ABSL_GUARDED_BY(loop_) = false;
  bool notify_ ABSL_GUARDED_BY(loop_) = false;  // wake log and job watchers after the commit
  // Set by a handler whose writes failed half way (memory and store
  // disagree): the batch is rolled back and the scheduler reloads.
  absl::Status batch_error_ ABSL_GUARDED_BY(loop_);
  std::vector<std::function<void()>> after_batch_ ABSL_GUARDED_BY(loop_);

  mutable absl::Mutex snapshot_mu_;
  std::map<std::string, int> queue_depth_ ABSL_GUARDED_BY(snapshot_mu_);
};

}  // namespace arena

#endif  // ARENA_CONTROLLER_SCHEDULER_SCHEDULER_H_
