#include "controller/scheduler/scheduler.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/flags.h"
#include "common/ids.h"
#include "common/logging.h"
#include "controller/scheduler/job_state.h"
#include "controller/store/log_store.h"
#include "controller/store/store.h"

namespace arena {
namespace {

int64_t NowMs() { return absl::ToUnixMillis(absl::Now()); }

std::string PlatformsText(const std::vector<AgentPlatform>& platforms) {
  std::string out;
  for (const AgentPlatform& p : platforms) {
    absl::StrAppend(&out, out.empty() ? "" : ",", p.arch,
                    p.emulated ? "(emulated)" : "");
  }
  return out;
}

TaskNeeds NeedsOf(const v1::Job& job, const v1::Task& task) {
  TaskNeeds needs;
  needs.arch = task.arch();
  needs.labels.insert(job.spec().required_labels().begin(),
                      job.spec().required_labels().end());
  return needs;
}

}  // namespace

Scheduler::Scheduler(Store* store, LogStore* logs)
    : store_(store), logs_(logs) {}

Scheduler::~Scheduler() { Stop(); }

absl::Status Scheduler::Start() {
  absl::StatusOr<std::vector<std::string>> active = store_->ListActiveJobIds();
  if (!active.ok()) return active.status();
  for (const std::string& job_id : *active) {
    absl::StatusOr<v1::Job> job = store_->GetJob(job_id);
    if (!job.ok()) return job.status();
    for (const v1::Task& task : job->tasks()) {
      if (task.state() == v1::QUEUED) {
        queue_.push_back({job_id, task.id(), NeedsOf(*job, task)});
      } else if (task.state() == v1::RUNNING) {
        // The agent still runs it; it reports back when it reconnects.
        attempts_[task.attempt_id()] = {job_id, task.id(), task.agent_id(),
                                        false};
      }
    }
  }
  thread_ = std::thread([this] { Run(); });
  return absl::OkStatus();
}

void Scheduler::Stop() {
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
  while (true) {
    std::function<void()> event;
    {
      absl::MutexLock lock(&queue_mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(queue_mu_) {
        return stopping_ || !events_.empty();
      };
      queue_mu_.Await(absl::Condition(&ready));
      if (events_.empty()) return;  // stopping and drained
      event = std::move(events_.front());
      events_.pop_front();
    }
    event();
  }
}

void Scheduler::Flush() {
  absl::Mutex done_mu;
  bool done = false;
  Post([&] {
    absl::MutexLock lock(&done_mu);
    done = true;
  });
  absl::MutexLock lock(&done_mu);
  done_mu.Await(absl::Condition(&done));
}

void Scheduler::AgentConnected(const std::string& agent_id,
                               std::shared_ptr<AgentLink> link,
                               const v1::Hello& hello) {
  Post([this, agent_id, link, hello] {
    OnAgentConnected(agent_id, link, hello);
  });
}

void Scheduler::AgentDisconnected(const std::string& agent_id,
                                  const AgentLink* link) {
  Post([this, agent_id, link] { OnAgentDisconnected(agent_id, link); });
}

void Scheduler::AgentMessageReceived(const std::string& agent_id,
                                     const v1::AgentMessage& message) {
  Post([this, agent_id, message] { OnAgentMessage(agent_id, message); });
}

void Scheduler::JobSubmitted(const std::string& job_id) {
  Post([this, job_id] { OnJobSubmitted(job_id); });
}

void Scheduler::CancelJob(const std::string& job_id,
                          const std::string& reason) {
  Post([this, job_id, reason] { OnCancelJob(job_id, reason); });
}

std::vector<AgentView> Scheduler::ConnectedAgents() const {
  absl::MutexLock lock(&snapshot_mu_);
  return agent_snapshot_;
}

std::string Scheduler::WaitingReason(const TaskNeeds& needs) const {
  return ExplainWait(needs, ConnectedAgents());
}

void Scheduler::LogError(const absl::Status& status) {
  if (!status.ok()) LogLine("scheduler", status.ToString());
}

void Scheduler::PublishAgents() {
  std::vector<AgentView> views;
  for (const auto& [id, agent] : agents_) views.push_back(agent.view);
  absl::MutexLock lock(&snapshot_mu_);
  agent_snapshot_ = std::move(views);
}

void Scheduler::OnAgentConnected(const std::string& agent_id,
                                 std::shared_ptr<AgentLink> link,
                                 const v1::Hello& hello) {
  absl::StatusOr<AgentRecord> record = store_->GetAgent(agent_id);
  if (!record.ok() || record->revoked) {
    link->Close(absl::PermissionDeniedError(
        absl::StrCat("agent ", agent_id, " is not enrolled or was revoked")));
    return;
  }
  auto previous = agents_.find(agent_id);
  if (previous != agents_.end() && previous->second.link != link) {
    previous->second.link->Close(
        absl::AbortedError("replaced by a newer connection"));
  }
  ConnectedAgent agent;
  agent.link = link;
  agent.view.id = agent_id;
  for (const v1::Platform& p : hello.platforms()) {
    agent.view.platforms.push_back({p.arch(), p.emulated()});
  }
  agent.view.labels.insert(hello.labels().begin(), hello.labels().end());
  agent.view.slots = hello.slots();
  agent.view.credits = hello.credits();
  agent.running = hello.running_size();
  agents_[agent_id] = std::move(agent);

  record->hostname = hello.hostname();
  record->platforms = PlatformsText(agents_[agent_id].view.platforms);
  record->labels = FormatKeyValues(agents_[agent_id].view.labels);
  record->slots = hello.slots();
  record->last_seen_ms = NowMs();
  LogError(store_->UpsertAgent(*record));
  LogLine("scheduler", absl::StrCat("agent ", agent_id, " connected (",
                                    record->platforms, ", ", hello.credits(),
                                    "/", hello.slots(), " slots free)"));

  // Reconcile attempts: the agent lists what it still runs.
  std::map<std::string, int64_t> still_running;
  for (const v1::RunningAttempt& r : hello.running())
    still_running[r.attempt_id()] = r.log_offset();
  std::vector<std::string> lost;
  for (const auto& [attempt_id, attempt] : attempts_) {
    if (attempt.agent_id == agent_id && !still_running.count(attempt_id))
      lost.push_back(attempt_id);
  }
  for (const std::string& attempt_id : lost) {
    RunningAttempt attempt = attempts_[attempt_id];
    attempts_.erase(attempt_id);
    if (!attempt.cancelled) {
      FinishTask(attempt.job_id, attempt.task_id, v1::ERROR, -1,
                 "attempt lost: the agent no longer runs it",
                 logs_->Size(attempt.job_id, attempt_id));
    }
  }
  for (const auto& [attempt_id, offset] : still_running) {
    auto it = attempts_.find(attempt_id);
    if (it == attempts_.end() || it->second.agent_id != agent_id) {
      v1::ControllerMessage cancel;
      cancel.mutable_cancel()->set_attempt_id(attempt_id);
      cancel.mutable_cancel()->set_reason("attempt is no longer current");
      link->Send(cancel);
      continue;
    }
    if (it->second.cancelled) {
      v1::ControllerMessage cancel;
      cancel.mutable_cancel()->set_attempt_id(attempt_id);
      cancel.mutable_cancel()->set_reason("cancelled by user");
      link->Send(cancel);
    }
    // Tell the agent how much of the log is durable so it resends the rest.
    v1::ControllerMessage ack;
    ack.mutable_log_ack()->set_attempt_id(attempt_id);
    ack.mutable_log_ack()->set_durable_offset(
        logs_->Size(it->second.job_id, attempt_id));
    link->Send(ack);
  }
  PublishAgents();
  Dispatch();
}

void Scheduler::OnAgentDisconnected(const std::string& agent_id,
                                    const AgentLink* link) {
  auto it = agents_.find(agent_id);
  if (it == agents_.end() || it->second.link.get() != link) return;
  agents_.erase(it);
  LogLine("scheduler", absl::StrCat("agent ", agent_id, " disconnected"));
  absl::StatusOr<AgentRecord> record = store_->GetAgent(agent_id);
  if (record.ok()) {
    record->last_seen_ms = NowMs();
    LogError(store_->UpsertAgent(*record));
  }
  PublishAgents();
}

void Scheduler::OnAgentMessage(const std::string& agent_id,
                               const v1::AgentMessage& message) {
  auto agent = agents_.find(agent_id);
  if (agent == agents_.end()) return;  // a stream that was replaced
  switch (message.msg_case()) {
    case v1::AgentMessage::kGrant:
      agent->second.view.credits += message.grant().credits();
      if (agent->second.view.credits > agent->second.view.slots) {
        agent->second.view.credits = agent->second.view.slots;
      }
      PublishAgents();
      Dispatch();
      break;
    case v1::AgentMessage::kLog:
      OnLogChunk(agent_id, message.log());
      break;
    case v1::AgentMessage::kEvent:
      OnTaskEvent(agent_id, message.event());
      break;
    default:
      break;
  }
}

void Scheduler::OnLogChunk(const std::string& agent_id,
                           const v1::LogChunk& chunk) {
  auto it = attempts_.find(chunk.attempt_id());
  if (it == attempts_.end() || it->second.agent_id != agent_id)
    return;  // fenced
  absl::StatusOr<int64_t> durable =
      logs_->Append(it->second.job_id, chunk.attempt_id(), chunk.offset(),
                    chunk.data(), chunk.stream());
  if (!durable.ok()) {
    LogError(durable.status());
    return;
  }
  v1::ControllerMessage ack;
  ack.mutable_log_ack()->set_attempt_id(chunk.attempt_id());
  ack.mutable_log_ack()->set_durable_offset(*durable);
  agents_[agent_id].link->Send(ack);
}

void Scheduler::OnTaskEvent(const std::string& agent_id,
                            const v1::TaskEvent& event) {
  auto it = attempts_.find(event.attempt_id());
  if (it == attempts_.end() || it->second.agent_id != agent_id) {
    // Already recorded (a resend after reconnect) or not current: confirm so
    // the agent forgets it; a stale attempt changes nothing.
    v1::ControllerMessage ack;
    ack.mutable_log_ack()->set_attempt_id(event.attempt_id());
    ack.mutable_log_ack()->set_result_recorded(true);
    agents_[agent_id].link->Send(ack);
    return;
  }
  RunningAttempt attempt = it->second;
  v1::State state = TaskStateForEvent(event);
  if (state == v1::RUNNING) {
    if (event.kind() == v1::TASK_EVENT_STARTED && !attempt.cancelled) {
      absl::StatusOr<v1::Job> job = store_->GetJob(attempt.job_id);
      if (!job.ok()) return LogError(job.status());
      for (v1::Task task : job->tasks()) {
        if (task.id() != attempt.task_id) continue;
        task.set_started_unix_ms(event.unix_ms() ? event.unix_ms() : NowMs());
        LogError(store_->UpdateTask(task));
      }
      logs_->Notify();
    }
    return;
  }
  int64_t durable = logs_->Size(attempt.job_id, event.attempt_id());
  if (event.log_bytes() > durable) {
    // Wait for the remaining log bytes: the agent resends the event with them.
    return;
  }
  AttemptRecord record;
  record.id = event.attempt_id();
  record.state = state;
  record.exit_code = event.exit_code();
  record.reason = event.reason();
  record.finished_ms = NowMs();
  record.log_bytes = durable;
  LogError(store_->UpdateAttempt(record));
  attempts_.erase(it);
  if (!attempt.cancelled) {
    FinishTask(attempt.job_id, attempt.task_id, state, event.exit_code(),
               event.reason(), durable);
  }
  v1::ControllerMessage ack;
  ack.mutable_log_ack()->set_attempt_id(event.attempt_id());
  ack.mutable_log_ack()->set_durable_offset(durable);
  ack.mutable_log_ack()->set_result_recorded(true);
  agents_[agent_id].link->Send(ack);
}

void Scheduler::FinishTask(const std::string& job_id,
                           const std::string& task_id, v1::State state,
                           int exit_code, const std::string& reason,
                           int64_t log_bytes) {
  absl::StatusOr<v1::Job> job = store_->GetJob(job_id);
  if (!job.ok()) return LogError(job.status());
  for (v1::Task& task : *job->mutable_tasks()) {
    if (task.id() != task_id) continue;
    task.set_state(state);
    task.set_exit_code(exit_code);
    task.set_reason(reason);
    task.set_finished_unix_ms(NowMs());
    task.set_log_bytes(log_bytes);
    LogError(store_->UpdateTask(task));
  }
  v1::State job_state = JobStateFromTasks(*job);
  if (job_state != job->state()) {
    LogError(store_->UpdateJobState(job_id, job_state, job->reason(),
                                    IsTerminal(job_state) ? NowMs() : 0));
  }
  logs_->Notify();
}

void Scheduler::OnJobSubmitted(const std::string& job_id) {
  absl::StatusOr<v1::Job> job = store_->GetJob(job_id);
  if (!job.ok()) return LogError(job.status());
  for (const v1::Task& task : job->tasks()) {
    if (task.state() == v1::QUEUED)
      queue_.push_back({job_id, task.id(), NeedsOf(*job, task)});
  }
  Dispatch();
}

void Scheduler::Dispatch() {
  std::vector<AgentView> views;
  for (const auto& [id, agent] : agents_) views.push_back(agent.view);
  bool changed = false;
  for (auto it = queue_.begin(); it != queue_.end();) {
    std::optional<Placement> placement = PickAgent(it->needs, views);
    if (!placement.has_value()) {
      ++it;
      continue;
    }
    if (Assign(*it, *placement)) {
      for (AgentView& view : views) {
        if (view.id == placement->agent_id) --view.credits;
      }
      changed = true;
    }
    it = queue_.erase(it);
  }
  if (changed) PublishAgents();
}

bool Scheduler::Assign(const QueuedTask& queued, const Placement& placement) {
  absl::StatusOr<v1::Job> job = store_->GetJob(queued.job_id);
  if (!job.ok()) {
    LogError(job.status());
    return false;
  }
  v1::Task* task = nullptr;
  for (v1::Task& t : *job->mutable_tasks()) {
    if (t.id() == queued.task_id) task = &t;
  }
  if (task == nullptr || task->state() != v1::QUEUED)
    return false;  // cancelled meanwhile
  AttemptRecord attempt;
  attempt.id = NewId("att");
  attempt.task_id = task->id();
  attempt.job_id = job->id();
  attempt.agent_id = placement.agent_id;
  attempt.state = v1::RUNNING;
  attempt.started_ms = NowMs();
  absl::Status status = store_->InsertAttempt(attempt);
  task->set_state(v1::RUNNING);
  task->set_agent_id(placement.agent_id);
  task->set_attempt_id(attempt.id);
  task->set_emulated(placement.emulated);
  if (status.ok()) status = store_->UpdateTask(*task);
  if (status.ok() && job->state() == v1::QUEUED) {
    status = store_->UpdateJobState(job->id(), v1::RUNNING, "", 0);
  }
  if (!status.ok()) {
    LogError(status);
    return false;
  }
  attempts_[attempt.id] = {job->id(), task->id(), placement.agent_id, false};
  ConnectedAgent& agent = agents_[placement.agent_id];
  --agent.view.credits;
  ++agent.running;

  v1::ControllerMessage message;
  v1::Assign* assign = message.mutable_assign();
  const v1::JobSpec& spec = job->spec();
  assign->set_attempt_id(attempt.id);
  assign->set_task_id(task->id());
  assign->set_job_id(job->id());
  assign->set_arch(task->arch());
  assign->set_image(task->image().empty() ? spec.image() : task->image());
  *assign->mutable_command() = spec.command();
  *assign->mutable_env() = spec.env();
  assign->set_repo(spec.repo());
  assign->set_commit(spec.commit());
  assign->set_timeout_ms(spec.timeout_ms());
  agent.link->Send(message);
  logs_->Notify();
  return true;
}

void Scheduler::OnCancelJob(const std::string& job_id,
                            const std::string& reason) {
  for (auto it = queue_.begin(); it != queue_.end();) {
    it = it->job_id == job_id ? queue_.erase(it) : std::next(it);
  }
  absl::StatusOr<v1::Job> job = store_->GetJob(job_id);
  if (!job.ok()) return LogError(job.status());
  for (const v1::Task& task : job->tasks()) {
    if (IsTerminal(task.state())) continue;
    auto attempt = attempts_.find(task.attempt_id());
    if (task.state() == v1::RUNNING && attempt != attempts_.end()) {
      attempt->second.cancelled = true;
      auto agent = agents_.find(attempt->second.agent_id);
      if (agent != agents_.end()) {
        v1::ControllerMessage cancel;
        cancel.mutable_cancel()->set_attempt_id(task.attempt_id());
        cancel.mutable_cancel()->set_reason(reason);
        agent->second.link->Send(cancel);
      }
    }
    FinishTask(
        job_id, task.id(), v1::CANCELLED, -1, reason,
        task.attempt_id().empty() ? 0 : logs_->Size(job_id, task.attempt_id()));
  }
}

}  // namespace arena
