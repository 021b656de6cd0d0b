#include "controller/scheduler/scheduler.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/flags.h"
#include "common/ids.h"
#include "common/image_ref.h"
#include "common/logging.h"
#include "common/repo_url.h"
#include "common/states.h"
#include "common/status_macros.h"
#include "common/tls.h"
#include "controller/auth/secret_box.h"
#include "controller/metrics/metrics.h"
#include "controller/results/recorder.h"
#include "controller/scheduler/fan_out.h"
#include "controller/scheduler/job_state.h"
#include "controller/store/artifact_store.h"
#include "controller/store/log_store.h"
#include "controller/store/store.h"

namespace arena {
namespace {

constexpr absl::Duration kDefaultQueueTimeout = absl::Hours(1);

int64_t NowMs() { return absl::ToUnixMillis(absl::Now()); }

std::string PlatformsText(const std::vector<AgentPlatform>& platforms) {
  std::string out;
  for (const AgentPlatform& p : platforms) {
    absl::StrAppend(&out, out.empty() ? "" : ",", p.arch, p.emulated ? "(emulated)" : "");
  }
  return out;
}

TaskNeeds NeedsOf(const v1::Job& job, const v1::Task& task) {
  TaskNeeds needs;
  needs.arch = task.arch();
  needs.labels.insert(job.spec().required_labels().begin(), job.spec().required_labels().end());
  needs.image = task.image();
  return needs;
}

std::string WarmKey(const std::string& job_id, const std::string& arch) {
  return absl::StrCat(job_id, "/", arch);
}

bool IsTestFailure(v1::State state) { return state == v1::FAILED || state == v1::TIMED_OUT; }

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
    : store_(store), logs_(logs), options_(options), leases_(options.lease, options.tick) {}

Scheduler::~Scheduler() { Stop(); }

void Scheduler::AgentConnected(const std::string& agent_id, std::shared_ptr<AgentLink> link,
                               const v1::Hello& hello) {
  Post([this, agent_id, link, hello] { OnAgentConnected(agent_id, link, hello); });
}

void Scheduler::AgentDisconnected(const std::string& agent_id, const AgentLink* link) {
  Post([this, agent_id, link] { OnAgentDisconnected(agent_id, link); });
}

void Scheduler::AgentMessageReceived(const std::string& agent_id, v1::AgentMessage message) {
  // Shared rather than copied: a log chunk is up to a megabyte.
  auto moved = std::make_shared<v1::AgentMessage>(std::move(message));
  Post([this, agent_id, moved] { OnAgentMessage(agent_id, *moved); });
}

void Scheduler::JobSubmitted(const std::string& job_id) {
  Post([this, job_id] { OnJobSubmitted(job_id); });
}

void Scheduler::CancelJob(const std::string& job_id, const std::string& reason) {
  Post([this, job_id, reason] { OnCancelJob(job_id, reason); });
}

void Scheduler::RevokeAgent(const std::string& agent_id) {
  Post([this, agent_id] { LoseAgent(agent_id, absl::StrCat("agent ", agent_id, " was revoked")); });
}

void Scheduler::SetDraining(const std::string& agent_id, bool draining) {
  Post([this, agent_id, draining] {
    auto it = agents_.find(agent_id);
    if (it == agents_.end()) return;
    it->second.view.draining = draining;
    agents_dirty_ = true;
    if (!draining) dispatch_ = true;
  });
}

std::vector<AgentView> Scheduler::ConnectedAgents() const {
  absl::MutexLock lock(&snapshot_mu_);
  return agent_snapshot_;
}

std::string Scheduler::WaitingReason(const TaskNeeds& needs) const {
  return ExplainWait(needs, ConnectedAgents());
}

void Scheduler::LogError(const absl::Status& status) {
  if (!status.ok()) Log(LogLevel::kError, "scheduler", status.ToString());
}

void Scheduler::CloseAgent(const std::string& agent_id, const absl::Status& why) {
  auto it = agents_.find(agent_id);
  if (it == agents_.end()) return;
  it->second.link->Close(why);
  agents_.erase(it);  // nothing more is dispatched to the closed stream
  agents_dirty_ = true;
}

void Scheduler::FailBatch(const absl::Status& status) {
  LogError(status);
  if (!status.ok() && batch_error_.ok()) batch_error_ = status;
}

void Scheduler::PublishAgents() {
  std::vector<AgentView> views;
  std::map<std::string, std::vector<std::string>> running;  // by agent, one pass
  for (const auto& [attempt_id, attempt] : attempts_) {
    running[attempt.agent_id].push_back(absl::StrCat(attempt.job_id, "/", attempt.task_id));
  }
  for (const auto& [id, agent] : agents_) {
    views.push_back(agent.view);
    auto it = running.find(id);
    if (it != running.end()) views.back().running = std::move(it->second);
  }
  absl::MutexLock lock(&snapshot_mu_);
  agent_snapshot_ = std::move(views);
}

void Scheduler::OnAgentConnected(const std::string& agent_id, std::shared_ptr<AgentLink> link,
                                 const v1::Hello& hello) {
  absl::StatusOr<AgentRecord> record = store_->GetAgent(agent_id);
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
  auto previous = agents_.find(agent_id);
  if (previous != agents_.end() && previous->second.link != link) {
    previous->second.link->Close(absl::AbortedError("replaced by a newer connection"));
  }
  ConnectedAgent agent;
  agent.link = link;
  agent.view.id = agent_id;
  for (const v1::Platform& p : hello.platforms()) {
    agent.view.platforms.push_back({p.arch(), p.emulated()});
  }
  agent.view.labels.insert(hello.labels().begin(), hello.labels().end());
  agent.view.slots = hello.slots();
  agent.view.credits = std::min(hello.credits(), hello.slots());
  agent.view.draining = record->draining;
  agent.view.images.insert(hello.images().begin(), hello.images().end());
  agent.view.image_store = hello.image_store();
  leases_.Heard(agent_id, absl::Now());

  record->hostname = hello.hostname();
  record->platforms = PlatformsText(agent.view.platforms);
  record->labels = FormatKeyValues(agent.view.labels);
  record->slots = hello.slots();
  record->last_seen_ms = NowMs();
  LogError(store_->UpsertAgent(*record));
  LogLine("scheduler", absl::StrCat("agent ", agent_id, " connected (", record->platforms, ", ",
                                    agent.view.credits, "/", hello.slots(), " slots free, ",
                                    hello.running_size(), " attempts held)"));
  agents_[agent_id] = std::move(agent);
  ReconcileAttempts(agent_id, link, hello);
  agents_dirty_ = true;
  dispatch_ = true;
}

void Scheduler::ReconcileAttempts(const std::string& agent_id,
                                  const std::shared_ptr<AgentLink>& link, const v1::Hello& hello) {
  std::map<std::string, const v1::RunningAttempt*> held;
  for (const v1::RunningAttempt& r : hello.running()) held[r.attempt_id()] = &r;
  std::vector<std::string> lost;
  for (const auto& [attempt_id, attempt] : attempts_) {
    if (attempt.agent_id == agent_id && !held.count(attempt_id)) lost.push_back(attempt_id);
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
  auto it = agents_.find(agent_id);
  if (it == agents_.end() || it->second.link.get() != link) return;
  agents_.erase(it);
  LogLine("scheduler", absl::StrCat("agent ", agent_id, " disconnected"));
  absl::StatusOr<AgentRecord> record = store_->GetAgent(agent_id);
  if (record.ok()) {
    record->last_seen_ms = NowMs();
    LogError(store_->UpsertAgent(*record));
  }
  agents_dirty_ = true;
}

void Scheduler::OnAgentMessage(const std::string& agent_id, const v1::AgentMessage& message) {
  auto agent = agents_.find(agent_id);
  if (agent == agents_.end()) return;  // a stream that was replaced or expired
  leases_.Heard(agent_id, absl::Now());
  switch (message.msg_case()) {
    case v1::AgentMessage::kGrant:
      agent->second.view.credits = std::min(agent->second.view.slots,
                                            agent->second.view.credits + message.grant().credits());
      agents_dirty_ = true;
      dispatch_ = true;
      break;
    case v1::AgentMessage::kLog:
      OnLogChunk(agent_id, message.log());
      break;
    case v1::AgentMessage::kFile:
      OnFileChunk(agent_id, message.file());
      break;
    case v1::AgentMessage::kEvent:
      OnTaskEvent(agent_id, message.event());
      break;
    case v1::AgentMessage::kRenew:
      OnRenew(agent_id, message.renew());
      break;
    case v1::AgentMessage::kBaseCredentials:
      OnBaseImageCredentials(agent_id, message.base_credentials());
      break;
    case v1::AgentMessage::kHeartbeat:
      // Republished only on a change: most heartbeats carry none.
      if (message.heartbeat().has_image_store() &&
          message.heartbeat().image_store().SerializeAsString() !=
              agent->second.view.image_store.SerializeAsString()) {
        agent->second.view.image_store = message.heartbeat().image_store();
        agents_dirty_ = true;
      }
      break;
    default:
      break;
  }
}

void Scheduler::OnRenew(const std::string& agent_id, const v1::RenewRequest& renew) {
  if (options_.ca == nullptr) return;
  absl::StatusOr<AgentRecord> record = store_->GetAgent(agent_id);
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
  Send(agents_[agent_id].link, std::move(message));
  LogLine("scheduler", absl::StrCat("renewed the certificate of ", agent_id));
}

void Scheduler::OnLogChunk(const std::string& agent_id, const v1::LogChunk& chunk) {
  std::shared_ptr<AgentLink> link = agents_[agent_id].link;
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
    CloseAgent(agent_id,
               absl::UnavailableError(absl::StrCat("cannot store the log of ", chunk.attempt_id(),
                                                   ": ", durable.status().message())));
    return;
  }
  if (options_.metrics != nullptr) {
    options_.metrics->Add("arena_log_bytes_total", static_cast<double>(chunk.data().size()));
  }
  Send(link, LogAck(chunk.attempt_id(), *durable, false, chunk.channel()));
}

void Scheduler::OnTaskEvent(const std::string& agent_id, const v1::TaskEvent& event) {
  std::shared_ptr<AgentLink> link = agents_[agent_id].link;
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
    if (event.kind() != v1::TASK_EVENT_STARTED || attempt.cancelled) return;
    progress_.Clear(event.attempt_id());
    absl::StatusOr<ActiveJob*> job = FindJob(attempt.job_id);
    if (!job.ok()) return LogError(job.status());
    absl::StatusOr<v1::Task> loaded = store_->GetTask(attempt.task_id);
    if (!loaded.ok()) return LogError(loaded.status());
    v1::Task* task = &*loaded;
    if (task->attempt_id() != event.attempt_id()) return;
    task->set_started_unix_ms(event.unix_ms() > 0 ? event.unix_ms() : NowMs());
    if (options_.metrics != nullptr && task->attempts_size() == 1) {
      options_.metrics->Observe(
          "arena_time_to_start_seconds",
          (task->started_unix_ms() - (*job)->header.created_unix_ms()) / 1000.0);
    }
    LogError(store_->UpdateTask(*task));
    notify_ = true;
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

absl::Status Scheduler::EndAttempt(const std::string& attempt_id, v1::State state, int exit_code,
                                   const std::string& reason_given, const v1::TaskEvent* event) {
  auto it = attempts_.find(attempt_id);
  if (it == attempts_.end()) return absl::OkStatus();
  const RunningAttempt attempt = it->second;
  std::string reason = reason_given;
  // One task read per event; the job's header and counts are in jobs_.
  absl::StatusOr<v1::Task> loaded = store_->GetTask(attempt.task_id);
  if (!loaded.ok() && !absl::IsNotFound(loaded.status())) return loaded.status();
  v1::Task* task = loaded.ok() ? &*loaded : nullptr;
  std::set<std::string> quarantined;
  RecordedResults results;
  if (task != nullptr && !attempt.cancelled) {
    ASSIGN_OR_RETURN(std::vector<v1::QuarantineEntry> entries, store_->ListQuarantine());
    for (const v1::QuarantineEntry& e : entries) quarantined.insert(e.test_key());
    AttemptContext context{attempt.job_id, attempt_id, 1, attempt.agent_id, task, state, 0, reason};
    for (int i = 0; i < task->attempts_size(); ++i) {
      if (task->attempts(i).id() != attempt_id) continue;
      context.attempt_number = i + 1;
      context.duration_ms = std::max<int64_t>(0, NowMs() - task->attempts(i).started_unix_ms());
    }
    if (task->started_unix_ms() > 0 && task->attempt_id() == attempt_id) {
      context.duration_ms = std::max<int64_t>(0, NowMs() - task->started_unix_ms());
    }
    ASSIGN_OR_RETURN(
        results, RecordAttemptResults(store_, options_.artifacts, context,
                                      event != nullptr ? *event : v1::TaskEvent(), quarantined));
    if (!results.junit_error.empty()) {
      std::string problem = absl::StrCat("JUnit report unusable: ", results.junit_error);
      reason = state == v1::PASSED ? problem : absl::StrCat(reason, "; ", problem);
      if (state == v1::PASSED) state = v1::ERROR;
    }
  }
  AttemptRecord record;
  record.id = attempt_id;
  record.state = state;
  record.exit_code = exit_code;
  record.reason = reason;
  record.finished_ms = NowMs();
  record.exited_ms = event != nullptr ? event->unix_ms() : 0;
  record.log_bytes = logs_->Size(attempt.job_id, attempt_id);
  if (event != nullptr) record.notes = AttemptNotes(*event);
  if (event != nullptr) record.image_digest = event->image_digest().substr(0, 512);
  RETURN_IF_ERROR(store_->UpdateAttempt(record));
  progress_.Clear(attempt_id);
  attempts_.erase(it);
  agents_dirty_ = true;
  if (attempt.cancelled || task == nullptr) {
    notify_ = true;
    return absl::OkStatus();
  }
  // Only now: a cancelled job has already ended and left jobs_.
  absl::StatusOr<ActiveJob*> found = FindJob(attempt.job_id);
  if (!found.ok()) return found.status();
  ActiveJob* job = *found;
  int failures = 0;
  std::set<std::string> failed_on;
  for (v1::Attempt& a : *task->mutable_attempts()) {
    if (a.id() == attempt_id) {
      a.set_state(state);
      a.set_image_digest(record.image_digest);
    }
    if (IsTestFailure(a.state())) ++failures;
    // A retry after a test failure or an infrastructure error (its dockerd
    // or registry path broke) prefers another agent.
    if (IsTestFailure(a.state()) || a.state() == v1::ERROR || a.state() == v1::LOST) {
      failed_on.insert(a.agent_id());
    }
  }
  const v1::JobSpec& spec = job->header.spec();
  // A permanent error (refused git or registry credentials, an unknown
  // image or platform) fails the same anywhere: not retried.
  bool permanent = event != nullptr && event->permanent() && state == v1::ERROR;
  bool infrastructure = (state == v1::ERROR && !permanent) || state == v1::LOST;
  bool test_failure = IsTestFailure(state);
  if (test_failure) {
    bool only_quarantined = task->kind() == v1::TASK_KIND_TEST
                                ? quarantined.count(task->test_id()) > 0
                                : !results.failed_keys.empty();
    for (const std::string& key : results.failed_keys) {
      if (!quarantined.count(key)) only_quarantined = false;
    }
    if (only_quarantined) {
      return FinishTask(attempt.job_id, attempt.task_id, state, exit_code,
                        absl::StrCat(reason, " (only quarantined tests failed)"), false, true);
    }
  }
  bool within_retries = task->attempts_size() <= spec.retries();
  bool retry = (infrastructure && within_retries) ||
               (test_failure &&
                ((spec.retry_test_failures() && within_retries) || failures <= spec.reruns()));
  if (!retry) {
    if (state == v1::PASSED && failures > 0) {
      std::string flaky = absl::StrCat("flaky: passed on attempt ", task->attempts_size(),
                                       " after ", failures, " failed");
      if (spec.flaky_fails()) {
        return FinishTask(attempt.job_id, attempt.task_id, v1::FAILED, exit_code,
                          absl::StrCat(flaky, " (the job counts flaky as failed)"), true);
      }
      return FinishTask(attempt.job_id, attempt.task_id, state, exit_code, flaky, true);
    }
    if (state == v1::PASSED && task->kind() == v1::TASK_KIND_LIST) {
      absl::Status expanded = ExpandTests(job, *task, attempt_id);
      if (!expanded.ok()) {
        return FinishTask(attempt.job_id, attempt.task_id, v1::ERROR, exit_code,
                          std::string(expanded.message()));
      }
    }
    return FinishTask(attempt.job_id, attempt.task_id, state == v1::LOST ? v1::ERROR : state,
                      exit_code, state == v1::LOST ? absl::StrCat("agent lost: ", reason) : reason);
  }
  LogLine("scheduler",
          absl::StrCat("retrying task ", task->id(), " after attempt ", task->attempts_size(),
                       " ended ", StateName(state), ": ", reason));
  v1::State before = task->state();
  task->set_state(v1::QUEUED);
  task->set_reason(absl::StrCat(test_failure ? "rerunning" : "retrying", " after attempt ",
                                task->attempts_size(), " ended ", StateName(state), ": ", reason));
  task->set_agent_id("");
  task->set_exit_code(exit_code);
  RETURN_IF_ERROR(store_->UpdateTask(*task));
  job->Move(before, task->quarantined(), v1::QUEUED, task->quarantined());
  Enqueue(job->header, *task, absl::Now());
  queue_.back().needs.avoid = failed_on;  // another agent where one is free
  notify_ = true;
  dispatch_ = true;
  return absl::OkStatus();
}

absl::Status Scheduler::FinishTask(const std::string& job_id, const std::string& task_id,
                                   v1::State state, int exit_code, const std::string& reason,
                                   bool flaky, bool quarantined) {
  ASSIGN_OR_RETURN(ActiveJob * active, FindJob(job_id));
  absl::StatusOr<v1::Task> loaded = store_->GetTask(task_id);
  if (absl::IsNotFound(loaded.status())) return absl::OkStatus();
  if (!loaded.ok()) return loaded.status();
  v1::Task* task = &*loaded;
  v1::State before = task->state();
  bool was_quarantined = task->quarantined();
  task->set_state(state);
  task->set_exit_code(exit_code);
  task->set_reason(reason);
  task->set_finished_unix_ms(NowMs());
  task->set_flaky(flaky);
  task->set_quarantined(quarantined);
  if (options_.metrics != nullptr) {
    options_.metrics->Add("arena_tasks_finished_total", 1, {{"state", StateName(state)}});
    if (task->started_unix_ms() > 0) {
      options_.metrics->Observe("arena_task_duration_seconds",
                                (task->finished_unix_ms() - task->started_unix_ms()) / 1000.0);
    }
  }
  task->set_log_bytes(task->attempt_id().empty() ? 0 : logs_->Size(job_id, task->attempt_id()));
  RETURN_IF_ERROR(store_->UpdateTask(*task));
  active->Move(before, was_quarantined, state, quarantined);
  v1::State job_state = JobStateFromCounts(active->Counts());
  if (job_state != active->header.state()) {
    RETURN_IF_ERROR(store_->UpdateJobState(job_id, job_state, active->header.reason(),
                                           IsTerminal(job_state) ? NowMs() : 0));
    active->header.set_state(job_state);
  }
  if (IsTerminal(job_state)) {
    std::vector<std::string> archs(active->header.spec().architectures().begin(),
                                   active->header.spec().architectures().end());
    jobs_.erase(job_id);
    for (const std::string& arch : archs) {
      auto warm = warm_.find(WarmKey(job_id, arch));
      if (warm == warm_.end()) continue;
      v1::ControllerMessage end;
      end.mutable_session_end()->set_session(warm->first);
      for (const std::string& agent_id : warm->second) {
        auto agent = agents_.find(agent_id);
        if (agent != agents_.end()) Send(agent->second.link, end);
      }
      warm_.erase(warm);
    }
  }
  notify_ = true;
  // A serial suite may have waited for this task.
  if (task->serial() || task->kind() == v1::TASK_KIND_SUITE) dispatch_ = true;
  return absl::OkStatus();
}

void Scheduler::Enqueue(const v1::Job& job, const v1::Task& task, absl::Time queued_at) {
  absl::Duration timeout = job.spec().queue_timeout_ms() > 0
                               ? absl::Milliseconds(job.spec().queue_timeout_ms())
                               : kDefaultQueueTimeout;
  queue_.push_back({job.id(), task.id(), NeedsOf(job, task), queued_at, timeout, task.serial()});
  ++queued_by_arch_[task.arch()];
}

std::deque<Scheduler::QueuedTask>::iterator Scheduler::Dequeue(
    std::deque<QueuedTask>::iterator it) {
  auto count = queued_by_arch_.find(it->needs.arch);
  if (count != queued_by_arch_.end() && --count->second <= 0) queued_by_arch_.erase(count);
  return queue_.erase(it);
}

void Scheduler::OnJobSubmitted(const std::string& job_id) {
  absl::StatusOr<v1::Job> job = store_->GetJob(job_id);
  if (!job.ok()) return LogError(job.status());
  EnqueueJob(*job, {job->tasks().begin(), job->tasks().end()});
  dispatch_ = true;
}

void Scheduler::Dispatch() {
  // Only agents with free credits, and only while some credit is left: a
  // long queue costs nothing when every slot is busy.
  std::vector<const AgentView*> free;
  int credits = 0;
  for (const auto& [id, agent] : agents_) {
    if (agent.view.draining || agent.view.credits <= 0) continue;
    free.push_back(&agent.view);
    credits += agent.view.credits;
  }
  for (auto it = queue_.begin(); it != queue_.end() && credits > 0;) {
    if (SerialBlocked(*it)) {
      ++it;
      continue;
    }
    auto warm = warm_.find(WarmKey(it->job_id, it->needs.arch));
    it->needs.warm = warm != warm_.end() ? &warm->second : nullptr;
    std::optional<Placement> placement = PickAgent(it->needs, free);
    it->needs.warm = nullptr;
    if (!placement.has_value()) {
      ++it;
      continue;
    }
    if (Assign(*it, *placement)) {  // takes one of the agent's credits
      --credits;
      agents_dirty_ = true;
    }
    it = Dequeue(it);
  }
}

bool Scheduler::Assign(const QueuedTask& queued, const Placement& placement) {
  absl::StatusOr<ActiveJob*> active = FindJob(queued.job_id);
  absl::StatusOr<v1::Task> loaded = active.ok() ? store_->GetTask(queued.task_id) : active.status();
  if (!loaded.ok()) {
    LogError(loaded.status());
    return false;
  }
  const v1::Job* job = &(*active)->header;
  v1::Task* task = &*loaded;
  if (task->state() != v1::QUEUED) return false;  // cancelled meanwhile
  AttemptRecord attempt;
  attempt.id = NewId("att");
  attempt.task_id = task->id();
  attempt.job_id = job->id();
  attempt.agent_id = placement.agent_id;
  attempt.state = v1::RUNNING;
  attempt.started_ms = NowMs();
  attempt.emulated = placement.emulated;
  absl::Status status = store_->InsertAttempt(attempt);
  task->set_state(v1::RUNNING);
  task->set_agent_id(placement.agent_id);
  task->set_attempt_id(attempt.id);
  task->set_emulated(placement.emulated);
  task->set_started_unix_ms(0);
  task->set_log_bytes(0);
  if (status.ok()) status = store_->UpdateTask(*task);
  if (status.ok() && job->state() == v1::QUEUED) {
    status = store_->UpdateJobState(job->id(), v1::RUNNING, "", 0);
    if (status.ok()) (*active)->header.set_state(v1::RUNNING);
  }
  if (!status.ok()) {
    LogError(status);
    batch_error_ = status;  // part of the assignment may be written: undo it all
    return false;
  }
  (*active)->Move(v1::QUEUED, task->quarantined(), v1::RUNNING, task->quarantined());
  attempts_[attempt.id] = {job->id(), task->id(), placement.agent_id, false, task->arch()};
  ConnectedAgent& agent = agents_[placement.agent_id];
  --agent.view.credits;

  v1::ControllerMessage message;
  v1::Assign* assign = message.mutable_assign();
  const v1::JobSpec& spec = job->spec();
  assign->set_attempt_id(attempt.id);
  assign->set_task_id(task->id());
  assign->set_job_id(job->id());
  assign->set_arch(task->arch());
  assign->set_image(task->image().empty() ? spec.image() : task->image());
  // Validated at submit; a stored job from before pull policies gets the
  // default for its image.
  absl::StatusOr<PullPolicy> pull = EffectivePullPolicy(spec.pull_policy(), assign->image());
  assign->set_pull_policy(PullPolicyName(pull.ok() ? *pull : PullPolicy::kNever));
  if (spec.has_build()) SetBuild(spec, assign);
  *assign->mutable_command() = task->command_size() > 0 ? task->command() : spec.command();
  *assign->mutable_artifacts() = spec.artifacts();
  *assign->mutable_junit() = spec.junit();
  if (task->kind() == v1::TASK_KIND_TEST) {
    const auto& destructive = spec.destructive_tests();
    assign->set_destructive(std::find(destructive.begin(), destructive.end(), task->test_id()) !=
                            destructive.end());
    std::string key = WarmKey(job->id(), task->arch());
    assign->set_session(key);
    warm_[key].insert(placement.agent_id);
  }
  *assign->mutable_env() = spec.env();
  if (!task->suite().empty()) (*assign->mutable_env())["ARENA_SUITE"] = task->suite();
  if (!task->test_id().empty()) (*assign->mutable_env())["ARENA_TEST"] = task->test_id();
  assign->set_repo(spec.repo());
  assign->set_commit(spec.commit());
  assign->set_timeout_ms(spec.timeout_ms());
  assign->set_max_log_bytes(options_.max_log_bytes);
  assign->set_attempt_number(task->attempts_size() + 1);
  assign->set_memory_mb(spec.resources().memory_mb());
  assign->set_disk_mb(spec.resources().disk_mb());
  assign->set_cpus(spec.resources().cpus());
  assign->set_pids(spec.resources().pids());
  assign->set_network(spec.network());
  assign->set_user(spec.user());
  if (!spec.sealed_secrets().empty() && options_.secrets != nullptr) {
    absl::StatusOr<std::string> opened = options_.secrets->Open(spec.sealed_secrets());
    v1::SecretValues values;
    if (opened.ok() && values.ParseFromString(*opened)) {
      *assign->mutable_secrets() = values.values();
    } else {
      Log(LogLevel::kWarn, "scheduler", absl::StrCat("cannot open the secrets of job ", job->id()));
    }
  }
  AddCredentials(assign);
  Send(agent.link, std::move(message));
  notify_ = true;
  return true;
}

void Scheduler::AddCredentials(v1::Assign* assign) {
  if (options_.secrets == nullptr) return;
  AddGitAccess(assign);
  // A build's image is its own ("build:Dockerfile" names no registry).
  if (assign->pull_policy() != "never" && !assign->has_build()) {
    AddRegistryAuth(assign->image(), assign);
  }
}

void Scheduler::AddRegistryAuth(const std::string& image, v1::Assign* assign) {
  const std::string host = RegistryHost(image);
  for (const v1::RegistryAuth& auth : assign->registry_auths()) {
    if (auth.host() == host) return;
  }
  absl::StatusOr<CredentialRecord> record = store_->GetCredential(CredentialScope::kRegistry, host);
  if (absl::IsNotFound(record.status())) return;
  v1::RegistryAuth auth;
  absl::StatusOr<std::string> opened =
      record.ok() ? options_.secrets->Open(record->sealed) : record.status();
  if (!opened.ok() || !auth.ParseFromString(*opened)) {
    Log(LogLevel::kWarn, "scheduler",
        absl::StrCat("cannot open the registry credential for ", host));
    return;
  }
  auth.set_host(host);
  *assign->add_registry_auths() = std::move(auth);
}

void Scheduler::AddGitAccess(v1::Assign* assign) {
  if (assign->repo().empty()) return;
  for (const std::string& host : RepoHostKeys(assign->repo())) {
    absl::StatusOr<CredentialRecord> record = store_->GetCredential(CredentialScope::kGit, host);
    if (absl::IsNotFound(record.status())) continue;
    v1::GitAccess access;
    absl::StatusOr<std::string> opened =
        record.ok() ? options_.secrets->Open(record->sealed) : record.status();
    if (!opened.ok() || !access.ParseFromString(*opened)) {
      Log(LogLevel::kWarn, "scheduler", absl::StrCat("cannot open the git credential for ", host));
      return;
    }
    access.set_host(host);
    *assign->mutable_git_access() = std::move(access);
    return;
  }
}

void Scheduler::OnCancelJob(const std::string& job_id, const std::string& reason) {
  for (auto it = queue_.begin(); it != queue_.end();) {
    it = it->job_id == job_id ? Dequeue(it) : std::next(it);
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
        Send(agent->second.link, CancelMessage(task.attempt_id(), reason, false));
      }
    }
    FailBatch(FinishTask(job_id, task.id(), v1::CANCELLED, -1, reason));
  }
}

}  // namespace arena
