// The scheduler's attempts: dispatching queued tasks to agents, recording
// how attempts end and what follows (DecideRetry), finishing tasks and
// rolling up their jobs. Same class and thread rules as scheduler.h.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/ids.h"
#include "common/logging.h"
#include "common/states.h"
#include "common/status_macros.h"
#include "controller/metrics/metrics.h"
#include "controller/results/recorder.h"
#include "controller/scheduler/assign_builder.h"
#include "controller/scheduler/job_state.h"
#include "controller/scheduler/scheduler.h"
#include "controller/store/log_store.h"
#include "controller/store/store.h"

namespace arena {

void Scheduler::OnJobSubmitted(const std::string& job_id) {
  absl::StatusOr<v1::Job> job = store_->jobs().GetJob(job_id);
  if (!job.ok()) return LogError(job.status());
  EnqueueJob(*job, {job->tasks().begin(), job->tasks().end()});
  dispatch_ = true;
}

bool Scheduler::Runs(const std::string& job_id, const std::string& arch) const {
  for (const auto& [id, running] : attempts_) {
    if (running.job_id == job_id && running.arch == arch) return true;
  }
  return false;
}

void Scheduler::Dispatch() {
  // Only agents with free credits, and only while some credit is left: a
  // long queue costs nothing when every slot is busy.
  std::vector<const AgentView*> free;
  int credits = agents_.FreeAgents(&free);
  if (credits <= 0) return;
  queue_.Dispatch(
      free, credits,
      [this](const std::string& job_id, const std::string& arch)
          ABSL_EXCLUSIVE_LOCKS_REQUIRED(loop_) { return Runs(job_id, arch); },
      [this](const QueuedTask& queued, const std::vector<const QueuedTask*>& mates,
             const Placement& placement)
          ABSL_EXCLUSIVE_LOCKS_REQUIRED(loop_) { return Assign(queued, mates, placement); },
      [this](const TaskNeeds& needs)
          ABSL_EXCLUSIVE_LOCKS_REQUIRED(loop_) { return agents_.Slots(needs); });
}

bool Scheduler::Assign(const QueuedTask& queued, const std::vector<const QueuedTask*>& mates,
                       const Placement& placement) {
  absl::StatusOr<ActiveJob*> active = FindJob(queued.job_id);
  absl::StatusOr<v1::Task> loaded =
      active.ok() ? store_->jobs().GetTask(queued.task_id) : active.status();
  if (!loaded.ok()) {
    LogError(loaded.status());
    return false;
  }
  v1::Task* task = &*loaded;
  if (task->state() != v1::QUEUED) return false;  // cancelled meanwhile
  absl::StatusOr<std::string> attempt_id = StoreAssignment(*active, task, placement);
  if (!attempt_id.ok()) {
    LogError(attempt_id.status());
    batch_error_ = attempt_id.status();  // part of the assignment may be written: undo it all
    return false;
  }
  const v1::Job& job = (*active)->header;
  attempts_[*attempt_id] = {job.id(), task->id(), placement.agent_id, false, task->arch(), "", {}};
  (*active)->Move(v1::QUEUED, task->quarantined(), v1::RUNNING, task->quarantined());
  agents_.TakeCredit(placement.agent_id);
  v1::ControllerMessage message;
  *message.mutable_assign() =
      BuildAssign(job, *task, {*attempt_id, options_.max_log_bytes}, options_.secrets);
  if (!mates.empty()) {
    absl::Status batched = AddBatchMates(*active, *task, queued, *attempt_id, mates, placement,
                                         message.mutable_assign());
    if (!batched.ok()) {
      LogError(batched);
      batch_error_ = batched;  // the mates' attempts may be half written: undo it all
      return false;
    }
  }
  if (!message.assign().session().empty()) {
    queue_.AddWarmContainer(message.assign().session(), placement.agent_id);
  }
  AddCredentials(message.mutable_assign());
  Send(agents_.Find(placement.agent_id)->link, std::move(message));
  notify_ = true;
  return true;
}

absl::StatusOr<std::string> Scheduler::StoreAssignment(ActiveJob* job, v1::Task* task,
                                                       const Placement& placement,
                                                       const std::string& batch) {
  AttemptRecord attempt;
  attempt.id = NewId("att");
  attempt.task_id = task->id();
  attempt.job_id = job->header.id();
  attempt.agent_id = placement.agent_id;
  attempt.state = v1::RUNNING;
  attempt.started_ms = NowMs();
  attempt.emulated = placement.emulated;
  attempt.batch_attempt_id = batch;
  RETURN_IF_ERROR(store_->jobs().InsertAttempt(attempt));
  task->set_state(v1::RUNNING);
  task->set_agent_id(placement.agent_id);
  task->set_attempt_id(attempt.id);
  task->set_emulated(placement.emulated);
  task->set_started_unix_ms(0);
  task->set_log_bytes(0);
  RETURN_IF_ERROR(store_->jobs().UpdateTask(job->header.id(), *task));
  if (job->header.state() == v1::QUEUED) {
    RETURN_IF_ERROR(store_->jobs().UpdateJobState(job->header.id(), v1::RUNNING, "", 0));
    job->header.set_state(v1::RUNNING);
  }
  return attempt.id;
}

absl::Status Scheduler::EndAttempt(const std::string& attempt_id, v1::State state, int exit_code,
                                   const std::string& reason, const v1::TaskEvent* event) {
  auto it = attempts_.find(attempt_id);
  if (it == attempts_.end()) return absl::OkStatus();
  if (!it->second.members.empty()) {
    return EndBatchAttempt(attempt_id, state, exit_code, reason, event);
  }
  EndedAttempt ended;
  ended.id = attempt_id;
  ended.running = it->second;
  ended.exit_code = exit_code;
  ended.event = event;
  ended.result.state = state;
  ended.result.reason = reason;
  ended.result.permanent = event != nullptr && event->permanent();
  // One task read per event; the job's header and counts are in jobs_.
  absl::StatusOr<v1::Task> loaded = store_->jobs().GetTask(ended.running.task_id);
  if (!loaded.ok() && !absl::IsNotFound(loaded.status())) return loaded.status();
  v1::Task* task = loaded.ok() ? &*loaded : nullptr;
  if (task != nullptr && !ended.running.cancelled) RETURN_IF_ERROR(RecordResults(*task, &ended));
  return CloseAttempt(ended, task, {});
}

absl::Status Scheduler::CloseAttempt(const EndedAttempt& ended, v1::Task* task, BatchSplit split) {
  ASSIGN_OR_RETURN(std::string image_digest, StoreAttemptEnd(ended));
  ForgetAttempt(ended.id);
  if (ended.running.cancelled || task == nullptr) {
    notify_ = true;
    return absl::OkStatus();
  }
  // Only now: a cancelled job has already ended and left jobs_.
  ASSIGN_OR_RETURN(ActiveJob * job, FindJob(ended.running.job_id));
  for (v1::Attempt& a : *task->mutable_attempts()) {
    if (a.id() != ended.id) continue;
    a.set_state(ended.result.state);
    a.set_image_digest(image_digest);
  }
  RetryDecision decision =
      split.max_tests > 0 ? SplitBatch(ended.result, std::move(split))
                          : DecideRetry(*task, ended.result, job->header.spec(), ended.quarantine);
  return ApplyDecision(job, task, ended, std::move(decision));
}

absl::Status Scheduler::RecordResults(const v1::Task& task, EndedAttempt* ended,
                                      const std::vector<BatchMember>* batch) {
  ASSIGN_OR_RETURN(std::vector<v1::QuarantineEntry> entries, store_->results().ListQuarantine());
  for (const v1::QuarantineEntry& e : entries) ended->quarantine.insert(e.test_key());
  AttemptResult& result = ended->result;
  AttemptContext context{
      ended->running.job_id, ended->id, 1, ended->running.agent_id, &task, result.state, 0,
      result.reason,         {}};
  for (int i = 0; i < task.attempts_size(); ++i) {
    if (task.attempts(i).id() != ended->id) continue;
    context.attempt_number = i + 1;
    context.duration_ms = std::max<int64_t>(0, NowMs() - task.attempts(i).started_unix_ms());
  }
  if (task.started_unix_ms() > 0 && task.attempt_id() == ended->id) {
    // Started and exited as the agent saw them: the run's own wall time,
    // without the result's way here or the time it waited in this loop.
    const int64_t exited =
        ended->event != nullptr && ended->event->unix_ms() > 0 ? ended->event->unix_ms() : NowMs();
    context.duration_ms = std::max<int64_t>(0, exited - task.started_unix_ms());
  }
  if (batch != nullptr) context.batch = *batch;
  ASSIGN_OR_RETURN(RecordedResults recorded,
                   RecordAttemptResults(store_, options_.artifacts, context,
                                        ended->event != nullptr ? *ended->event : v1::TaskEvent(),
                                        ended->quarantine));
  result.failed_keys = std::move(recorded.failed_keys);
  ended->batch_status = std::move(recorded.batch_status);
  ended->batch_time_ms = std::move(recorded.batch_time_ms);
  if (!recorded.junit_error.empty()) {
    std::string problem = absl::StrCat("JUnit report unusable: ", recorded.junit_error);
    result.reason =
        result.state == v1::PASSED ? problem : absl::StrCat(result.reason, "; ", problem);
    if (result.state == v1::PASSED) result.state = v1::ERROR;
  }
  // A test run by itself: its report's time against its test timeout.
  auto job = jobs_.find(ended->running.job_id);
  const int64_t limit = job != jobs_.end() ? job->second.header.spec().test_timeout_ms() : 0;
  if (batch == nullptr && task.kind() == v1::TASK_KIND_TEST && limit > 0 &&
      recorded.time_ms > limit && (result.state == v1::PASSED || result.state == v1::FAILED)) {
    result.state = v1::TIMED_OUT;
    result.reason = absl::StrCat(
        "took ", absl::FormatDuration(absl::Milliseconds(recorded.time_ms)), ", over its ",
        absl::FormatDuration(absl::Milliseconds(limit)), " test timeout");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> Scheduler::StoreAttemptEnd(const EndedAttempt& ended) {
  AttemptRecord record;
  record.id = ended.id;
  record.job_id = ended.running.job_id;
  record.state = ended.result.state;
  record.exit_code = ended.exit_code;
  record.reason = ended.result.reason;
  record.finished_ms = NowMs();
  record.log_bytes = logs_->Size(ended.running.job_id, ended.id);
  if (ended.event != nullptr) {
    record.exited_ms = ended.event->unix_ms();
    record.notes = AttemptNotes(*ended.event);
    record.image_digest = ended.event->image_digest().substr(0, 512);
  }
  RETURN_IF_ERROR(store_->jobs().UpdateAttempt(record));
  return record.image_digest;
}

void Scheduler::ForgetAttempt(const std::string& attempt_id) {
  progress_.Clear(attempt_id);
  attempts_.erase(attempt_id);
  agents_.MarkChanged();  // the agent's running attempts
}

absl::Status Scheduler::ApplyDecision(ActiveJob* job, v1::Task* task, const EndedAttempt& ended,
                                      RetryDecision decision) {
  if (decision.retry) return Requeue(job, task, ended, std::move(decision));
  if (decision.expand_tests) {
    absl::Status expanded = ExpandTests(job, *task, ended.id);
    if (!expanded.ok()) {
      return FinishLoadedTask(job, task, v1::ERROR, ended.exit_code,
                              std::string(expanded.message()));
    }
  }
  return FinishLoadedTask(job, task, decision.state, ended.exit_code, decision.reason,
                          decision.flaky, decision.quarantined);
}

absl::Status Scheduler::Requeue(ActiveJob* job, v1::Task* task, const EndedAttempt& ended,
                                RetryDecision decision) {
  LogLine("scheduler",
          absl::StrCat("retrying task ", task->id(), " after attempt ", task->attempts_size(),
                       " ended ", StateName(ended.result.state), ": ", ended.result.reason));
  v1::State before = task->state();
  task->set_state(v1::QUEUED);
  task->set_reason(decision.reason);
  task->set_agent_id("");
  task->set_exit_code(ended.exit_code);
  RETURN_IF_ERROR(store_->jobs().UpdateTask(job->header.id(), *task));
  job->Move(before, task->quarantined(), v1::QUEUED, task->quarantined());
  // Another agent where one is free; a test keeps its history (its next
  // batch's size and time limit).
  int64_t history_ms = kUnknownWork;
  if (task->kind() == v1::TASK_KIND_TEST) {
    absl::StatusOr<std::map<std::string, int64_t>> known =
        store_->results().TestDurations(task->arch(), {task->test_id()});
    if (known.ok() && !known->empty()) history_ms = known->begin()->second;
  }
  queue_.Enqueue(job->header, *task, Now(), std::move(decision.avoid), history_ms,
                 std::move(decision.split), history_ms);
  notify_ = true;
  dispatch_ = true;
  return absl::OkStatus();
}

absl::Status Scheduler::FinishTask(const std::string& job_id, const std::string& task_id,
                                   v1::State state, int exit_code, const std::string& reason,
                                   bool flaky, bool quarantined) {
  ASSIGN_OR_RETURN(ActiveJob * active, FindJob(job_id));
  absl::StatusOr<v1::Task> loaded = store_->jobs().GetTask(task_id);
  if (absl::IsNotFound(loaded.status())) return absl::OkStatus();
  if (!loaded.ok()) return loaded.status();
  return FinishLoadedTask(active, &*loaded, state, exit_code, reason, flaky, quarantined);
}

absl::Status Scheduler::FinishLoadedTask(ActiveJob* active, v1::Task* task, v1::State state,
                                         int exit_code, const std::string& reason, bool flaky,
                                         bool quarantined) {
  const std::string job_id = active->header.id();
  const std::string task_id = task->id();
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
  RETURN_IF_ERROR(store_->jobs().UpdateTask(job_id, *task));
  active->Move(before, was_quarantined, state, quarantined);
  work_.Done(job_id, task_id);
  RETURN_IF_ERROR(RollUpJob(job_id, active));
  notify_ = true;
  // A serial suite may have waited for this task.
  if (task->serial() || task->kind() == v1::TASK_KIND_SUITE) dispatch_ = true;
  return absl::OkStatus();
}

absl::Status Scheduler::RollUpJob(const std::string& job_id, ActiveJob* active) {
  v1::State job_state = JobStateFromCounts(active->Counts());
  if (job_state != active->header.state()) {
    RETURN_IF_ERROR(store_->jobs().UpdateJobState(job_id, job_state, active->header.reason(),
                                                  IsTerminal(job_state) ? NowMs() : 0));
    active->header.set_state(job_state);
  }
  if (!IsTerminal(job_state)) return absl::OkStatus();
  std::vector<std::string> archs(active->header.spec().architectures().begin(),
                                 active->header.spec().architectures().end());
  jobs_.erase(job_id);  // `active` is gone from here
  work_.Forget(job_id);
  for (const auto& [key, agent_ids] : queue_.EndWarmContainers(job_id, archs)) {
    v1::ControllerMessage end;
    end.mutable_session_end()->set_session(key);
    for (const std::string& agent_id : agent_ids) {
      const ConnectedAgent* agent = agents_.Find(agent_id);
      if (agent != nullptr) Send(agent->link, end);
    }
  }
  return absl::OkStatus();
}

}  // namespace arena
