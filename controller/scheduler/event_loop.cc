// The scheduler's event loop: batches of events, each one store
// transaction and one log sync, the messages sent after the commit, recovery
// when a batch cannot be made durable; loading state at start; the active
// jobs kept in memory; the tick (leases, queue timeouts). Same class and
// thread rules as scheduler.h.
#include "absl/strings/str_cat.h"
#include "common/logging.h"
#include "common/status_macros.h"
#include "controller/metrics/metrics.h"
#include "controller/scheduler/scheduler.h"
#include "controller/store/job_events.h"
#include "controller/store/log_store.h"
#include "controller/store/store.h"

namespace arena {

absl::Status Scheduler::Start() {
  loop_.Assume();  // the loop thread does not run yet
  RETURN_IF_ERROR(Load(Now()));
  agents_.leases().LoopRan(Now());  // pauses count from here
  thread_ = std::thread([this] { Run(); });
  if (options_.tick == absl::InfiniteDuration()) return absl::OkStatus();  // ticked by the caller
  ticker_ = std::thread([this] {
    while (!stop_ticker_.WaitForNotificationWithTimeout(options_.tick)) {
      Post([this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(loop_) { OnLoopTick(); });
    }
  });
  return absl::OkStatus();
}

void Scheduler::OnLoopTick() {
  absl::Time now = Now();
  absl::Duration gap = agents_.leases().LoopRan(now);
  if (gap > absl::ZeroDuration()) {
    Log(LogLevel::kWarn, "scheduler",
        absl::StrCat("the scheduler did not run for ",
                     absl::FormatDuration(absl::Trunc(gap, absl::Milliseconds(100))),
                     " (process paused or a batch stalled); agents' leases restart now"));
  }
  OnTick(now);
}

absl::Status Scheduler::Load(absl::Time now) {
  absl::StatusOr<std::vector<std::string>> active = store_->jobs().ListActiveJobIds();
  if (!active.ok()) return active.status();
  for (const std::string& job_id : *active) {
    absl::StatusOr<v1::Job> job = store_->jobs().GetJob(job_id);
    if (!job.ok()) return job.status();
    for (const v1::Task& task : job->tasks()) {
      if (task.state() == v1::QUEUED) {
        queue_.Enqueue(*job, task, now);
      } else if (task.state() == v1::RUNNING) {
        // The agent still runs it and reports back when it reconnects; until
        // the grace window passes nothing is declared lost.
        RunningAttempt& running = attempts_[task.attempt_id()];
        running = {job_id, task.id(), task.agent_id(), false, task.arch(), "", {}};
        for (const v1::Attempt& a : task.attempts()) {
          if (a.id() == task.attempt_id()) running.batch = a.batch_attempt_id();
        }
        agents_.leases().Grant(task.agent_id(), now, options_.restart_grace);
      }
    }
  }
  // Batches: each leader knows its members again.
  for (auto& [attempt_id, running] : attempts_) {
    auto leader = running.batch.empty() ? attempts_.end() : attempts_.find(running.batch);
    if (leader != attempts_.end()) leader->second.members.push_back(attempt_id);
  }
  return absl::OkStatus();
}

void Scheduler::ActiveJob::Move(v1::State from, bool from_quarantined, v1::State to,
                                bool to_quarantined) {
  --counts[{from, from_quarantined}];
  ++counts[{to, to_quarantined}];
}

std::vector<TaskStateCount> Scheduler::ActiveJob::Counts() const {
  std::vector<TaskStateCount> out;
  for (const auto& [key, count] : counts) {
    if (count > 0) out.push_back({static_cast<v1::State>(key.first), key.second, count});
  }
  return out;
}

absl::StatusOr<Scheduler::ActiveJob*> Scheduler::FindJob(const std::string& job_id) {
  auto it = jobs_.find(job_id);
  if (it != jobs_.end()) return &it->second;
  ActiveJob job;
  ASSIGN_OR_RETURN(job.header, store_->jobs().GetJobHeader(job_id));
  ASSIGN_OR_RETURN(std::vector<TaskStateCount> counts, store_->jobs().CountJobTasks(job_id));
  for (const TaskStateCount& c : counts) job.counts[{c.state, c.quarantined}] += c.count;
  return &jobs_.emplace(job_id, std::move(job)).first->second;
}

void Scheduler::Recover(const absl::Status& why) {
  Log(LogLevel::kError, "scheduler",
      absl::StrCat("a batch could not be made durable (", why.ToString(),
                   "); reloading from the store, agents reconnect"));
  outbox_.clear();
  agents_.CloseAll(absl::UnavailableError("controller store error, reconnect"));
  queue_.Clear();
  jobs_.clear();
  work_.Clear();  // Load fills it again with the queued tests
  std::map<std::string, RunningAttempt> before = std::move(attempts_);
  attempts_.clear();
  LogError(Load(Now()));
  // Attempts the store does not hold as running leave no progress behind.
  for (const auto& [attempt_id, attempt] : before) {
    if (!attempts_.count(attempt_id)) progress_.Clear(attempt_id);
  }
  notify_ = true;
}

void Scheduler::Send(const std::shared_ptr<AgentLink>& link, v1::ControllerMessage message) {
  outbox_.emplace_back(link, std::move(message));
}

void Scheduler::Stop() {
  if (!stop_ticker_.HasBeenNotified()) stop_ticker_.Notify();
  if (ticker_.joinable()) ticker_.join();
  {
    absl::MutexLock lock(&queue_mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
  loop_.Assume();  // the loop thread has ended
  agents_.CloseAll(absl::UnavailableError("controller stopping"));
}

void Scheduler::Post(Event event) {
  absl::MutexLock lock(&queue_mu_);
  events_.push_back(std::move(event));
}

void Scheduler::Run() {
  loop_.Assume();
  std::vector<Event> batch;
  while (NextBatch(&batch)) RunBatch(batch);
}

bool Scheduler::NextBatch(std::vector<Event>* batch) {
  constexpr size_t kMaxBatch = 512;
  batch->clear();
  absl::MutexLock lock(&queue_mu_);
  auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(queue_mu_) {
    return stopping_ || !events_.empty();
  };
  queue_mu_.Await(absl::Condition(&ready));
  if (events_.empty()) return false;  // stopping and drained
  while (!events_.empty() && batch->size() < kMaxBatch) {
    batch->push_back(std::move(events_.front()));
    events_.pop_front();
  }
  return true;
}

void Scheduler::RunBatch(std::vector<Event>& batch) {
  // Without a batch (the store busy past its timeout, an I/O error) every
  // write commits on its own, before the logs are synced: a degraded mode
  // that is logged, not expected.
  absl::Status begun = store_->BeginBatch();
  LogError(begun);
  batch_error_ = absl::OkStatus();
  for (Event& event : batch) {
    absl::Time start = absl::Now();  // real time: the metric is the handler's cost
    event();
    if (options_.metrics != nullptr) {
      options_.metrics->Observe("arena_scheduler_event_seconds",
                                absl::ToDoubleSeconds(absl::Now() - start));
    }
  }
  if (dispatch_) {
    dispatch_ = false;
    Dispatch();
  }
  absl::Status durable = EndBatch(begun);
  if (!durable.ok()) Recover(durable);
  for (auto& [link, message] : outbox_) link->Send(message);
  outbox_.clear();
  AfterBatch();
}

absl::Status Scheduler::EndBatch(const absl::Status& begun) {
  // Logs first, then the store: both durable before any acknowledgement.
  // Logs that could not be synced, or a handler whose writes failed half
  // way, undo the whole batch: the store keeps nothing the logs or the
  // scheduler's memory do not match, and Recover reloads from it.
  absl::Status durable = logs_->Sync();
  if (durable.ok()) durable = batch_error_;
  if (begun.ok()) {
    absl::Status ended = durable.ok() ? store_->CommitBatch() : store_->RollbackBatch();
    if (durable.ok()) durable = ended;
  }
  return durable;
}

void Scheduler::AfterBatch() {
  PublishAgents();
  if (notify_) {
    notify_ = false;
    if (options_.events != nullptr) options_.events->StatesChanged();
  }
  {
    absl::MutexLock lock(&snapshot_mu_);
    queue_depth_ = queue_.depth();
  }
  for (std::function<void()>& done : after_batch_) done();
  after_batch_.clear();
}

std::map<std::string, int> Scheduler::QueueDepth() const {
  absl::MutexLock lock(&snapshot_mu_);
  return queue_depth_;
}

void Scheduler::Flush() {
  absl::Mutex done_mu;
  bool done = false;
  Post([&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(loop_) {
    after_batch_.push_back([&] {
      absl::MutexLock lock(&done_mu);
      done = true;
    });
  });
  absl::MutexLock lock(&done_mu);
  done_mu.Await(absl::Condition(&done));
}

void Scheduler::Tick(absl::Time now) {
  Post([this, now]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(loop_) { OnTick(now); });
  Flush();
}

void Scheduler::LoseAgent(const std::string& agent_id, const std::string& reason) {
  agents_.leases().Forget(agent_id);
  agents_.Close(agent_id, absl::UnavailableError(reason));
  std::vector<std::string> lost;
  for (const auto& [attempt_id, attempt] : attempts_) {
    if (attempt.agent_id == agent_id && !InLiveBatch(attempt)) lost.push_back(attempt_id);
  }
  if (lost.empty()) return;
  LogLine("scheduler", reason);
  for (const std::string& attempt_id : lost) {
    FailBatch(EndAttempt(attempt_id, v1::LOST, -1, reason));
  }
}

void Scheduler::OnTick(absl::Time now) {
  // Leases: an agent silent past its lease loses its attempts.
  for (const auto& [agent_id, silent] : agents_.leases().Expired(now)) {
    LoseAgent(agent_id, absl::StrCat("agent ", agent_id, " silent for ",
                                     absl::FormatDuration(absl::Trunc(silent, absl::Seconds(1))),
                                     " (lease ", absl::FormatDuration(options_.lease), ")"));
  }
  for (const QueuedTask& q : queue_.TakeTimedOut(now)) {
    FailBatch(FinishTask(q.job_id, q.task_id, v1::ERROR, -1,
                         absl::StrCat("not started within ", absl::FormatDuration(q.queue_timeout),
                                      ": ", WaitingReason(q.needs))));
  }
  if (fleet_.Due(now)) {
    std::vector<v1::FleetSample> samples = fleet_.Take(now, agent_snapshot_.Get(), queue_.depth());
    LogError(store_->fleet().Add(samples, absl::ToUnixMillis(now - options_.fleet_retention)));
  }
}

}  // namespace arena
