// The scheduler's test batches: a job whose test command takes "{tests}"
// runs several queued tests in one process. The leader's attempt is the
// one the agent runs (its log, files and reports); each other test gets an
// attempt of its own, a member of the leader's, that ends with it by the
// test's own result in the batch's reports. Same class and thread rules as
// scheduler.h.
#include <map>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "controller/results/recorder.h"
#include "controller/scheduler/fan_out.h"
#include "controller/scheduler/scheduler.h"
#include "controller/store/store.h"

namespace arena {

bool Scheduler::InLiveBatch(const RunningAttempt& attempt) const {
  return !attempt.batch.empty() && attempts_.count(attempt.batch) > 0;
}

absl::Status Scheduler::AddBatchMates(ActiveJob* job, const v1::Task& leader,
                                      const QueuedTask& queued, const std::string& leader_id,
                                      const std::vector<const QueuedTask*>& mates,
                                      const Placement& placement, v1::Assign* assign) {
  std::vector<std::string> ids = {leader.test_id()};
  std::map<std::string, int64_t> history;  // as queued: no store read per batch
  if (queued.history_ms != kUnknownWork) history[leader.test_id()] = queued.history_ms;
  for (const QueuedTask* mate : mates) {
    absl::StatusOr<v1::Task> task = store_->jobs().GetTask(mate->task_id);
    if (absl::IsNotFound(task.status())) continue;
    if (!task.ok()) return task.status();
    if (task->state() != v1::QUEUED) continue;  // ended meanwhile
    ASSIGN_OR_RETURN(std::string id, StoreAssignment(job, &*task, placement, leader_id));
    attempts_[id] = {job->header.id(), task->id(), placement.agent_id, false, task->arch(),
                     leader_id,        {}};
    attempts_[leader_id].members.push_back(id);
    job->Move(v1::QUEUED, task->quarantined(), v1::RUNNING, task->quarantined());
    ids.push_back(task->test_id());
    if (mate->history_ms != kUnknownWork) history[task->test_id()] = mate->history_ms;
  }
  if (ids.size() == 1) return absl::OkStatus();
  assign->clear_command();
  for (std::string& word : BatchCommand(job->header.spec().test_command(), ids)) {
    assign->add_command(std::move(word));
  }
  assign->mutable_env()->erase("ARENA_TEST");
  (*assign->mutable_env())["ARENA_TESTS"] = absl::StrJoin(ids, "\n");
  const v1::JobSpec& spec = job->header.spec();
  assign->set_timeout_ms(BatchTimeoutMs(ids, history, spec.test_timeout_ms(), JobTimeoutMs(spec)));
  return absl::OkStatus();
}

absl::Status Scheduler::EndBatchAttempt(const std::string& attempt_id, v1::State state,
                                        int exit_code, const std::string& reason,
                                        const v1::TaskEvent* event) {
  const RunningAttempt leader = attempts_.at(attempt_id);
  std::vector<std::string> ids = {attempt_id};
  for (const std::string& member : leader.members) {
    if (attempts_.count(member)) ids.push_back(member);
  }
  // Each test's task as stored; one gone with its job stays empty.
  std::vector<std::optional<v1::Task>> tasks;
  std::vector<BatchMember> batch;
  for (const std::string& id : ids) {
    absl::StatusOr<v1::Task> task = store_->jobs().GetTask(attempts_.at(id).task_id);
    if (!task.ok() && !absl::IsNotFound(task.status())) return task.status();
    tasks.push_back(task.ok() ? std::optional<v1::Task>(*task) : std::nullopt);
    if (task.ok()) batch.push_back({task->test_id(), task->id(), id, task->attempts_size()});
  }
  // The run as a whole: its reports split per test, an unusable one an error.
  EndedAttempt run;
  run.id = attempt_id;
  run.running = leader;
  run.exit_code = exit_code;
  run.event = event;
  run.result.state = state;
  run.result.reason = reason;
  run.result.permanent = event != nullptr && event->permanent();
  if (tasks[0].has_value() && !leader.cancelled) {
    RETURN_IF_ERROR(RecordResults(*tasks[0], &run, &batch));
  }
  // The tests without a result run again split in halves, among themselves.
  size_t unreported = 0;
  for (const std::optional<v1::Task>& task : tasks) {
    if (task.has_value() && !run.batch_status.count(task->test_id())) ++unreported;
  }
  const BatchSplit split = HalveBatch(attempt_id, unreported);
  for (size_t i = 0; i < ids.size(); ++i) {
    RETURN_IF_ERROR(EndBatchTest(run, ids[i], tasks[i], ids.size(), split));
  }
  return absl::OkStatus();
}

absl::Status Scheduler::EndBatchTest(const EndedAttempt& run, const std::string& attempt_id,
                                     std::optional<v1::Task>& task, size_t batch_size,
                                     const BatchSplit& split) {
  // Not a copy of `run`: its batch's maps and members, per test, made a
  // batch of 1,000 cost a million copies.
  EndedAttempt ended;
  ended.id = attempt_id;
  ended.running = attempts_.at(attempt_id);
  ended.exit_code = run.exit_code;
  ended.event = run.event;
  ended.result = run.result;
  ended.quarantine = run.quarantine;
  bool unreported = false;
  auto job = jobs_.find(run.running.job_id);  // gone when it ended (cancelled)
  const int64_t test_timeout_ms =
      job != jobs_.end() ? job->second.header.spec().test_timeout_ms() : 0;
  if (task.has_value()) {
    auto status = run.batch_status.find(task->test_id());
    auto time = run.batch_time_ms.find(task->test_id());
    ended.result =
        BatchTestResult(run.result, status == run.batch_status.end() ? nullptr : &status->second,
                        task->test_id(), run.id, batch_size, &unreported,
                        time == run.batch_time_ms.end() ? 0 : time->second, test_timeout_ms);
  }
  return CloseAttempt(ended, task.has_value() ? &*task : nullptr,
                      unreported ? split : BatchSplit{});
}

}  // namespace arena
