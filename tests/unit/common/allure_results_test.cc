#include "common/allure_results.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

namespace arena {
namespace {

using json = nlohmann::json;

v1::TestResult Result(const std::string& attempt, const std::string& key, const std::string& arch,
                      const std::string& status) {
  v1::TestResult r;
  r.set_task_id("task-" + arch);
  r.set_attempt_id(attempt);
  r.set_test_key(key);
  r.set_name(key);
  r.set_arch(arch);
  r.set_status(status);
  r.set_finished_unix_ms(5000);
  r.set_duration_ms(1200);
  return r;
}

v1::Job TwoArchJob() {
  v1::Job job;
  job.set_id("job-1");
  for (const char* arch : {"amd64", "arm64"}) {
    v1::Task* task = job.add_tasks();
    task->set_id(std::string("task-") + arch);
    task->set_arch(arch);
    task->set_state(v1::PASSED);
  }
  return job;
}

TEST(AllureResults, OneFilePerTestAttemptAndReRunsShareAHistoryId) {
  v1::Job job = TwoArchJob();
  std::vector<AllureFile> files = AllureResultFiles(
      job, {Result("att-1", "t::a", "amd64", "failed"), Result("att-2", "t::a", "amd64", "passed"),
            Result("att-3", "t::a", "arm64", "passed")});
  ASSERT_EQ(files.size(), 3u);
  std::vector<json> parsed;
  std::set<std::string> names;
  for (const AllureFile& f : files) {
    parsed.push_back(json::parse(f.content));
    names.insert(f.name);
    EXPECT_EQ(f.name, parsed.back()["uuid"].get<std::string>() + "-result.json");
  }
  EXPECT_EQ(names.size(), 3u);
  EXPECT_EQ(parsed[0]["historyId"], parsed[1]["historyId"]);  // a rerun: one test's retries
  EXPECT_NE(parsed[0]["historyId"], parsed[2]["historyId"]);  // another architecture
  EXPECT_EQ(parsed[0]["status"], "failed");
  EXPECT_EQ(parsed[0]["start"], 3800);
}

TEST(AllureResults, TasksWithoutResultsAreOneTestEachAndTheListTaskNone) {
  v1::Job job = TwoArchJob();
  job.mutable_tasks(1)->set_state(v1::ERROR);
  v1::Task* list = job.add_tasks();
  list->set_id("task-list");
  list->set_kind(v1::TASK_KIND_LIST);
  std::vector<AllureFile> files =
      AllureResultFiles(job, {Result("att-1", "t::a", "amd64", "passed")});
  ASSERT_EQ(files.size(), 2u);  // amd64's test, arm64's task
  EXPECT_EQ(json::parse(files[1].content)["status"], "broken");
}

TEST(AllureResults, NamesAreStableForTheSameJob) {
  v1::Job job = TwoArchJob();
  std::vector<v1::TestResult> results = {Result("att-1", "t::a", "amd64", "passed")};
  EXPECT_EQ(AllureResultFiles(job, results)[0].name, AllureResultFiles(job, results)[0].name);
}

TEST(AllureResults, InvalidUtf8InAMessageDoesNotThrow) {
  v1::TestResult r = Result("att-1", "t::a", "amd64", "failed");
  r.set_message("bad \xff byte");
  std::vector<AllureFile> files;
  ASSERT_NO_THROW(files = AllureResultFiles(TwoArchJob(), {r}));
  EXPECT_NE(files[0].content.find("bad \xEF\xBF\xBD byte"), std::string::npos);
}

TEST(AllureResults, TheExecutorNamesTheJobAndLinksIt) {
  AllureFile executor = AllureExecutorFile(TwoArchJob(), "https://127.0.0.1:7080/#/jobs/job-1");
  EXPECT_EQ(executor.name, "executor.json");
  json parsed = json::parse(executor.content);
  EXPECT_EQ(parsed["buildName"], "job-1");
  EXPECT_EQ(parsed["buildUrl"], "https://127.0.0.1:7080/#/jobs/job-1");
}

}  // namespace
}  // namespace arena
