#include "controller/store/allure_uploads.h"

#include <gtest/gtest.h>

#include "controller/store/job_table.h"
#include "tests/unit/controller/store/table_fixture.h"

namespace arena {
namespace {

class AllureUploadsTest : public TableTest {
 protected:
  void AddJob(const std::string& id) {
    v1::Job job;
    job.set_id(id);
    job.set_state(v1::QUEUED);
    job.set_created_unix_ms(1000);
    ASSERT_TRUE(jobs().InsertJob(job).ok());
  }
  void EndJob(const std::string& id, int64_t at_ms) {
    ASSERT_TRUE(jobs().UpdateJobState(id, v1::FAILED, "a test failed", at_ms).ok());
  }
  JobTable& jobs() {
    if (!jobs_) jobs_ = std::make_unique<JobTable>(connection_.get());
    return *jobs_;
  }
  AllureUploads& uploads() {
    if (!uploads_) uploads_ = std::make_unique<AllureUploads>(connection_.get());
    return *uploads_;
  }

 private:
  std::unique_ptr<JobTable> jobs_;
  std::unique_ptr<AllureUploads> uploads_;
};

TEST_F(AllureUploadsTest, AJobThatNamesAProjectWaitsUntilItEnds) {
  AddJob("job-1");
  ASSERT_TRUE(uploads().Add("job-1", "team-a").ok());
  absl::StatusOr<AllureUploadRecord> got = uploads().Get("job-1");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->state, "waiting");
  EXPECT_EQ(got->project, "team-a");
  EXPECT_EQ(got->ended_ms, 0);
  EXPECT_TRUE(uploads().Due(1 << 30, 10)->empty());

  EndJob("job-1", 5000);
  absl::StatusOr<std::vector<AllureUploadRecord>> due = uploads().Due(5000, 10);
  ASSERT_TRUE(due.ok()) << due.status();
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].job_id, "job-1");
  EXPECT_EQ((*due)[0].ended_ms, 5000);
}

TEST_F(AllureUploadsTest, ASecondRowForOneJobIsRefused) {
  AddJob("job-1");
  ASSERT_TRUE(uploads().Add("job-1", "team-a").ok());
  EXPECT_TRUE(absl::IsAlreadyExists(uploads().Add("job-1", "team-b")));
  EXPECT_EQ(uploads().Get("job-1")->project, "team-a");
}

TEST_F(AllureUploadsTest, APendingRetryIsDueOnlyFromItsTime) {
  AddJob("job-1");
  ASSERT_TRUE(uploads().Add("job-1", "team-a").ok());
  EndJob("job-1", 5000);
  AllureUploadRecord record = *uploads().Get("job-1");
  record.state = "pending";
  record.tries = 1;
  record.next_try_ms = 9000;
  record.reason = "connection refused";
  ASSERT_TRUE(uploads().Update(record).ok());

  EXPECT_TRUE(uploads().Due(8999, 10)->empty());
  EXPECT_EQ(uploads().Due(9000, 10)->size(), 1u);
  absl::StatusOr<std::optional<int64_t>> next = uploads().NextTry();
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->value_or(-1), 9000);
  AllureUploadRecord stored = *uploads().Get("job-1");
  EXPECT_EQ(stored.tries, 1);
  EXPECT_EQ(stored.reason, "connection refused");
}

TEST_F(AllureUploadsTest, UploadedAndFailedRowsAreNeverDueAgain) {
  for (const char* id : {"job-1", "job-2"}) {
    AddJob(id);
    ASSERT_TRUE(uploads().Add(id, "team-a").ok());
    EndJob(id, 5000);
  }
  AllureUploadRecord done = *uploads().Get("job-1");
  done.state = "uploaded";
  done.report_url = "http://127.0.0.1:1/report";
  ASSERT_TRUE(uploads().Update(done).ok());
  AllureUploadRecord failed = *uploads().Get("job-2");
  failed.state = "failed";
  ASSERT_TRUE(uploads().Update(failed).ok());
  EXPECT_TRUE(uploads().Due(1 << 30, 10)->empty());
  EXPECT_FALSE(uploads().NextTry()->has_value());
  EXPECT_EQ(uploads().Get("job-1")->report_url, "http://127.0.0.1:1/report");
}

TEST_F(AllureUploadsTest, DueRowsComeOldestEndFirstAndBounded) {
  for (int i = 0; i < 3; ++i) {
    std::string id = "job-" + std::to_string(i);
    AddJob(id);
    ASSERT_TRUE(uploads().Add(id, "team-a").ok());
    EndJob(id, 9000 - i * 1000);
  }
  absl::StatusOr<std::vector<AllureUploadRecord>> due = uploads().Due(1 << 30, 2);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 2u);
  EXPECT_EQ((*due)[0].job_id, "job-2");
  EXPECT_EQ((*due)[1].job_id, "job-1");
}

TEST_F(AllureUploadsTest, ARowWithoutItsJobIsNeverDueAndCanBeRemoved) {
  ASSERT_TRUE(uploads().Add("job-gone", "team-a").ok());
  EXPECT_TRUE(uploads().Due(1 << 30, 10)->empty());
  ASSERT_TRUE(uploads().Remove("job-gone").ok());
  EXPECT_TRUE(absl::IsNotFound(uploads().Get("job-gone").status()));
  AllureUploadRecord missing;
  missing.job_id = "job-gone";
  EXPECT_TRUE(absl::IsNotFound(uploads().Update(missing)));
}

}  // namespace
}  // namespace arena
