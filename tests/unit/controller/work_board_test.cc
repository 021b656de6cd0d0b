#include "controller/scheduler/work_board.h"

#include "gtest/gtest.h"

namespace arena {
namespace {

v1::Job Filled(const WorkBoard& board, const std::string& job_id) {
  v1::Job job;
  job.set_id(job_id);
  board.Fill(&job);
  return job;
}

TEST(WorkBoardTest, FinishedTestsMoveTheirExpectedTimeFromLeftToDone) {
  WorkBoard board;
  board.Expect("job-1", {{"t1", "amd64", 100}, {"t2", "amd64", 300}, {"t3", "arm64", 50}});
  board.Done("job-1", "t2");
  board.Done("job-1", "t2");       // once only
  board.Done("job-1", "unknown");  // not on the board
  v1::Job job = Filled(board, "job-1");
  ASSERT_EQ(job.estimates_size(), 2);
  EXPECT_EQ(job.estimates(0).arch(), "amd64");
  EXPECT_EQ(job.estimates(0).left_ms(), 100);
  EXPECT_EQ(job.estimates(0).done_ms(), 300);
  EXPECT_EQ(job.estimates(1).arch(), "arm64");
  EXPECT_EQ(job.estimates(1).left_ms(), 50);
  EXPECT_EQ(job.estimates(1).done_ms(), 0);
}

TEST(WorkBoardTest, ATestQueuedAgainIsCountedOnce) {
  WorkBoard board;
  board.Expect("job-1", {{"t1", "amd64", 100}});
  board.Expect("job-1", {{"t1", "amd64", 100}, {"t2", "amd64", -1}});  // -1: no history
  v1::Job job = Filled(board, "job-1");
  ASSERT_EQ(job.estimates_size(), 1);
  EXPECT_EQ(job.estimates(0).left_ms(), 100);
}

TEST(WorkBoardTest, AnEndedJobAndAClearedBoardLeaveNoEstimates) {
  WorkBoard board;
  board.Expect("job-1", {{"t1", "amd64", 100}});
  board.Expect("job-2", {{"t1", "amd64", 100}});
  EXPECT_EQ(Filled(board, "job-3").estimates_size(), 0);
  board.Forget("job-1");
  EXPECT_EQ(Filled(board, "job-1").estimates_size(), 0);
  EXPECT_EQ(Filled(board, "job-2").estimates_size(), 1);
  board.Clear();
  EXPECT_EQ(Filled(board, "job-2").estimates_size(), 0);
}

}  // namespace
}  // namespace arena
