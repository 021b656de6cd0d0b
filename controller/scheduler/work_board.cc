#include "controller/scheduler/work_board.h"

namespace arena {

void WorkBoard::Expect(const std::string& job_id, const std::vector<ExpectedTest>& tests) {
  if (tests.empty()) return;
  absl::MutexLock lock(&mu_);
  JobWork& work = jobs_[job_id];
  for (const ExpectedTest& test : tests) {
    if (test.ms < 0 || !work.left.emplace(test.task_id, test).second) continue;
    work.by_arch[test.arch].left_ms += test.ms;
  }
}

void WorkBoard::Done(const std::string& job_id, const std::string& task_id) {
  absl::MutexLock lock(&mu_);
  auto job = jobs_.find(job_id);
  if (job == jobs_.end()) return;
  auto test = job->second.left.find(task_id);
  if (test == job->second.left.end()) return;
  Times& times = job->second.by_arch[test->second.arch];
  times.left_ms -= test->second.ms;
  times.done_ms += test->second.ms;
  job->second.left.erase(test);
}

void WorkBoard::Forget(const std::string& job_id) {
  absl::MutexLock lock(&mu_);
  jobs_.erase(job_id);
}

void WorkBoard::Clear() {
  absl::MutexLock lock(&mu_);
  jobs_.clear();
}

void WorkBoard::Fill(v1::Job* job) const {
  absl::MutexLock lock(&mu_);
  auto it = jobs_.find(job->id());
  if (it == jobs_.end()) return;
  job->clear_estimates();
  for (const auto& [arch, times] : it->second.by_arch) {
    v1::WorkEstimate* estimate = job->add_estimates();
    estimate->set_arch(arch);
    estimate->set_left_ms(times.left_ms);
    estimate->set_done_ms(times.done_ms);
  }
}

}  // namespace arena
