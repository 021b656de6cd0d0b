// GetJob's long poll (JobApi::WaitForChange) against a real scheduler and
// store: it answers when the job changes, not on a timer.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "controller/api/job_api.h"
#include "controller/api/results_api.h"
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
    access_ = std::make_unique<JobAccess>(store_.get(), scheduler_.get());
    api_ = std::make_unique<JobApi>(access_.get(), &events_, secrets_.get(), SpecPolicy());
    results_ = std::make_unique<ResultsApi>(access_.get(), nullptr);
  }
  absl::StatusOr<v1::Job> Wait(const std::string& job_id, absl::Duration wait,
                               const std::function<bool()>& cancelled) {
    v1::GetJobRequest request;
    request.set_job_id(job_id);
    request.set_wait_ms(absl::ToInt64Milliseconds(wait));
    return api_->WaitForChange(admin_, request, cancelled);
  }
  const Principal admin_{"tok-1", "admin", "admin"};
  std::unique_ptr<SecretBox> secrets_;
  std::unique_ptr<JobAccess> access_;
  std::unique_ptr<JobApi> api_;
  std::unique_ptr<ResultsApi> results_;
};

TEST_F(JobWaitTest, AnswersWhenATaskStartsNotWhenTheWaitEnds) {
  Submit("job-1");
  absl::StatusOr<v1::Job> seen;
  absl::Duration took;
  // WaitForChange asks `cancelled` first once it has read the job, so the
  // task is assigned after the waiter saw it queued.
  absl::Notification read_once;
  std::thread waiter([&] {
    absl::Time start = absl::Now();
    seen = Wait("job-1", absl::Seconds(30), [&] {
      if (!read_once.HasBeenNotified()) read_once.Notify();
      return false;
    });
    took = absl::Now() - start;
  });
  EXPECT_TRUE(read_once.WaitForNotificationWithTimeout(absl::Seconds(20)));
  auto link = Connect("agent-1", 1);  // the queued task is assigned
  waiter.join();
  ASSERT_TRUE(seen.ok()) << seen.status();
  EXPECT_EQ(seen->tasks(0).state(), v1::RUNNING);
  EXPECT_LT(took, absl::Seconds(20)) << "answered by the timer, not the change";
}

TEST_F(JobWaitTest, UnchangedJobIsAnsweredAfterTheWaitAndCancelEndsItEarly) {
  Submit("job-1");
  absl::StatusOr<v1::Job> job = Wait("job-1", absl::Milliseconds(300), [] { return false; });
  ASSERT_TRUE(job.ok());
  EXPECT_EQ(job->tasks(0).state(), v1::QUEUED);
  EXPECT_FALSE(job->tasks(0).waiting_reason().empty());
  job = Wait("job-1", absl::Seconds(30), [] { return true; });
  EXPECT_TRUE(job.ok());
  EXPECT_TRUE(absl::IsNotFound(Wait("job-nope", absl::Seconds(1), [] { return false; }).status()));
}

// A job of 10,000 tasks and 100,000 results: every answer stays far below
// gRPC's 4 MiB message limit, and the pages add up to the whole.
class LargeJobTest : public JobWaitTest {
 protected:
  void InsertLargeJob() {
    v1::Job job;
    job.set_id("job-big");
    job.set_state(v1::RUNNING);
    job.mutable_spec()->set_image("img");
    for (int i = 0; i < kTasks; ++i) {
      v1::Task* task = job.add_tasks();
      task->set_id(absl::StrCat("job-big-t", i));
      task->set_arch("amd64");
      task->set_state(i % 2 ? v1::PASSED : v1::QUEUED);
      task->set_reason(std::string(100, 'r'));
    }
    ASSERT_TRUE(store_->jobs().InsertJob(job).ok());
    std::vector<v1::TestResult> results;
    for (int i = 0; i < kResults; ++i) {
      v1::TestResult& r = results.emplace_back();
      r.set_task_id(absl::StrCat("job-big-t", i % kTasks));
      r.set_attempt_id(absl::StrCat("att-", i % kTasks));
      r.set_test_key(absl::StrCat("tests/test_mod.py::test_", i / kTasks));
      r.set_status(i % 1000 == 7 ? "failed" : "passed");
      r.set_text(std::string(200, 'x'));
    }
    // The first test fails once and passes later: flaky, far apart in order.
    results.back().set_task_id(results[7].task_id());
    results.back().set_test_key(results[7].test_key());
    ASSERT_TRUE(store_->results().InsertTestResults("job-big", results).ok());
  }
  static constexpr int kTasks = 10000;
  static constexpr int kResults = 100000;
};

TEST_F(LargeJobTest, TasksComePagedWithCountsOfThemAll) {
  InsertLargeJob();
  v1::GetJobRequest request;
  request.set_job_id("job-big");
  int seen = 0, pages = 0;
  std::set<std::string> ids;
  do {
    absl::StatusOr<v1::Job> job = api_->Get(admin_, request);
    ASSERT_TRUE(job.ok()) << job.status();
    EXPECT_LT(job->ByteSizeLong(), 3u << 20);
    EXPECT_EQ(job->task_total(), kTasks);
    ASSERT_EQ(job->task_counts_size(), 2);
    EXPECT_EQ(job->task_counts(0).count() + job->task_counts(1).count(), kTasks);
    for (const v1::Task& t : job->tasks()) ids.insert(t.id());
    seen += job->tasks_size();
    request.set_task_page_token(job->next_task_page_token());
    ASSERT_LT(++pages, 100);
  } while (!request.task_page_token().empty());
  EXPECT_EQ(seen, kTasks);
  EXPECT_EQ(ids.size(), static_cast<size_t>(kTasks));
  request.set_task_page_token("nonsense");
  EXPECT_TRUE(absl::IsInvalidArgument(api_->Get(admin_, request).status()));
}

TEST_F(LargeJobTest, ResultsComePagedAndFlakyMarksSpanPages) {
  InsertLargeJob();
  v1::ListResultsRequest request;
  request.set_job_id("job-big");
  request.set_page_size(100000);  // more than allowed: cut to the maximum
  int seen = 0, flaky = 0, pages = 0;
  do {
    absl::StatusOr<v1::ListResultsResponse> page = results_->ListResults(admin_, request);
    ASSERT_TRUE(page.ok()) << page.status();
    EXPECT_LT(page->ByteSizeLong(), 4u << 20);
    seen += page->results_size();
    for (const v1::TestResult& r : page->results()) flaky += r.flaky();
    request.set_page_token(page->next_page_token());
    ASSERT_LT(++pages, 1000);
  } while (!request.page_token().empty());
  EXPECT_EQ(seen, kResults);
  EXPECT_EQ(flaky, 2);  // the failed row and the passed one
  EXPECT_GT(pages, 1);

  v1::ListResultsRequest failed;
  failed.set_job_id("job-big");
  failed.set_failed_only(true);
  absl::StatusOr<v1::ListResultsResponse> bad = results_->ListResults(admin_, failed);
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(bad->results_size(), kResults / 1000 + 1);
  EXPECT_TRUE(bad->next_page_token().empty());
}

}  // namespace
}  // namespace arena
