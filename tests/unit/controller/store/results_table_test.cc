#include "controller/store/results_table.h"

#include <gtest/gtest.h>

#include "controller/store/job_table.h"
#include "tests/unit/controller/store/table_fixture.h"

namespace arena {
namespace {

v1::TestResult Result(const std::string& attempt, const std::string& key, const std::string& status,
                      int64_t duration_ms = 10) {
  v1::TestResult r;
  r.set_task_id("task-" + attempt);
  r.set_attempt_id(attempt);
  r.set_arch("amd64");
  r.set_test_key(key);
  r.set_name(key);
  r.set_status(status);
  r.set_duration_ms(duration_ms);
  return r;
}

class ResultsTableTest : public TableTest {
 protected:
  void SetUp() override {
    TableTest::SetUp();
    results_ = std::make_unique<ResultsTable>(connection_.get());
  }
  std::unique_ptr<ResultsTable> results_;
};

TEST_F(ResultsTableTest, AResentResultReplacesWhatItsAttemptStored) {
  ASSERT_TRUE(results_
                  ->InsertTestResults(
                      "job-a", {Result("att-1", "t1", "failed"), Result("att-1", "t2", "passed")})
                  .ok());
  ASSERT_TRUE(results_->InsertTestResults("job-a", {Result("att-2", "t1", "passed")}).ok());
  ASSERT_TRUE(results_->InsertTestResults("job-a", {Result("att-1", "t1", "passed")}).ok());
  auto rows = results_->ListTestResults("job-a");
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].attempt_id(), "att-2");
  EXPECT_EQ((*rows)[1].attempt_id(), "att-1");
  EXPECT_EQ((*rows)[1].status(), "passed");
}

TEST_F(ResultsTableTest, ResultsArePagedInTheOrderRecorded) {
  std::vector<v1::TestResult> batch;
  for (int i = 0; i < 5; ++i) batch.push_back(Result("att-1", "t" + std::to_string(i), "passed"));
  ASSERT_TRUE(results_->InsertTestResults("job-a", batch).ok());
  auto first = results_->ListTestResultsPage("job-a", RowPage{0, 2});
  ASSERT_EQ(first->rows.size(), 2u);
  EXPECT_EQ(first->rows[1].test_key(), "t1");
  ASSERT_GT(first->next_after, 0);
  auto second = results_->ListTestResultsPage("job-a", RowPage{first->next_after, 2});
  ASSERT_EQ(second->rows.size(), 2u);
  EXPECT_EQ(second->rows[0].test_key(), "t2");
  auto rest = results_->ListTestResultsPage("job-a", RowPage{second->next_after, 10});
  ASSERT_EQ(rest->rows.size(), 1u);
  EXPECT_EQ(rest->next_after, 0);
  auto small = results_->ListTestResultsPage("job-a", RowPage{0, 0, 1});
  EXPECT_EQ(small->rows.size(), 1u);
  EXPECT_GT(small->next_after, 0);
}

TEST_F(ResultsTableTest, OutcomesFoldEveryRowOfATest) {
  ASSERT_TRUE(results_->InsertTestResults("job-a", {Result("att-1", "t1", "failed")}).ok());
  ASSERT_TRUE(results_->InsertTestResults("job-a", {Result("att-2", "t1", "passed")}).ok());
  auto outcomes = results_->TestOutcomes("job-a");
  ASSERT_TRUE(outcomes.ok()) << outcomes.status();
  ASSERT_EQ(outcomes->size(), 2u);  // one per task
  const TestOutcome& first = outcomes->at({"task-att-1", "t1"});
  EXPECT_TRUE(first.failed);
  EXPECT_FALSE(first.passed);
  EXPECT_EQ(outcomes->at({"task-att-2", "t1"}).last_status, "passed");
}

TEST_F(ResultsTableTest, DurationsAreTheMeanOfTheLastFivePassingRuns) {
  for (int i = 0; i < 7; ++i) {
    std::string attempt = "att-" + std::to_string(i);
    ASSERT_TRUE(
        results_->InsertTestResults("job-a", {Result(attempt, "t1", "passed", 100 * (i + 1))})
            .ok());
  }
  ASSERT_TRUE(results_->InsertTestResults("job-a", {Result("att-f", "t1", "failed", 1)}).ok());
  auto durations = results_->TestDurations("amd64", {"t1", "unknown"});
  ASSERT_TRUE(durations.ok()) << durations.status();
  // Runs 3..7: 300..700 ms.
  EXPECT_EQ(*durations, (std::map<std::string, int64_t>{{"t1", 500}}));
  EXPECT_TRUE(results_->TestDurations("arm64", {"t1"})->empty());
}

TEST_F(ResultsTableTest, HistoryCountsATestsShareOfItsRunsWallTime) {
  // A row recorded before shares existed counts by its duration; newer
  // rows by their share, which is read back as stored.
  ASSERT_TRUE(results_->InsertTestResults("job-a", {Result("att-1", "t1", "passed", 100)}).ok());
  v1::TestResult shared = Result("att-2", "t1", "passed", 100);
  shared.set_share_ms(900);
  ASSERT_TRUE(results_->InsertTestResults("job-b", {shared}).ok());
  EXPECT_EQ(results_->TestDurations("amd64", {"t1"})->at("t1"), (100 + 900) / 2);
  auto rows = results_->ListTestResults("job-b");
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].share_ms(), 900);
  EXPECT_EQ((*rows)[0].duration_ms(), 100);
}

TEST_F(ResultsTableTest, ATestsHistoryIsItsNewestRunsOnAnArchitecture) {
  for (int i = 0; i < 4; ++i) {
    v1::TestResult r = Result(absl::StrCat("att-", i), "t1", i == 2 ? "failed" : "passed", i);
    if (i == 3) r.set_arch("arm64");
    ASSERT_TRUE(results_->InsertTestResults(absl::StrCat("job-", i), {r}).ok());
  }
  ASSERT_TRUE(results_->InsertTestResults("job-x", {Result("att-x", "t2", "passed")}).ok());
  auto all = results_->TestHistoryRuns("t1", "", 10);
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 4u);
  EXPECT_EQ((*all)[0].job_id(), "job-3");  // newest first
  EXPECT_EQ((*all)[0].arch(), "arm64");
  auto amd64 = results_->TestHistoryRuns("t1", "amd64", 2);
  ASSERT_EQ(amd64->size(), 2u);
  EXPECT_EQ((*amd64)[0].job_id(), "job-2");
  EXPECT_EQ((*amd64)[0].status(), "failed");
  EXPECT_EQ((*amd64)[1].duration_ms(), 1);
  EXPECT_TRUE(results_->TestHistoryRuns("nope", "", 10)->empty());
}

TEST_F(ResultsTableTest, AQueuedFileTakesItsTestsTimesFromTheNewestJobWithThem) {
  // A per-file queue: the unit is "tests/test_a.py", its rows its tests'.
  ASSERT_TRUE(
      results_
          ->InsertTestResults("job-a", {Result("att-1", "tests/test_a.py::t1", "passed", 100),
                                        Result("att-1", "tests/test_a.py::t2", "passed", 50)})
          .ok());
  ASSERT_TRUE(
      results_
          ->InsertTestResults("job-b", {Result("att-2", "tests/test_a.py::t1", "passed", 300),
                                        Result("att-2", "tests/test_a.py::t2", "failed", 9),
                                        Result("att-2", "tests/test_ab.py::t9", "passed", 7),
                                        Result("att-2", "tests/test_a.py:x", "passed", 5)})
          .ok());
  auto durations = results_->TestDurations("amd64", {"tests/test_a.py", "tests/test_c.py"});
  ASSERT_TRUE(durations.ok()) << durations.status();
  // job-b's passing rows of the file only: not test_ab.py's, not "test_a.py:x".
  EXPECT_EQ(*durations, (std::map<std::string, int64_t>{{"tests/test_a.py", 300}}));
  // A class is a unit too; a key with rows of its own keeps its own mean.
  EXPECT_EQ(results_->TestDurations("amd64", {"tests/test_a.py::t1"})->at("tests/test_a.py::t1"),
            (100 + 300) / 2);
}

TEST_F(ResultsTableTest, RecentRunsCanBeLimitedToAnOwnersJobs) {
  JobTable jobs(connection_.get());
  v1::Job mine;
  mine.set_id("job-mine");
  mine.set_owner("alice");
  ASSERT_TRUE(jobs.InsertJob(mine, "").ok());
  ASSERT_TRUE(results_->InsertTestResults("job-mine", {Result("att-1", "t1", "failed")}).ok());
  ASSERT_TRUE(results_->InsertTestResults("job-other", {Result("att-2", "t1", "passed")}).ok());
  auto all = results_->RecentTestRuns(100, "");
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].job_id, "job-other");  // newest first
  auto alices = results_->RecentTestRuns(100, "alice");
  ASSERT_EQ(alices->size(), 1u);
  EXPECT_EQ((*alices)[0].job_id, "job-mine");
  EXPECT_TRUE((*alices)[0].failed);
  EXPECT_FALSE((*alices)[0].passed);
}

TEST_F(ResultsTableTest, ArtifactsArePagedPerTaskAndFoundByPath) {
  ASSERT_TRUE(results_
                  ->UpsertArtifacts({{"att-1", "job-a", "task-1", "out/a.txt", 5, false},
                                     {"att-1", "job-a", "task-1", "out/a.txt", 9, true},
                                     {"att-2", "job-a", "task-2", "b.bin", 7, false}})
                  .ok());
  // A resent artifact replaces its row.
  ASSERT_TRUE(
      results_->UpsertArtifacts({{"att-1", "job-a", "task-1", "out/a.txt", 6, false}}).ok());
  EXPECT_EQ(results_->ListArtifacts("job-a")->size(), 3u);
  auto found = results_->FindArtifacts("job-a", "att-1", "out/a.txt");
  ASSERT_EQ(found->size(), 2u);
  auto task2 = results_->ListArtifactsPage("job-a", "task-2", RowPage{});
  ASSERT_EQ(task2->rows.size(), 1u);
  EXPECT_EQ(task2->rows[0].path, "b.bin");
  auto first = results_->ListArtifactsPage("job-a", "", RowPage{0, 2});
  ASSERT_EQ(first->rows.size(), 2u);
  auto rest = results_->ListArtifactsPage("job-a", "", RowPage{first->next_after, 2});
  ASSERT_EQ(rest->rows.size(), 1u);
  EXPECT_EQ(rest->next_after, 0);
  EXPECT_TRUE(results_->FindArtifacts("job-b", "att-1", "out/a.txt")->empty());
}

TEST_F(ResultsTableTest, QuarantineIsListedByTestAndRemovedOnce) {
  v1::QuarantineEntry entry;
  entry.set_test_key("z");
  entry.set_reason("flaky");
  ASSERT_TRUE(results_->AddQuarantine(entry).ok());
  entry.set_test_key("a");
  ASSERT_TRUE(results_->AddQuarantine(entry).ok());
  entry.set_reason("still flaky");
  ASSERT_TRUE(results_->AddQuarantine(entry).ok());  // replaces
  auto listed = results_->ListQuarantine();
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].test_key(), "a");
  EXPECT_EQ((*listed)[0].reason(), "still flaky");
  ASSERT_TRUE(results_->RemoveQuarantine("a").ok());
  EXPECT_TRUE(absl::IsNotFound(results_->RemoveQuarantine("a")));
}

}  // namespace
}  // namespace arena
