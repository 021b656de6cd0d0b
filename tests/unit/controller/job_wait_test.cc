// GetJob's long poll (JobApi::WaitForChange) against a real scheduler and
// store: it answers when the job changes, not on a timer.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "absl/time/clock.h"
#include "controller/api/job_api.h"
#include "controller/auth/secret_box.h"
#include "controller/auth/tokens.h"
#include "tests/unit/controller/scheduler_fixture.h"

namespace arena {
namespace {

class JobWaitTest : public SchedulerTest {
 protected:
  void SetUp() override {
    SchedulerTest::SetUp();
    secrets_ = std::make_unique<SecretBox>(*SecretBox::LoadOrCreate(dir_.File("secrets.key")));
    api_ = std::make_unique<JobApi>(store_.get(), logs_.get(), scheduler_.get(), secrets_.get(),
                                    JobApiOptions());
  }
  const Principal admin_{"tok-1", "admin", "admin"};
  std::unique_ptr<SecretBox> secrets_;
  std::unique_ptr<JobApi> api_;
};

TEST_F(JobWaitTest, AnswersWhenATaskStartsNotWhenTheWaitEnds) {
  Submit("job-1");
  absl::StatusOr<v1::Job> seen;
  absl::Duration took;
  std::thread waiter([&] {
    absl::Time start = absl::Now();
    seen = api_->WaitForChange(admin_, "job-1", absl::Seconds(30), [] { return false; });
    took = absl::Now() - start;
  });
  absl::SleepFor(absl::Milliseconds(200));
  auto link = Connect("agent-1", 1);  // the queued task is assigned
  waiter.join();
  ASSERT_TRUE(seen.ok()) << seen.status();
  EXPECT_EQ(seen->tasks(0).state(), v1::RUNNING);
  EXPECT_LT(took, absl::Seconds(20)) << "answered by the timer, not the change";
}

TEST_F(JobWaitTest, UnchangedJobIsAnsweredAfterTheWaitAndCancelEndsItEarly) {
  Submit("job-1");
  absl::StatusOr<v1::Job> job =
      api_->WaitForChange(admin_, "job-1", absl::Milliseconds(300), [] { return false; });
  ASSERT_TRUE(job.ok());
  EXPECT_EQ(job->tasks(0).state(), v1::QUEUED);
  EXPECT_FALSE(job->tasks(0).waiting_reason().empty());
  job = api_->WaitForChange(admin_, "job-1", absl::Seconds(30), [] { return true; });
  EXPECT_TRUE(job.ok());
  EXPECT_TRUE(absl::IsNotFound(
      api_->WaitForChange(admin_, "job-nope", absl::Seconds(1), [] { return false; }).status()));
}

}  // namespace
}  // namespace arena
