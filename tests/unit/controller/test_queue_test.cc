// The scheduler's test intelligence: serial suites, list expansion, longest
// first, reruns on another agent, flaky and quarantine, files and JUnit.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "tests/unit/controller/scheduler_fixture.h"

namespace arena {
namespace {

using ::testing::HasSubstr;

v1::AgentMessage Grant(int credits) {
  v1::AgentMessage m;
  m.mutable_grant()->set_credits(credits);
  return m;
}

v1::AgentMessage Stdout(const std::string& attempt, int64_t offset, const std::string& data) {
  v1::AgentMessage m;
  m.mutable_log()->set_attempt_id(attempt);
  m.mutable_log()->set_offset(offset);
  m.mutable_log()->set_data(data);
  m.mutable_log()->set_stream(v1::LOG_STREAM_STDOUT);
  return m;
}

v1::AgentMessage File(const std::string& attempt, const std::string& path, bool junit,
                      const std::string& data) {
  v1::AgentMessage m;
  v1::FileChunk* chunk = m.mutable_file();
  chunk->set_attempt_id(attempt);
  chunk->set_path(path);
  chunk->set_kind(junit ? v1::FILE_KIND_JUNIT : v1::FILE_KIND_ARTIFACT);
  chunk->set_data(data);
  return m;
}

void AddFile(v1::AgentMessage& event, const std::string& path, bool junit, int64_t size) {
  v1::FileInfo* info = event.mutable_event()->add_files();
  info->set_path(path);
  info->set_kind(junit ? v1::FILE_KIND_JUNIT : v1::FILE_KIND_ARTIFACT);
  info->set_size(size);
}

class TestQueueTest : public SchedulerTest {
 protected:
  v1::Task TaskOf(const std::string& job_id, const std::string& name) {
    v1::Job job = *store_->jobs().GetJob(job_id);
    for (const v1::Task& t : job.tasks()) {
      if (t.suite() == name || t.test_id() == name) return t;
    }
    ADD_FAILURE() << "no task " << name;
    return {};
  }

  // The agent's end of a batch: a report with these (id, status) rows.
  void EndBatch(const v1::Assign& assign,
                const std::vector<std::pair<std::string, std::string>>& rows, int exit_code) {
    std::string xml = "<testsuite name=\"s\">";
    for (const auto& [id, status] : rows) {
      absl::StrAppend(&xml, "<testcase name=\"", id, "\">",
                      status == "failed" ? "<failure message=\"no\"/>" : "", "</testcase>");
    }
    xml += "</testsuite>";
    Send("agent-1", File(assign.attempt_id(), "r.xml", true, xml));
    v1::AgentMessage exited = Exited(assign.attempt_id(), exit_code);
    AddFile(exited, "r.xml", true, static_cast<int64_t>(xml.size()));
    Send("agent-1", exited);
  }
};

TEST_F(TestQueueTest, SerialSuitesWaitForParallelOnesAndRunOneAtATime) {
  auto link = Connect("agent-1", 4);
  v1::JobSpec spec;
  for (auto [name, parallel] :
       {std::pair{"p1", true}, {"s1", false}, {"p2", true}, {"s2", false}}) {
    v1::Suite* suite = spec.add_suites();
    suite->set_name(name);
    suite->set_command("true");
    suite->set_parallel_safe(parallel);
  }
  SubmitSpec("job-1", spec);
  ASSERT_EQ(link->Assigns().size(), 2u);  // both parallel suites, not the serial ones
  EXPECT_EQ(link->Assigns()[0].env().at("ARENA_SUITE"), "p1");
  Send("agent-1", Exited(link->Assigns()[0].attempt_id(), 0));
  EXPECT_EQ(link->Assigns().size(), 2u);  // p2 still runs
  Send("agent-1", Exited(link->Assigns()[1].attempt_id(), 0));
  ASSERT_EQ(link->Assigns().size(), 3u);
  EXPECT_EQ(link->Assigns()[2].env().at("ARENA_SUITE"), "s1");
  Send("agent-1", Grant(2));
  EXPECT_EQ(link->Assigns().size(), 3u);  // s2 waits for s1
  Send("agent-1", Exited(link->Assigns()[2].attempt_id(), 1));
  ASSERT_EQ(link->Assigns().size(), 4u);
  EXPECT_EQ(link->Assigns()[3].env().at("ARENA_SUITE"), "s2");
  Send("agent-1", Exited(link->Assigns()[3].attempt_id(), 0));
  EXPECT_EQ(store_->jobs().GetJob("job-1")->state(), v1::FAILED);  // s1 failed; its own verdict
  EXPECT_EQ(TaskOf("job-1", "s1").state(), v1::FAILED);
  EXPECT_EQ(TaskOf("job-1", "s2").state(), v1::PASSED);
}

TEST_F(TestQueueTest, ListedTestsBecomeTasksLongestFirstAndUnknownEarly) {
  v1::TestResult past;
  past.set_arch("amd64");
  past.set_status("passed");
  for (auto [key, ms] : {std::pair{"slow", 5000}, {"fast", 10}}) {
    past.set_test_key(key);
    past.set_duration_ms(ms);
    past.set_attempt_id(std::string("old-") + key);
    ASSERT_TRUE(store_->results().InsertTestResults("job-old", {past}).ok());
  }
  auto link = Connect("agent-1", 1);
  v1::JobSpec spec;
  spec.set_list_command("list");
  spec.set_test_command("run {test}");
  SubmitSpec("job-1", spec);
  ASSERT_EQ(link->Assigns().size(), 1u);
  std::string list = link->Assigns()[0].attempt_id();
  std::string output = "fast\nslow\nnew\n";
  Send("agent-1", Stdout(list, 0, output));
  Send("agent-1", Exited(list, 0, static_cast<int64_t>(output.size())));
  v1::Job job = *store_->jobs().GetJob("job-1");
  ASSERT_EQ(job.tasks_size(), 4);
  EXPECT_EQ(job.state(), v1::RUNNING);
  // What history expects: "new" counts as the median of the others.
  auto expected = [&] {
    v1::Job live;
    live.set_id("job-1");
    scheduler_->work().Fill(&live);
    return live.estimates_size() == 1
               ? std::pair{live.estimates(0).left_ms(), live.estimates(0).done_ms()}
               : std::pair<int64_t, int64_t>{-1, -1};
  };
  EXPECT_EQ(expected(), (std::pair<int64_t, int64_t>{5000 + 5000 + 10, 0}));
  std::vector<std::string> order;
  for (int i = 0; i < 3; ++i) {
    Send("agent-1", Grant(1));
    ASSERT_EQ(link->Assigns().size(), static_cast<size_t>(i + 2));
    const v1::Assign assign = link->Assigns().back();
    order.push_back(assign.env().at("ARENA_TEST"));
    EXPECT_EQ(assign.session(), "job-1/amd64");  // may run in a warm container
    Send("agent-1", Exited(assign.attempt_id(), 0));
    if (i == 0) EXPECT_EQ(expected(), (std::pair<int64_t, int64_t>{5010, 5000}));
  }
  EXPECT_THAT(order, ::testing::ElementsAre("new", "slow", "fast"));
  EXPECT_EQ(expected(), (std::pair<int64_t, int64_t>{-1, -1})) << "the ended job is off the board";
  EXPECT_EQ(link->Assigns()[1].command(2), "run 'new'");
  EXPECT_EQ(store_->jobs().GetJob("job-1")->state(), v1::PASSED);
  EXPECT_EQ(store_->results().ListTestResults("job-1")->size(),
            3u);  // one per test, from the exit status
}

TEST_F(TestQueueTest, EmptyOrBadListFailsTheJobWithAReason) {
  auto link = Connect("agent-1", 1);
  v1::JobSpec spec;
  spec.set_list_command("list");
  spec.set_test_command("run {test}");
  SubmitSpec("job-1", spec);
  Send("agent-1", Exited(link->Assigns()[0].attempt_id(), 0));
  v1::Job job = *store_->jobs().GetJob("job-1");
  EXPECT_EQ(job.state(), v1::ERROR);
  EXPECT_THAT(job.tasks(0).reason(), HasSubstr("printed no test ids"));
}

TEST_F(TestQueueTest, FailedTestIsRerunOnAnotherAgentAndReportedFlaky) {
  auto first = Connect("agent-1", 2);
  auto second = Connect("agent-2", 1);
  v1::JobSpec spec;
  spec.add_tests("t1");
  spec.set_test_command("run {test}");
  spec.set_reruns(2);
  SubmitSpec("job-1", spec);
  ASSERT_EQ(first->Assigns().size(), 1u);
  Send("agent-1", Exited(first->Assigns()[0].attempt_id(), 1));
  ASSERT_EQ(second->Assigns().size(), 1u) << "the rerun goes to the other agent";
  EXPECT_EQ(first->Assigns().size(), 1u);
  EXPECT_EQ(second->Assigns()[0].attempt_number(), 2);
  Send("agent-2", Exited(second->Assigns()[0].attempt_id(), 0));
  v1::Task task = TaskOf("job-1", "t1");
  EXPECT_EQ(task.state(), v1::PASSED);
  EXPECT_TRUE(task.flaky());
  EXPECT_THAT(task.reason(), HasSubstr("flaky"));
  EXPECT_EQ(task.attempts_size(), 2);
  EXPECT_EQ(store_->jobs().GetJob("job-1")->state(), v1::PASSED);
  std::vector<v1::TestResult> results = *store_->results().ListTestResults("job-1");
  ASSERT_EQ(results.size(), 2u);  // every attempt is kept
  EXPECT_EQ(results[0].status(), "failed");
  EXPECT_EQ(results[0].agent_id(), "agent-1");
  EXPECT_EQ(results[1].status(), "passed");
  EXPECT_EQ(results[1].attempt_number(), 2);
}

TEST_F(TestQueueTest, FlakyFailsTheJobWhenTheJobSaysSo) {
  auto link = Connect("agent-1", 2);
  v1::JobSpec spec;
  spec.add_tests("t1");
  spec.set_test_command("run {test}");
  spec.set_reruns(1);
  spec.set_flaky_fails(true);
  SubmitSpec("job-1", spec);
  Send("agent-1", Exited(link->Assigns()[0].attempt_id(), 1));
  ASSERT_EQ(link->Assigns().size(), 2u);  // no other agent: the same one
  Send("agent-1", Exited(link->Assigns()[1].attempt_id(), 0));
  EXPECT_EQ(TaskOf("job-1", "t1").state(), v1::FAILED);
  EXPECT_TRUE(TaskOf("job-1", "t1").flaky());
  EXPECT_EQ(store_->jobs().GetJob("job-1")->state(), v1::FAILED);
}

TEST_F(TestQueueTest, QuarantinedFailureDoesNotFailTheJob) {
  v1::QuarantineEntry entry;
  entry.set_test_key("known_flaky");
  ASSERT_TRUE(store_->results().AddQuarantine(entry).ok());
  auto link = Connect("agent-1", 2);
  v1::JobSpec spec;
  spec.add_tests("known_flaky");
  spec.add_tests("solid");
  spec.set_test_command("run {test}");
  spec.set_reruns(3);
  SubmitSpec("job-1", spec);
  ASSERT_EQ(link->Assigns().size(), 2u);
  for (const v1::Assign& a : link->Assigns()) {
    Send("agent-1", Exited(a.attempt_id(), a.env().at("ARENA_TEST") == "solid" ? 0 : 1));
  }
  EXPECT_EQ(link->Assigns().size(), 2u);  // no reruns for a quarantined failure
  v1::Task task = TaskOf("job-1", "known_flaky");
  EXPECT_EQ(task.state(), v1::FAILED);
  EXPECT_TRUE(task.quarantined());
  EXPECT_EQ(store_->jobs().GetJob("job-1")->state(), v1::PASSED);
}

TEST_F(TestQueueTest, FilesAreStoredAndJunitBecomesResults) {
  auto link = Connect("agent-1", 2);
  v1::JobSpec spec;
  spec.add_command("pytest");
  spec.add_junit("report.xml");
  spec.add_artifacts("out");
  SubmitSpec("job-1", spec);
  const v1::Assign assign = link->Assigns()[0];
  EXPECT_THAT(std::vector<std::string>(assign.junit().begin(), assign.junit().end()),
              ::testing::ElementsAre("report.xml"));
  std::string xml =
      "<testsuite name=\"s\"><testcase classname=\"c\" name=\"ok\" time=\"0.5\"/>"
      "<testcase classname=\"c\" name=\"bad\"><failure message=\"no\">trace</failure></testcase>"
      "</testsuite>";
  std::string blob(100000, '\xff');
  Send("agent-1", File(assign.attempt_id(), "report.xml", true, xml));
  Send("agent-1", File(assign.attempt_id(), "out/blob", false, blob.substr(0, 60000)));
  v1::AgentMessage rest = File(assign.attempt_id(), "out/blob", false, blob.substr(60000));
  rest.mutable_file()->set_offset(60000);
  Send("agent-1", rest);
  v1::AgentMessage exited = Exited(assign.attempt_id(), 1);
  AddFile(exited, "report.xml", true, static_cast<int64_t>(xml.size()));
  AddFile(exited, "out/blob", false, static_cast<int64_t>(blob.size()));
  Send("agent-1", exited);
  std::vector<v1::TestResult> results = *store_->results().ListTestResults("job-1");
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[1].test_key(), "c::bad");
  EXPECT_EQ(results[1].status(), "failed");
  EXPECT_EQ(results[1].agent_id(), "agent-1");
  std::vector<ArtifactRecord> files = *store_->results().ListArtifacts("job-1");
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(*artifacts_->Read("job-1", assign.attempt_id(), false, "out/blob", 0, 1 << 20), blob);
  EXPECT_EQ(store_->jobs().GetJob("job-1")->state(), v1::FAILED);
}

TEST_F(TestQueueTest, MalformedJunitIsAnErrorOnThatAttempt) {
  auto link = Connect("agent-1", 2);
  v1::JobSpec spec;
  spec.add_command("pytest");
  spec.add_junit("report.xml");
  SubmitSpec("job-1", spec);
  std::string attempt = link->Assigns()[0].attempt_id();
  std::string xml = "<testsuite><testcase name=";
  Send("agent-1", File(attempt, "report.xml", true, xml));
  v1::AgentMessage exited = Exited(attempt, 0);
  AddFile(exited, "report.xml", true, static_cast<int64_t>(xml.size()));
  Send("agent-1", exited);
  v1::Job job = *store_->jobs().GetJob("job-1");
  EXPECT_EQ(job.tasks(0).state(), v1::ERROR);
  EXPECT_THAT(job.tasks(0).reason(), HasSubstr("report.xml: malformed JUnit XML"));
  EXPECT_TRUE(link->closed().ok());  // recorded and acknowledged, not a broken stream
}

TEST_F(TestQueueTest, ResultWaitsForItsFilesAndUnsafePathsAreRefused) {
  auto link = Connect("agent-1", 2);
  v1::JobSpec spec;
  spec.add_command("true");
  spec.add_artifacts("out");
  SubmitSpec("job-1", spec);
  std::string attempt = link->Assigns()[0].attempt_id();
  Send("agent-1", File(attempt, "a", false, "half"));
  v1::AgentMessage exited = Exited(attempt, 0);
  AddFile(exited, "a", false, 8);  // more than arrived
  Send("agent-1", exited);
  EXPECT_EQ(store_->jobs().GetJob("job-1")->tasks(0).state(), v1::RUNNING);
  EXPECT_EQ(link->closed().code(), absl::StatusCode::kUnavailable);

  auto again = Connect("agent-2", 2);
  SubmitSpec("job-2", spec);
  Send("agent-2", File(again->Assigns()[0].attempt_id(), "../../escape", false, "x"));
  EXPECT_EQ(again->closed().code(), absl::StatusCode::kUnavailable);
  EXPECT_FALSE(FileExists(dir_.File("escape")));
}

// Test batches ("{tests}"): the fixture's agents have 4 slots, so 24 tests
// without history start with batches of 3 (24 / (kBatchFactor * 4)).
v1::JobSpec BatchSpec(int tests) {
  v1::JobSpec spec;
  for (int i = 0; i < tests; ++i) spec.add_tests(absl::StrCat("t", i < 10 ? "0" : "", i));
  spec.set_test_command("run {tests}");
  spec.add_junit("r.xml");
  return spec;
}

// The batch's ids (ARENA_TESTS, else its one ARENA_TEST).
std::vector<std::string> BatchIds(const v1::Assign& assign) {
  auto many = assign.env().find("ARENA_TESTS");
  if (many == assign.env().end()) return {assign.env().at("ARENA_TEST")};
  return absl::StrSplit(many->second, '\n');
}

TEST_F(TestQueueTest, ABatchsWallTimeIsTheAgentsFromStartToExit) {
  SchedulerOptions options = ManualClockOptions();
  UseOptions(options);
  auto link = Connect("agent-1", 1);
  SubmitSpec("job-1", BatchSpec(16));  // a first batch of 2 on 4 slots
  ASSERT_EQ(link->Assigns().size(), 1u);
  const v1::Assign batch = link->Assigns()[0];
  ASSERT_EQ(BatchIds(batch).size(), 2u);
  // The agent started the run at 1,000,000 ms and it exited 80 ms later on
  // the agent's clock; its result reached the loop 5 s after the start.
  v1::AgentMessage started;
  started.mutable_event()->set_attempt_id(batch.attempt_id());
  started.mutable_event()->set_kind(v1::TASK_EVENT_STARTED);
  started.mutable_event()->set_unix_ms(1000000);
  Send("agent-1", started);
  clock_.Advance(absl::Seconds(5));
  std::string xml = "<testsuite>";
  for (const std::string& id : BatchIds(batch))
    absl::StrAppend(&xml, "<testcase name=\"", id, "\"/>");
  xml += "</testsuite>";
  Send("agent-1", File(batch.attempt_id(), "r.xml", true, xml));
  v1::AgentMessage exited = Exited(batch.attempt_id(), 0);
  exited.mutable_event()->set_unix_ms(1000080);
  AddFile(exited, "r.xml", true, static_cast<int64_t>(xml.size()));
  Send("agent-1", exited);
  std::vector<v1::TestResult> results = *store_->results().ListTestResults("job-1");
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].share_ms(), 40) << "80 ms shared by two, not the 5 s the loop saw";
  EXPECT_EQ(results[1].share_ms(), 40);
}

TEST_F(TestQueueTest, ABatchRunsInOneProcessAndEachTestEndsByItsOwnResult) {
  SchedulerOptions options = ManualClockOptions();
  UseOptions(options);
  auto link = Connect("agent-1", 1);
  SubmitSpec("job-1", BatchSpec(24));
  ASSERT_EQ(link->Assigns().size(), 1u);
  const v1::Assign first = link->Assigns()[0];
  EXPECT_EQ(first.command(2), "run 't00' 't01' 't02'");
  EXPECT_EQ(BatchIds(first), (std::vector<std::string>{"t00", "t01", "t02"}));
  EXPECT_EQ(first.env().count("ARENA_TEST"), 0u);
  EXPECT_EQ(first.timeout_ms(), 60 * 60 * 1000) << "no history: the job's timeout";
  // t00 passed, t01 failed, t02 has no result (the process died in it).
  clock_.Advance(absl::Milliseconds(60));
  EndBatch(first, {{"t00", "passed"}, {"t01", "failed"}}, 1);
  EXPECT_EQ(TaskOf("job-1", "t00").state(), v1::PASSED);
  v1::Task failed = TaskOf("job-1", "t01");
  EXPECT_EQ(failed.state(), v1::FAILED);
  EXPECT_THAT(failed.reason(),
              HasSubstr("failed in its batch of 3 (attempt " + first.attempt_id()));
  EXPECT_EQ(failed.attempts(0).batch_attempt_id(), first.attempt_id());
  v1::Task missing = TaskOf("job-1", "t02");
  EXPECT_EQ(missing.state(), v1::QUEUED);
  EXPECT_THAT(missing.reason(), HasSubstr("running alone after no result in its batch of 3"));
  // Each row is filed under its own test's task and attempt.
  std::vector<v1::TestResult> results = *store_->results().ListTestResults("job-1");
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].task_id(), TaskOf("job-1", "t00").id());
  EXPECT_EQ(results[0].attempt_id(), first.attempt_id());
  EXPECT_EQ(results[1].task_id(), failed.id());
  EXPECT_EQ(results[1].attempt_id(), failed.attempts(0).id());
  EXPECT_EQ(results[1].test_key(), "t01");
  // Neither row gave a time: the batch's wall time is shared evenly.
  EXPECT_EQ(results[0].share_ms(), 30);
  EXPECT_EQ(results[0].share_ms(), results[1].share_ms());

  // The rest, batch by batch, every test passing: batches shrink toward the
  // end and the test without a result runs alone, last.
  std::vector<size_t> sizes;
  for (size_t n = 1; n < 30 && link->Assigns().size() == n; ++n) {
    Send("agent-1", Grant(1));
    if (link->Assigns().size() == n) break;
    const v1::Assign next = link->Assigns()[n];
    std::vector<std::pair<std::string, std::string>> rows;
    for (const std::string& id : BatchIds(next)) rows.push_back({id, "passed"});
    sizes.push_back(rows.size());
    EndBatch(next, rows, 0);
  }
  // 21 tests left: about the rest over 8 each time, then single ones.
  std::vector<size_t> expected = {3, 3, 2, 2, 2, 2};
  expected.resize(expected.size() + 8, 1);
  EXPECT_EQ(sizes, expected);
  EXPECT_EQ(link->Assigns().back().command(2), "run 't02'");
  EXPECT_EQ(TaskOf("job-1", "t02").state(), v1::PASSED);
  EXPECT_EQ(store_->jobs().GetJob("job-1")->state(), v1::FAILED);  // t01
}

TEST_F(TestQueueTest, ABatchThatDiedWithoutResultsIsHalvedUntilTheTestThatKillsItIsAlone) {
  auto link = Connect("agent-1", 1);
  SubmitSpec("job-1", BatchSpec(24));
  const v1::Assign first = link->Assigns()[0];
  ASSERT_EQ(BatchIds(first), (std::vector<std::string>{"t00", "t01", "t02"}));
  EndBatch(first, {}, 137);  // t01 kills the process: no report at all
  EXPECT_THAT(TaskOf("job-1", "t00").reason(),
              HasSubstr("running in a batch of at most 2 after no result in its batch of 3"));
  // Every other test passes; each batch holding t00..t02 dies while t01 is
  // in it. Those three are batched only among themselves.
  const std::set<std::string> split = {"t00", "t01", "t02"};
  std::vector<std::vector<std::string>> split_batches;
  for (size_t n = 1; n < 40 && link->Assigns().size() == n; ++n) {
    Send("agent-1", Grant(1));
    if (link->Assigns().size() == n) break;
    const v1::Assign next = link->Assigns()[n];
    std::vector<std::string> ids = BatchIds(next);
    std::vector<std::pair<std::string, std::string>> rows;
    bool dies = false;
    for (const std::string& id : ids) {
      if (split.count(id) != 0) {
        split_batches.push_back(ids);
        dies = std::find(ids.begin(), ids.end(), "t01") != ids.end();
        break;
      }
      rows.push_back({id, "passed"});
    }
    if (!split_batches.empty() && split_batches.back() == ids) {
      for (const std::string& id : ids) EXPECT_EQ(split.count(id), 1u) << "mixed in: " << id;
      rows.clear();
      if (!dies) {
        for (const std::string& id : ids) rows.push_back({id, "passed"});
      }
    }
    EndBatch(next, rows, dies ? 137 : 0);
  }
  // Halves: two of the three together (then t01 alone, or each alone when
  // both were in the dying half), and the third alone.
  ASSERT_GE(split_batches.size(), 2u);
  EXPECT_EQ(split_batches[0].size(), 2u);
  for (size_t i = 1; i < split_batches.size(); ++i) EXPECT_EQ(split_batches[i].size(), 1u);
  EXPECT_EQ(TaskOf("job-1", "t01").state(), v1::FAILED);  // alone, by its exit code
  EXPECT_EQ(TaskOf("job-1", "t00").state(), v1::PASSED);
  EXPECT_EQ(TaskOf("job-1", "t02").state(), v1::PASSED);
  EXPECT_EQ(TaskOf("job-1", "t23").state(), v1::PASSED);
}

TEST_F(TestQueueTest, ATestByItselfOverItsTestTimeoutByItsReportTimesOut) {
  auto link = Connect("agent-1", 2);
  v1::JobSpec spec;
  spec.add_tests("slow");
  spec.add_tests("quick");
  spec.set_test_command("run {test}");
  spec.add_junit("r.xml");
  spec.set_test_timeout_ms(2000);
  SubmitSpec("job-1", spec);
  ASSERT_EQ(link->Assigns().size(), 2u);
  for (const v1::Assign& assign : link->Assigns()) {
    EXPECT_EQ(assign.timeout_ms(), 12000) << "at least 10 s more for the runner's start";
    const bool slow = assign.env().at("ARENA_TEST") == "slow";
    std::string xml = absl::StrCat("<testsuite name=\"s\"><testcase name=\"t\" time=\"",
                                   slow ? "2.5" : "1.5", "\"/></testsuite>");
    Send("agent-1", File(assign.attempt_id(), "r.xml", true, xml));
    v1::AgentMessage exited = Exited(assign.attempt_id(), 0);
    AddFile(exited, "r.xml", true, static_cast<int64_t>(xml.size()));
    Send("agent-1", exited);
  }
  v1::Task slow = TaskOf("job-1", "slow");
  EXPECT_EQ(slow.state(), v1::TIMED_OUT);
  EXPECT_EQ(slow.reason(), "took 2.5s, over its 2s test timeout");
  EXPECT_EQ(TaskOf("job-1", "quick").state(), v1::PASSED);
}

TEST_F(TestQueueTest, ALostBatchEndsEveryTestAndARestartKeepsTheBatch) {
  auto link = Connect("agent-1", 1);
  SubmitSpec("job-1", BatchSpec(24));
  const v1::Assign first = link->Assigns()[0];
  // A controller restart: the agent comes back holding the batch's attempt
  // (the only one it knows); its members are not lost.
  scheduler_->Stop();
  SchedulerOptions options;
  options.artifacts = artifacts_.get();
  scheduler_ = std::make_unique<Scheduler>(store_.get(), logs_.get(), options);
  ASSERT_TRUE(scheduler_->Start().ok());
  v1::RunningAttempt running;
  running.set_attempt_id(first.attempt_id());
  link = Connect("agent-1", 0, {running});
  EXPECT_EQ(TaskOf("job-1", "t01").state(), v1::RUNNING);
  EndBatch(first, {{"t00", "passed"}, {"t01", "passed"}, {"t02", "passed"}}, 0);
  for (const char* id : {"t00", "t01", "t02"}) EXPECT_EQ(TaskOf("job-1", id).state(), v1::PASSED);

  // The agent comes back without the next batch: each of its tests is lost.
  Send("agent-1", Grant(1));
  ASSERT_EQ(link->Assigns().size(), 1u);
  const v1::Assign second = link->Assigns()[0];
  ASSERT_EQ(BatchIds(second).size(), 3u);
  scheduler_->AgentDisconnected("agent-1", link.get());
  Connect("agent-1", 0);
  for (const std::string& id : BatchIds(second)) {
    v1::Task task = TaskOf("job-1", id);
    EXPECT_EQ(task.state(), v1::ERROR) << id;
    EXPECT_EQ(task.attempts(0).state(), v1::LOST) << id;
  }
}

}  // namespace
}  // namespace arena
