#include "controller/scheduler/progress_board.h"

#include <gtest/gtest.h>

namespace arena {
namespace {

v1::Job JobWithTask(const std::string& attempt_id, v1::State state) {
  v1::Job job;
  v1::Task* task = job.add_tasks();
  task->set_state(state);
  task->set_attempt_id(attempt_id);
  return job;
}

TEST(ProgressBoard, FillsTheRunningTaskOfTheReportedAttempt) {
  ProgressBoard board;
  board.Set("att-1", {"pulling", "reg/app:1", 10, 40});
  v1::Job job = JobWithTask("att-1", v1::RUNNING);
  board.Fill(&job);
  EXPECT_EQ(job.tasks(0).phase(), "pulling");
  EXPECT_EQ(job.tasks(0).phase_detail(), "reg/app:1");
  EXPECT_EQ(job.tasks(0).progress_done(), 10);
  EXPECT_EQ(job.tasks(0).progress_total(), 40);
}

TEST(ProgressBoard, LeavesOtherAttemptsAndFinishedTasksAlone) {
  ProgressBoard board;
  board.Set("att-1", {"pulling", "reg/app:1", 10, 40});
  v1::Job retried = JobWithTask("att-2", v1::RUNNING);
  board.Fill(&retried);
  EXPECT_TRUE(retried.tasks(0).phase().empty());
  v1::Job done = JobWithTask("att-1", v1::PASSED);
  board.Fill(&done);
  EXPECT_TRUE(done.tasks(0).phase().empty());
  board.Clear("att-1");
  v1::Job cleared = JobWithTask("att-1", v1::RUNNING);
  board.Fill(&cleared);
  EXPECT_TRUE(cleared.tasks(0).phase().empty());
  EXPECT_EQ(board.size(), 0u);
}

}  // namespace
}  // namespace arena
