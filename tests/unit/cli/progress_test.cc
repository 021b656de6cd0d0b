#include "cli/progress.h"

#include <gtest/gtest.h>

namespace arena {
namespace {

v1::Task* AddTask(v1::Job* job, const std::string& arch, v1::State state) {
  v1::Task* t = job->add_tasks();
  t->set_arch(arch);
  t->set_state(state);
  return t;
}

TEST(Progress, CountsEachArchitectureAndEstimatesTheRestAtTheRateSoFar) {
  v1::Job job;
  absl::Time created = absl::FromUnixSeconds(1000);
  job.set_created_unix_ms(absl::ToUnixMillis(created));
  AddTask(&job, "amd64", v1::PASSED);
  AddTask(&job, "amd64", v1::FAILED);
  AddTask(&job, "amd64", v1::RUNNING);
  AddTask(&job, "amd64", v1::QUEUED);
  AddTask(&job, "arm64", v1::QUEUED);
  job.set_task_total(5);
  std::vector<std::string> lines = ProgressLines(job, created + absl::Seconds(10));
  ASSERT_EQ(lines.size(), 2u);
  // 2 done in 10 s: the other 2 take about 10 s more.
  EXPECT_EQ(lines[0],
            "amd64: 2/4 tasks done, 1 passed, 1 failed; 1 running, 1 queued, about 10s left");
  EXPECT_EQ(lines[1], "arm64: 0/1 tasks done; 0 running, 1 queued");
}

TEST(Progress, AJobLargerThanItsPageIsCountedFromTheJobsOwnCounts) {
  // GetJob returned the first 2 of 4,593 tasks: the page's states say
  // nothing of the rest, the job's counts do.
  v1::Job job;
  absl::Time created = absl::FromUnixSeconds(1000);
  job.set_created_unix_ms(absl::ToUnixMillis(created));
  AddTask(&job, "amd64", v1::PASSED);
  AddTask(&job, "arm64", v1::PASSED);
  for (auto [state, count] : {std::pair{v1::PASSED, 4123}, {v1::RUNNING, 4}, {v1::QUEUED, 466}}) {
    v1::TaskCount* c = job.add_task_counts();
    c->set_state(state);
    c->set_count(count);
  }
  job.set_task_total(4593);
  std::vector<std::string> lines = ProgressLines(job, created + absl::Seconds(100));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(
      lines[0],
      "amd64,arm64: 4123/4593 tasks done, 4123 passed; 4 running, 466 queued, about 12s left");
}

TEST(Progress, NoEstimateBeforeATaskIsDoneOrAfterTheLast) {
  v1::Job job;
  absl::Time created = absl::FromUnixSeconds(1000);
  job.set_created_unix_ms(absl::ToUnixMillis(created));
  AddTask(&job, "amd64", v1::RUNNING);
  job.set_task_total(1);
  EXPECT_EQ(Progress(job, "", created + absl::Seconds(5)), "0/1 tasks done; 1 running, 0 queued");
  job.mutable_tasks(0)->set_state(v1::PASSED);
  EXPECT_EQ(Progress(job, "amd64", created + absl::Seconds(5)),
            "1/1 tasks done, 1 passed; 0 running, 0 queued");
}

void AddEstimate(v1::Job* job, const std::string& arch, int64_t left_ms, int64_t done_ms) {
  v1::WorkEstimate* e = job->add_estimates();
  e->set_arch(arch);
  e->set_left_ms(left_ms);
  e->set_done_ms(done_ms);
}

TEST(Progress, WithHistoryTheRestIsEstimatedByTheirExpectedTimeNotTheirCount) {
  // 9 of 10 tests done in 10 s, but history says the one left is as long
  // as all 9 together: about 10 s more, not the count's 2 s.
  v1::Job job;
  absl::Time created = absl::FromUnixSeconds(1000);
  job.set_created_unix_ms(absl::ToUnixMillis(created));
  for (int i = 0; i < 9; ++i) AddTask(&job, "amd64", v1::PASSED);
  AddTask(&job, "amd64", v1::RUNNING);
  AddTask(&job, "arm64", v1::RUNNING);
  AddTask(&job, "arm64", v1::RUNNING);
  job.set_task_total(12);
  AddEstimate(&job, "amd64", 9000, 9000);
  // Nothing of arm64 is done yet: its 60 s expected on 2 running slots.
  AddEstimate(&job, "arm64", 60000, 0);
  std::vector<std::string> lines = ProgressLines(job, created + absl::Seconds(10));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "amd64: 9/10 tasks done, 9 passed; 1 running, 0 queued, about 10s left");
  EXPECT_EQ(lines[1], "arm64: 0/2 tasks done; 2 running, 0 queued, about 30s left");
}

}  // namespace
}  // namespace arena
