// The scheduler's public face (events posted to its thread) and its
// agents: connections, reconnects and their reconciliation, messages, logs,
// certificate renewals. Attempts are in attempts.cc, the loop in
// event_loop.cc.
#include "controller/scheduler/scheduler.h"

#include "absl/strings/str_cat.h"
#include "common/flags.h"
#include "common/logging.h"
#include "common/tls.h"
#include "controller/metrics/metrics.h"
#include "controller/scheduler/job_state.h"
#include "controller/store/log_store.h"
#include "controller/store/store.h"

namespace arena {
namespace {

std::string PlatformsText(const std::vector<AgentPlatform>& platforms) {
  std::string out;
  for (const AgentPlatform& p : platforms) {
    absl::StrAppend(&out, out.empty() ? "" : ",", p.arch, p.emulated ? "(emulated)" : "");
  }
  return out;
}

v1::ControllerMessage LogAck(const std::string& attempt_id, int64_t durable, bool recorded,
                             const std::string& channel = "") {
  v1::ControllerMessage ack;
  ack.mutable_log_ack()->set_attempt_id(attempt_id);
  ack.mutable_log_ack()->set_durable_offset(durable);
  ack.mutable_log_ack()->set_result_recorded(recorded);
  ack.mutable_log_ack()->set_channel(channel);
  return ack;
}

v1::ControllerMessage CancelMessage(const std::string& attempt_id, const std::string& reason,
                                    bool fenced) {
  v1::ControllerMessage cancel;
  cancel.mutable_cancel()->set_attempt_id(attempt_id);
  cancel.mutable_cancel()->set_reason(reason);
  cancel.mutable_cancel()->set_fenced(fenced);
  return cancel;
}

}  // namespace

Scheduler::Scheduler(Store* store, LogStore* logs, SchedulerOptions options)
    : store_(store),
      logs_(logs),
      options_(std::move(options)),
      agents_(options_.lease, options_.tick, &agent_snapshot_),
      fleet_(options_.fleet_interval) {}

Scheduler::~Scheduler() { Stop(); }

void Scheduler::AgentConnected(const std::string& agent_id, std::shared_ptr<AgentLink> link,
                               const v1::Hello& hello) {
  Post([this, agent_id, link, hello]()
           ABSL_EXCLUSIVE_LOCKS_REQUIRED(loop_) { OnAgentConnected(agent_id, link, hello); });
}

void Scheduler::AgentDisconnected(const std::string& agent_id, const AgentLink* link) {
  Post([this, agent_id, link]()
           ABSL_EXCLUSIVE_LOCKS_REQUIRED(loop_) { OnAgentDisconnected(agent_id, link); });
}

void Scheduler::AgentMessageReceived(const std::string& agent_id, v1::AgentMessage message) {
  // Shared rather than copied: a log chunk is up to a megabyte.
  auto moved = std::make_shared<v1::AgentMessage>(std::move(message));
  Post([this, agent_id, moved]()
           ABSL_EXCLUSIVE_LOCKS_REQUIRED(loop_) { OnAgentMessage(agent_id, *moved); });
}

void Scheduler::JobSubmitted(const std::string& job_id) {
  Post([this, job_id]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(loop_) { OnJobSubmitted(job_id); });
}

void Scheduler::CancelJob(const std::string& job_id, const std::string& reason) {
  Post([this, job_id, reason]()
           ABSL_EXCLUSIVE_LOCKS_REQUIRED(loop_) { OnCancelJob(job_id, reason); });
}

void Scheduler::RevokeAgent(const std::string& agent_id) {
  Post([this, agent_id]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(loop_) {
    LoseAgent(agent_id, absl::StrCat("agent ", agent_id, " was revoked"));
  });
}

void Scheduler::SetDraining(const std::string& agent_id, bool draining) {
  Post([this, agent_id, draining]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(loop_) {
    if (agents_.Find(agent_id) == nullptr) return;
    agents_.SetDraining(agent_id, draining);
    if (!draining) dispatch_ = true;
  });
}

std::vector<AgentView> Scheduler::ConnectedAgents() const { return agent_snapshot_.Get(); }

std::string Scheduler::WaitingReason(const TaskNeeds& needs) const {
  return ExplainWait(needs, ConnectedAgents());
}

void Scheduler::LogError(const absl::Status& status) {
  if (!status.ok()) Log(LogLevel::kError, "scheduler", status.ToString());
}

void Scheduler::FailBatch(const absl::Status& status) {
  LogError(status);
  if (!status.ok() && batch_error_.ok()) batch_error_ = status;
}

void Scheduler::PublishAgents() {
  if (!agents_.changed()) return;
  std::map<std::string, std::vector<std::string>> running;  // by agent, one pass
  for (const auto& [attempt_id, attempt] : attempts_) {
    running[attempt.agent_id].push_back(absl::StrCat(attempt.job_id, "/", attempt.task_id));
  }
  agents_.PublishIfChanged(std::move(running));
}

void Scheduler::OnAgentConnected(const std::string& agent_id, std::shared_ptr<AgentLink> link,
                                 const v1::Hello& hello) {
  absl::StatusOr<AgentRecord> record = store_->access().GetAgent(agent_id);
  if (!record.ok() && !absl::IsNotFound(record.status())) {
    // A store that cannot answer says nothing about the agent: the agent
    // retries, while PermissionDenied would stop it for good.
    link->Close(absl::UnavailableError(
        absl::StrCat("cannot look up agent ", agent_id, ": ", record.status().message())));
    return;
  }
  if (!record.ok() || record->revoked) {
    link->Close(absl::PermissionDeniedError(
        absl::StrCat("agent ", agent_id, " is not enrolled or was revoked")));
    return;
  }
  const ConnectedAgent& agent = agents_.Connect(agent_id, link, hello, record->draining, Now());
  record->hostname = hello.hostname();
  record->platforms = PlatformsText(agent.view.platforms);
  record->labels = FormatKeyValues(agent.view.labels);
  record->slots = hello.slots();
  record->last_seen_ms = NowMs();
  LogError(store_->access().UpsertAgent(*record));
  LogLine("scheduler", absl::StrCat("agent ", agent_id, " connected (", record->platforms, ", ",
                                    agent.view.credits, "/", hello.slots(), " slots free, ",
                                    hello.running_size(), " attempts held)"));
  if (!agent.view.healthy) LogHealth(agent_id);
  ReconcileAttempts(agent_id, link, hello);
  dispatch_ = true;
}

void Scheduler::ReconcileAttempts(const std::string& agent_id,
                                  const std::shared_ptr<AgentLink>& link, const v1::Hello& hello) {
  std::map<std::string, const v1::RunningAttempt*> held;
  for (const v1::RunningAttempt& r : hello.running()) held[r.attempt_id()] = &r;
  std::vector<std::string> lost;
  for (const auto& [attempt_id, attempt] : attempts_) {
    if (attempt.agent_id == agent_id && !held.count(attempt_id) && !InLiveBatch(attempt)) {
      lost.push_back(attempt_id);
    }
  }
  for (const std::string& attempt_id : lost) {
    FailBatch(
        EndAttempt(attempt_id, v1::LOST, -1, "the agent restarted and no longer runs the attempt"));
  }
  for (const auto& [attempt_id, running] : held) {
    auto it = attempts_.find(attempt_id);
    if (it == attempts_.end() || it->second.agent_id != agent_id) {
      SendFencedCancel(link, attempt_id);
      continue;
    }
    if (it->second.cancelled) Send(link, CancelMessage(attempt_id, "cancelled by user", false));
    // The durable length tells the agent where to resend its log from,
    // for each of its channels.
    Send(link, LogAck(attempt_id, logs_->Size(it->second.job_id, attempt_id), false));
    for (const std::string& channel : running->channels()) {
      int64_t durable = logs_->Size(it->second.job_id, attempt_id, channel);
      Send(link, LogAck(attempt_id, durable, false, channel));
    }
  }
}

void Scheduler::SendFencedCancel(const std::shared_ptr<AgentLink>& link,
                                 const std::string& attempt_id) {
  Send(link, CancelMessage(attempt_id, "attempt is no longer current", true));
}

void Scheduler::OnAgentDisconnected(const std::string& agent_id, const AgentLink* link) {
  if (!agents_.Disconnected(agent_id, link)) return;
  LogLine("scheduler", absl::StrCat("agent ", agent_id, " disconnected"));
  absl::StatusOr<AgentRecord> record = store_->access().GetAgent(agent_id);
  if (record.ok()) {
    record->last_seen_ms = NowMs();
    LogError(store_->access().UpsertAgent(*record));
  }
}

void Scheduler::OnAgentMessage(const std::string& agent_id, const v1::AgentMessage& message) {
  const ConnectedAgent* agent = agents_.Find(agent_id);
  if (agent == nullptr) return;  // a stream that was replaced or expired
  // Held here: a handler may close the agent and forget it.
  const std::shared_ptr<AgentLink> link = agent->link;
  agents_.leases().Heard(agent_id, Now());
  switch (message.msg_case()) {
    case v1::AgentMessage::kGrant:
      agents_.AddCredits(agent_id, message.grant().credits());
      dispatch_ = true;
      break;
    case v1::AgentMessage::kLog:
      OnLogChunk(agent_id, link, message.log());
      break;
    case v1::AgentMessage::kFile:
      OnFileChunk(agent_id, link, message.file());
      break;
    case v1::AgentMessage::kEvent:
      OnTaskEvent(agent_id, link, message.event());
      break;
    case v1::AgentMessage::kRenew:
      OnRenew(agent_id, link, message.renew());
      break;
    case v1::AgentMessage::kBaseCredentials:
      OnBaseImageCredentials(agent_id, link, message.base_credentials());
      break;
    case v1::AgentMessage::kHeartbeat:
      OnHeartbeat(agent_id, message.heartbeat());
      break;
    default:
      break;
  }
}

void Scheduler::OnHeartbeat(const std::string& agent_id, const v1::Heartbeat& heartbeat) {
  if (heartbeat.has_image_store()) agents_.SetImageStore(agent_id, heartbeat.image_store());
  if (!agents_.SetHealth(agent_id, heartbeat.has_health() ? &heartbeat.health() : nullptr,
                         heartbeat.unix_ms(), NowMs())) {
    return;
  }
  LogHealth(agent_id);
  dispatch_ = true;  // a healthy agent takes work again
}

void Scheduler::LogHealth(const std::string& agent_id) {
  const ConnectedAgent* agent = agents_.Find(agent_id);
  if (agent == nullptr) return;
  LogLine("scheduler", agent->view.healthy
                           ? absl::StrCat("agent ", agent_id, " is healthy")
                           : absl::StrCat("agent ", agent_id, " unhealthy: ",
                                          agent->view.health_problem, " (no new work)"));
}

void Scheduler::OnRenew(const std::string& agent_id, const std::shared_ptr<AgentLink>& link,
                        const v1::RenewRequest& renew) {
  if (options_.ca == nullptr) return;
  absl::StatusOr<AgentRecord> record = store_->access().GetAgent(agent_id);
  if (!record.ok() || record->revoked) return;
  // The certificate names the agent the stream authenticated as, whatever
  // the CSR asks for.
  absl::StatusOr<std::string> cert =
      SignClientCsr(*options_.ca, renew.csr_pem(), agent_id, options_.cert_validity);
  if (!cert.ok()) {
    LogLine("scheduler",
            absl::StrCat("renewal for ", agent_id, " refused: ", cert.status().message()));
    return;
  }
  v1::ControllerMessage message;
  message.mutable_renewed()->set_certificate_pem(*cert);
  Send(link, std::move(message));
  LogLine("scheduler", absl::StrCat("renewed the certificate of ", agent_id));
}

void Scheduler::OnLogChunk(const std::string& agent_id, const std::shared_ptr<AgentLink>& link,
                           const v1::LogChunk& chunk) {
  auto it = attempts_.find(chunk.attempt_id());
  if (it == attempts_.end() || it->second.agent_id != agent_id) {
    SendFencedCancel(link, chunk.attempt_id());  // a stale attempt: stop it
    return;
  }
  absl::StatusOr<int64_t> durable =
      logs_->Append(it->second.job_id, chunk.attempt_id(), chunk.offset(), chunk.data(),
                    chunk.stream(), chunk.channel());
  if (!durable.ok()) {
    // A gap or a full disk: end the stream; the agent reconnects with
    // backoff and resends everything past the durable offset.
    LogError(durable.status());
    agents_.Close(agent_id, absl::UnavailableError(absl::StrCat("cannot store the log of ",
                                                                chunk.attempt_id(), ": ",
                                                                durable.status().message())));
    return;
  }
  if (options_.metrics != nullptr) {
    options_.metrics->Add("arena_log_bytes_total", static_cast<double>(chunk.data().size()));
  }
  Send(link, LogAck(chunk.attempt_id(), *durable, false, chunk.channel()));
}

void Scheduler::OnTaskEvent(const std::string& agent_id, const std::shared_ptr<AgentLink>& link,
                            const v1::TaskEvent& event) {
  auto it = attempts_.find(event.attempt_id());
  if (it == attempts_.end() || it->second.agent_id != agent_id) {
    // Already recorded (a resend after a reconnect) or fenced: confirm so the
    // agent forgets it; a stale attempt changes nothing.
    Send(link, LogAck(event.attempt_id(), 0, true));
    return;
  }
  const RunningAttempt attempt = it->second;
  if (event.kind() == v1::TASK_EVENT_PROGRESS) {
    progress_.Set(event.attempt_id(), {event.phase().substr(0, 32), event.reason().substr(0, 512),
                                       event.progress_done(), event.progress_total()});
    notify_ = true;
    return;
  }
  v1::State state = TaskStateForEvent(event);
  if (state == v1::RUNNING) {
    if (event.kind() == v1::TASK_EVENT_STARTED && !attempt.cancelled) {
      OnAttemptStarted(event.attempt_id(), attempt, event);
      for (const std::string& member : attempt.members) {
        auto m = attempts_.find(member);
        if (m != attempts_.end()) OnAttemptStarted(member, m->second, event);
      }
    }
    return;
  }
  int64_t durable = logs_->Size(attempt.job_id, event.attempt_id());
  if (event.log_bytes() > durable) return;  // the agent resends it after the log
  absl::Status recorded =
      EndAttempt(event.attempt_id(), state, event.exit_code(), event.reason(), &event);
  if (!recorded.ok()) {
    // Not durable, so not acknowledged: the batch is undone and every
    // stream closed; the agent sends the result again after reconnecting.
    FailBatch(recorded);
    return;
  }
  Send(link, LogAck(event.attempt_id(), durable, true));
}

void Scheduler::OnAttemptStarted(const std::string& attempt_id, const RunningAttempt& attempt,
                                 const v1::TaskEvent& event) {
  progress_.Clear(attempt_id);
  absl::StatusOr<ActiveJob*> job = FindJob(attempt.job_id);
  if (!job.ok()) return LogError(job.status());
  absl::StatusOr<v1::Task> loaded = store_->jobs().GetTask(attempt.task_id);
  if (!loaded.ok()) return LogError(loaded.status());
  v1::Task* task = &*loaded;
  if (task->attempt_id() != attempt_id) return;
  task->set_started_unix_ms(event.unix_ms() > 0 ? event.unix_ms() : NowMs());
  if (task->attempts_size() == 1) {
    const int64_t wait_ms = task->started_unix_ms() - (*job)->header.created_unix_ms();
    fleet_.Started(task->arch(), wait_ms);
    if (options_.metrics != nullptr) {
      options_.metrics->Observe("arena_time_to_start_seconds", wait_ms / 1000.0);
    }
  }
  LogError(store_->jobs().UpdateTask(attempt.job_id, *task));
  notify_ = true;
}

void Scheduler::OnCancelJob(const std::string& job_id, const std::string& reason) {
  queue_.RemoveJob(job_id);
  absl::StatusOr<v1::Job> job = store_->jobs().GetJob(job_id);
  if (!job.ok()) return LogError(job.status());
  for (const v1::Task& task : job->tasks()) {
    if (IsTerminal(task.state())) continue;
    auto attempt = attempts_.find(task.attempt_id());
    if (task.state() == v1::RUNNING && attempt != attempts_.end()) {
      attempt->second.cancelled = true;
      const ConnectedAgent* agent = agents_.Find(attempt->second.agent_id);
      // A batch member's run is its leader's: the agent knows only that one.
      if (agent != nullptr && attempt->second.batch.empty()) {
        Send(agent->link, CancelMessage(task.attempt_id(), reason, false));
      }
    }
    FailBatch(FinishTask(job_id, task.id(), v1::CANCELLED, -1, reason));
  }
}

}  // namespace arena
