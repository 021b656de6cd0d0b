// The scheduler's event loop: batches of events, each one store
// transaction and one log sync, the messages sent after the commit, recovery
// when a batch cannot be made durable; loading state at start; the active
// jobs kept in memory; the tick (leases, queue timeouts). Same class and
// thread rules as scheduler.cc.
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/logging.h"
#include "common/status_macros.h"
#include "controller/metrics/metrics.h"
#include "controller/scheduler/scheduler.h"
#include "controller/store/log_store.h"
#include "controller/store/store.h"

namespace arena {

absl::Status Scheduler::Start() {
  RETURN_IF_ERROR(Load(absl::Now()));
  leases_.LoopRan(absl::Now());  // pauses count from here
  thread_ = std::thread([this] { Run(); });
  ticker_ = std::thread([this] {
    while (!stop_ticker_.WaitForNotificationWithTimeout(options_.tick)) {
      Post([this] {
        absl::Time now = absl::Now();
        absl::Duration gap = leases_.LoopRan(now);
        if (gap > absl::ZeroDuration()) {
          Log(LogLevel::kWarn, "scheduler",
              absl::StrCat("the scheduler did not run for ",
                           absl::FormatDuration(absl::Trunc(gap, absl::Milliseconds(100))),
                           " (process paused or a batch stalled); agents' leases restart now"));
        }
        OnTick(now);
      });
    }
  });
  return absl::OkStatus();
}

absl::Status Scheduler::Load(absl::Time now) {
  absl::StatusOr<std::vector<std::string>> active = store_->ListActiveJobIds();
  if (!active.ok()) return active.status();
  for (const std::string& job_id : *active) {
    absl::StatusOr<v1::Job> job = store_->GetJob(job_id);
    if (!job.ok()) return job.status();
    for (const v1::Task& task : job->tasks()) {
      if (task.state() == v1::QUEUED) {
        Enqueue(*job, task, now);
      } else if (task.state() == v1::RUNNING) {
        // The agent still runs it and reports back when it reconnects; until
        // the grace window passes nothing is declared lost.
        attempts_[task.attempt_id()] = {job_id, task.id(), task.agent_id(), false, task.arch()};
        leases_.Grant(task.agent_id(), now, options_.restart_grace);
      }
    }
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
  ASSIGN_OR_RETURN(job.header, store_->GetJobHeader(job_id));
  ASSIGN_OR_RETURN(std::vector<TaskStateCount> counts, store_->CountJobTasks(job_id));
  for (const TaskStateCount& c : counts) job.counts[{c.state, c.quarantined}] += c.count;
  return &jobs_.emplace(job_id, std::move(job)).first->second;
}

void Scheduler::Recover(const absl::Status& why) {
  Log(LogLevel::kError, "scheduler",
      absl::StrCat("a batch could not be made durable (", why.ToString(),
                   "); reloading from the store, agents reconnect"));
  outbox_.clear();
  for (auto& [id, agent] : agents_) {
    agent.link->Close(absl::UnavailableError("controller store error, reconnect"));
  }
  agents_.clear();
  queue_.clear();
  queued_by_arch_.clear();
  jobs_.clear();
  attempts_.clear();
  leases_.Clear();
  warm_.clear();
  LogError(Load(absl::Now()));
  agents_dirty_ = true;
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
  for (auto& [id, agent] : agents_)
    agent.link->Close(absl::UnavailableError("controller stopping"));
  agents_.clear();
}

void Scheduler::Post(std::function<void()> event) {
  absl::MutexLock lock(&queue_mu_);
  events_.push_back(std::move(event));
}

void Scheduler::Run() {
  constexpr size_t kMaxBatch = 512;
  std::vector<std::function<void()>> batch;
  while (true) {
    batch.clear();
    {
      absl::MutexLock lock(&queue_mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(queue_mu_) {
        return stopping_ || !events_.empty();
      };
      queue_mu_.Await(absl::Condition(&ready));
      if (events_.empty()) return;  // stopping and drained
      while (!events_.empty() && batch.size() < kMaxBatch) {
        batch.push_back(std::move(events_.front()));
        events_.pop_front();
      }
    }
    // Without a batch (the store busy past its timeout, an I/O error) every
    // write commits on its own, before the logs are synced: a degraded mode
    // that is logged, not expected.
    absl::Status begun = store_->BeginBatch();
    LogError(begun);
    batch_error_ = absl::OkStatus();
    for (std::function<void()>& event : batch) {
      absl::Time start = absl::Now();
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
    if (!durable.ok()) Recover(durable);
    for (auto& [link, message] : outbox_) link->Send(message);
    outbox_.clear();
    if (agents_dirty_) {
      agents_dirty_ = false;
      PublishAgents();
    }
    if (notify_) {
      notify_ = false;
      logs_->Notify();
    }
    {
      absl::MutexLock lock(&snapshot_mu_);
      queue_depth_ = queued_by_arch_;
    }
    for (std::function<void()>& done : after_batch_) done();
    after_batch_.clear();
  }
}

std::map<std::string, int> Scheduler::QueueDepth() const {
  absl::MutexLock lock(&snapshot_mu_);
  return queue_depth_;
}

void Scheduler::Flush() {
  absl::Mutex done_mu;
  bool done = false;
  Post([&] {
    after_batch_.push_back([&] {
      absl::MutexLock lock(&done_mu);
      done = true;
    });
  });
  absl::MutexLock lock(&done_mu);
  done_mu.Await(absl::Condition(&done));
}

void Scheduler::Tick(absl::Time now) {
  Post([this, now] { OnTick(now); });
  Flush();
}

void Scheduler::LoseAgent(const std::string& agent_id, const std::string& reason) {
  leases_.Forget(agent_id);
  CloseAgent(agent_id, absl::UnavailableError(reason));
  std::vector<std::string> lost;
  for (const auto& [attempt_id, attempt] : attempts_) {
    if (attempt.agent_id == agent_id) lost.push_back(attempt_id);
  }
  if (lost.empty()) return;
  LogLine("scheduler", reason);
  for (const std::string& attempt_id : lost) {
    FailBatch(EndAttempt(attempt_id, v1::LOST, -1, reason));
  }
}

void Scheduler::OnTick(absl::Time now) {
  // Leases: an agent silent past its lease loses its attempts.
  for (const auto& [agent_id, silent] : leases_.Expired(now)) {
    LoseAgent(agent_id, absl::StrCat("agent ", agent_id, " silent for ",
                                     absl::FormatDuration(absl::Trunc(silent, absl::Seconds(1))),
                                     " (lease ", absl::FormatDuration(options_.lease), ")"));
  }
  // Queue timeouts.
  std::vector<QueuedTask> timed_out;
  for (auto it = queue_.begin(); it != queue_.end();) {
    if (now - it->queued_at > it->queue_timeout) {
      timed_out.push_back(*it);
      it = Dequeue(it);
    } else {
      ++it;
    }
  }
  for (const QueuedTask& q : timed_out) {
    FailBatch(FinishTask(q.job_id, q.task_id, v1::ERROR, -1,
                         absl::StrCat("not started within ", absl::FormatDuration(q.queue_timeout),
                                      ": ", WaitingReason(q.needs))));
  }
}

}  // namespace arena
