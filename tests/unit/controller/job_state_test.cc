#include "controller/scheduler/job_state.h"

#include <gtest/gtest.h>

namespace arena {
namespace {

v1::Job JobWith(std::vector<v1::State> states) {
  v1::Job job;
  for (v1::State s : states) job.add_tasks()->set_state(s);
  return job;
}

TEST(JobState, QueuedWhileAllQueuedRunningWhileAnyOpen) {
  EXPECT_EQ(JobStateFromTasks(JobWith({v1::QUEUED, v1::QUEUED})), v1::QUEUED);
  EXPECT_EQ(JobStateFromTasks(JobWith({v1::QUEUED, v1::RUNNING})), v1::RUNNING);
  EXPECT_EQ(JobStateFromTasks(JobWith({v1::PASSED, v1::QUEUED})), v1::RUNNING);
}

TEST(JobState, PassesOnlyWhenEveryTaskPasses) {
  EXPECT_EQ(JobStateFromTasks(JobWith({v1::PASSED, v1::PASSED})), v1::PASSED);
  EXPECT_EQ(JobStateFromTasks(JobWith({v1::PASSED, v1::FAILED})), v1::FAILED);
  EXPECT_EQ(JobStateFromTasks(JobWith({v1::FAILED, v1::ERROR})), v1::ERROR);
  EXPECT_EQ(JobStateFromTasks(JobWith({v1::ERROR, v1::TIMED_OUT})), v1::TIMED_OUT);
  EXPECT_EQ(JobStateFromTasks(JobWith({v1::PASSED, v1::CANCELLED})), v1::CANCELLED);
  EXPECT_EQ(JobStateFromTasks(JobWith({})), v1::ERROR);
}

TEST(JobState, EventsMapToTaskStates) {
  v1::TaskEvent event;
  event.set_kind(v1::TASK_EVENT_EXITED);
  event.set_exit_code(0);
  EXPECT_EQ(TaskStateForEvent(event), v1::PASSED);
  event.set_exit_code(7);
  EXPECT_EQ(TaskStateForEvent(event), v1::FAILED);
  event.set_kind(v1::TASK_EVENT_ERROR);
  EXPECT_EQ(TaskStateForEvent(event), v1::ERROR);
  event.set_kind(v1::TASK_EVENT_TIMED_OUT);
  EXPECT_EQ(TaskStateForEvent(event), v1::TIMED_OUT);
  event.set_kind(v1::TASK_EVENT_STARTED);
  EXPECT_EQ(TaskStateForEvent(event), v1::RUNNING);
}

}  // namespace
}  // namespace arena
