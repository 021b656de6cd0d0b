// The scheduler's test-intelligence pieces: files from attempts, test lists
// becoming tasks, longest-first queueing (the serial-suite gate is the
// DispatchQueue's). Same class and thread rules as scheduler.h.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/ids.h"
#include "common/logging.h"
#include "common/status_macros.h"
#include "controller/scheduler/fan_out.h"
#include "controller/scheduler/scheduler.h"
#include "controller/store/artifact_store.h"
#include "controller/store/log_store.h"
#include "controller/store/store.h"

namespace arena {

void Scheduler::OnFileChunk(const std::string& agent_id, const std::shared_ptr<AgentLink>& link,
                            const v1::FileChunk& chunk) {
  auto it = attempts_.find(chunk.attempt_id());
  if (it == attempts_.end() || it->second.agent_id != agent_id) {
    SendFencedCancel(link, chunk.attempt_id());
    return;
  }
  absl::StatusOr<int64_t> stored =
      options_.artifacts == nullptr
          ? absl::StatusOr<int64_t>(absl::FailedPreconditionError("artifacts are not stored"))
          : options_.artifacts->Write(it->second.job_id, chunk.attempt_id(),
                                      chunk.kind() == v1::FILE_KIND_JUNIT, chunk.path(),
                                      chunk.offset(), chunk.data());
  if (!stored.ok()) {
    // The agent reconnects and sends every file again from its start.
    LogError(stored.status());
    agents_.Close(agent_id,
                  absl::UnavailableError(absl::StrCat("cannot store a file of ", chunk.attempt_id(),
                                                      ": ", stored.status().message())));
  }
}

absl::Status Scheduler::ExpandTests(ActiveJob* active, const v1::Task& list_task,
                                    const std::string& attempt_id) {
  const v1::Job& job = active->header;
  ASSIGN_OR_RETURN(
      std::string output,
      logs_->ReadStream(job.id(), attempt_id, v1::LOG_STREAM_STDOUT, options_.max_list_bytes));
  absl::StatusOr<std::vector<std::string>> ids = ParseTestList(output);
  if (!ids.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the list command's output is not a test list: ", ids.status().message()));
  }
  if (ids->empty()) return absl::InvalidArgumentError("the list command printed no test ids");
  std::vector<v1::Task> tasks = TestTasks(job.spec(), list_task.arch(), list_task.image(), *ids);
  for (v1::Task& task : tasks) task.set_id(NewId("task"));
  RETURN_IF_ERROR(store_->jobs().AddTasks(job.id(), tasks));
  active->counts[{v1::QUEUED, false}] += static_cast<int64_t>(tasks.size());
  LogLine("scheduler", absl::StrCat("job ", job.id(), " (", list_task.arch(), "): ", ids->size(),
                                    " tests listed"));
  EnqueueJob(job, std::move(tasks));
  dispatch_ = true;
  return absl::OkStatus();
}

void Scheduler::EnqueueJob(const v1::Job& job, std::vector<v1::Task> tasks) {
  std::map<std::string, std::vector<std::string>> tests_by_arch;
  for (const v1::Task& task : tasks) {
    if (task.kind() == v1::TASK_KIND_TEST) tests_by_arch[task.arch()].push_back(task.test_id());
  }
  std::map<std::string, int64_t> durations;
  for (const auto& [arch, ids] : tests_by_arch) {
    absl::StatusOr<std::map<std::string, int64_t>> known =
        store_->results().TestDurations(arch, ids);
    if (known.ok()) durations.insert(known->begin(), known->end());
  }
  OrderTests(tasks, durations);
  // A test without history counts as the median of those with (batch sizes).
  std::vector<int64_t> known;
  for (const auto& [id, ms] : durations) known.push_back(ms);
  std::nth_element(known.begin(), known.begin() + known.size() / 2, known.end());
  const int64_t median = known.empty() ? kUnknownWork : known[known.size() / 2];
  absl::Time now = Now();
  std::vector<ExpectedTest> expected;
  for (const v1::Task& task : tasks) {
    if (task.state() != v1::QUEUED) continue;
    auto it = durations.find(task.test_id());
    const int64_t own = it != durations.end() ? it->second : kUnknownWork;
    const int64_t work = own != kUnknownWork ? own : median;
    if (task.kind() == v1::TASK_KIND_TEST && work != kUnknownWork) {
      expected.push_back({task.id(), task.arch(), work});
    }
    queue_.Enqueue(job, task, now, {}, work, {}, own);
  }
  work_.Expect(job.id(), expected);
}

}  // namespace arena
