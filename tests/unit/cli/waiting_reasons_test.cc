#include "cli/waiting_reasons.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/time/time.h"

namespace arena {
namespace {

v1::Task* AddTask(v1::Job* job, const std::string& id, v1::State state, const std::string& reason) {
  v1::Task* task = job->add_tasks();
  task->set_id(id);
  task->set_arch("amd64");
  task->set_state(state);
  task->set_waiting_reason(reason);
  return task;
}

TEST(WaitingReasons, ReportsAReasonOnceAfterTheQuietPeriodAndAgainWhenItChanges) {
  const absl::Time t0 = absl::FromUnixSeconds(1000);
  WaitingReasons reasons;
  v1::Job job;
  v1::Task* task = AddTask(&job, "t1", v1::QUEUED, "required label gpu=a100 matches no agent");
  EXPECT_TRUE(reasons.Update(job, t0).empty());  // might be assigned at once
  EXPECT_TRUE(reasons.Waiting());
  std::vector<std::string> lines = reasons.Update(job, t0 + absl::Seconds(3));
  ASSERT_EQ(1u, lines.size());
  EXPECT_EQ("amd64 waits: required label gpu=a100 matches no agent", lines[0]);
  EXPECT_TRUE(reasons.Update(job, t0 + absl::Seconds(6)).empty());
  EXPECT_TRUE(reasons.Update(job, t0 + absl::Seconds(9)).empty());
  task->set_waiting_reason("1 matching agent, all slots busy");
  lines = reasons.Update(job, t0 + absl::Seconds(12));
  ASSERT_EQ(1u, lines.size());
  EXPECT_EQ("amd64 waits: 1 matching agent, all slots busy", lines[0]);
}

TEST(WaitingReasons, GroupsTasksThatWaitForTheSameReason) {
  const absl::Time t0 = absl::FromUnixSeconds(1000);
  WaitingReasons reasons;
  v1::Job job;
  for (int i = 0; i < 3; ++i) AddTask(&job, "t" + std::to_string(i), v1::QUEUED, "no agent");
  reasons.Update(job, t0);
  std::vector<std::string> lines = reasons.Update(job, t0 + absl::Seconds(5));
  ASSERT_EQ(1u, lines.size());
  EXPECT_EQ("3 tasks wait: no agent", lines[0]);
}

TEST(WaitingReasons, SaysNothingForATaskThatStartsAndReportsARetryThatWaitsAgain) {
  const absl::Time t0 = absl::FromUnixSeconds(1000);
  WaitingReasons reasons;
  v1::Job job;
  v1::Task* task = AddTask(&job, "t1", v1::QUEUED, "about to be assigned");
  reasons.Update(job, t0);
  task->set_state(v1::RUNNING);
  EXPECT_TRUE(reasons.Update(job, t0 + absl::Seconds(5)).empty());
  EXPECT_FALSE(reasons.Waiting());
  task->set_state(v1::QUEUED);
  task->set_waiting_reason("no agent is connected");
  EXPECT_TRUE(reasons.Update(job, t0 + absl::Seconds(6)).empty());
  EXPECT_EQ(1u, reasons.Update(job, t0 + absl::Seconds(9)).size());
}

TEST(PhaseProgress, ReportsAPullWhenItBeginsThenAtMostOncePerPeriod) {
  const absl::Time t0 = absl::FromUnixSeconds(1000);
  PhaseProgress phases;
  v1::Job job;
  v1::Task* task = AddTask(&job, "t1", v1::RUNNING, "");
  EXPECT_TRUE(phases.Update(job, t0).empty());  // assigned, nothing reported yet
  EXPECT_TRUE(phases.Preparing());
  task->set_phase("pulling");
  task->set_phase_detail("reg:5000/app:1");
  task->set_progress_done(12 << 20);
  task->set_progress_total(48 << 20);
  std::vector<std::string> lines = phases.Update(job, t0 + absl::Seconds(1));
  ASSERT_EQ(1u, lines.size());
  EXPECT_EQ("amd64 pulling reg:5000/app:1: 12.0 of 48.0 MiB (25%)", lines[0]);
  task->set_progress_done(24 << 20);
  EXPECT_TRUE(phases.Update(job, t0 + absl::Seconds(2)).empty());
  lines = phases.Update(job, t0 + absl::Seconds(4));
  ASSERT_EQ(1u, lines.size());
  EXPECT_EQ("amd64 pulling reg:5000/app:1: 24.0 of 48.0 MiB (50%)", lines[0]);
  task->set_progress_total(0);
  EXPECT_EQ("pulling reg:5000/app:1: 24.0 MiB", PhaseSummary(*task));
}

TEST(PhaseProgress, StopsPreparingOnceTheCommandStarted) {
  PhaseProgress phases;
  v1::Job job;
  v1::Task* task = AddTask(&job, "t1", v1::RUNNING, "");
  task->set_phase("pulling");
  task->set_started_unix_ms(5);
  EXPECT_TRUE(phases.Update(job, absl::FromUnixSeconds(1)).empty());
  EXPECT_FALSE(phases.Preparing());
}

}  // namespace
}  // namespace arena
