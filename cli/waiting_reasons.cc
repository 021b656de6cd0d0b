#include "cli/waiting_reasons.h"

#include <algorithm>
#include <cstdio>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "cli/terminal.h"
#include "common/states.h"

namespace arena {

std::vector<std::string> WaitingReasons::Update(const v1::Job& job, absl::Time now,
                                                absl::Duration quiet) {
  std::map<std::string, absl::Time> queued;
  std::map<std::string, std::vector<std::string>> changed;  // reason -> task names
  for (const v1::Task& task : job.tasks()) {
    if (task.state() != v1::QUEUED) {
      reported_.erase(task.id());  // queued again later (a retry): report again
      continue;
    }
    auto seen = queued_since_.find(task.id());
    absl::Time since = seen == queued_since_.end() ? now : seen->second;
    queued[task.id()] = since;
    if (task.waiting_reason().empty() || now - since < quiet) continue;
    std::string& reported = reported_[task.id()];
    if (reported == task.waiting_reason()) continue;
    reported = task.waiting_reason();
    changed[reported].push_back(TaskName(task));
  }
  queued_since_ = std::move(queued);
  std::vector<std::string> lines;
  for (const auto& [reason, tasks] : changed) {
    std::string who = tasks.size() == 1 ? absl::StrCat(tasks[0], " waits")
                                        : absl::StrCat(tasks.size(), " tasks wait");
    lines.push_back(absl::StrCat(who, ": ", reason));
  }
  return lines;
}

namespace {

std::string MiB(int64_t bytes) { return absl::StrFormat("%.1f", bytes / 1048576.0); }

}  // namespace

std::string PhaseSummary(const v1::Task& task) {
  std::string line =
      absl::StrCat(task.phase(), " ", task.phase_detail(), ": ", MiB(task.progress_done()));
  if (task.progress_total() <= 0) return absl::StrCat(line, " MiB");
  int percent = static_cast<int>(100 * task.progress_done() / task.progress_total());
  return absl::StrCat(line, " of ", MiB(task.progress_total()), " MiB (", std::min(100, percent),
                      "%)");
}

std::vector<std::string> PhaseProgress::Update(const v1::Job& job, absl::Time now,
                                               absl::Duration every) {
  std::vector<std::string> lines;
  preparing_ = false;
  for (const v1::Task& task : job.tasks()) {
    bool before_start = task.state() == v1::RUNNING && task.started_unix_ms() == 0;
    preparing_ = preparing_ || before_start;
    if (!before_start || task.phase().empty()) {
      reported_.erase(task.id());
      continue;
    }
    auto it = reported_.find(task.id());
    if (it != reported_.end() && it->second.phase == task.phase() && now - it->second.at < every) {
      continue;
    }
    reported_[task.id()] = {task.phase(), now};
    lines.push_back(absl::StrCat(TaskName(task), " ", PhaseSummary(task)));
  }
  return lines;
}

WaitingReasonWatcher::WaitingReasonWatcher(Cli& cli, std::string job_id)
    : cli_(cli), job_id_(std::move(job_id)), thread_([this] { Watch(); }) {}

WaitingReasonWatcher::~WaitingReasonWatcher() {
  {
    absl::MutexLock lock(&mu_);
    stopped_ = true;
    if (call_ != nullptr) call_->TryCancel();
  }
  thread_.join();
}

void WaitingReasonWatcher::Watch() {
  WaitingReasons reasons;
  PhaseProgress phases;
  absl::Duration wait = absl::ZeroDuration();
  v1::Job job;
  while (Poll(wait, &job)) {
    for (const std::string& line : reasons.Update(job, absl::Now())) Notice(line);
    for (const std::string& line : phases.Update(job, absl::Now())) {
      BeginOwnOutput(stderr);
      std::fprintf(stderr, "arena: %s\n", SafeField(line).c_str());
    }
    if ((!reasons.Waiting() && !phases.Preparing()) || IsTerminal(job.state())) return;
    wait = kWaitingReasonPoll;
  }
}

bool WaitingReasonWatcher::Poll(absl::Duration wait, v1::Job* job) {
  v1::GetJobRequest request;
  request.set_job_id(job_id_);
  request.set_wait_ms(absl::ToInt64Milliseconds(wait));
  std::unique_ptr<grpc::ClientContext> context = cli_.client->Context();
  context->set_deadline(absl::ToChronoTime(absl::Now() + wait + absl::Seconds(15)));
  {
    absl::MutexLock lock(&mu_);
    if (stopped_) return false;
    call_ = context.get();
  }
  grpc::Status status = cli_.client->stub()->GetJob(context.get(), request, job);
  absl::MutexLock lock(&mu_);
  call_ = nullptr;
  return status.ok() && !stopped_;
}

}  // namespace arena
