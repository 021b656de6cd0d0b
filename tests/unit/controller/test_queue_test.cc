// The scheduler's test intelligence: serial suites, list expansion, longest
// first, reruns on another agent, flaky and quarantine, files and JUnit.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

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
  std::vector<std::string> order;
  for (int i = 0; i < 3; ++i) {
    Send("agent-1", Grant(1));
    ASSERT_EQ(link->Assigns().size(), static_cast<size_t>(i + 2));
    const v1::Assign assign = link->Assigns().back();
    order.push_back(assign.env().at("ARENA_TEST"));
    EXPECT_EQ(assign.session(), "job-1/amd64");  // may run in a warm container
    Send("agent-1", Exited(assign.attempt_id(), 0));
  }
  EXPECT_THAT(order, ::testing::ElementsAre("new", "slow", "fast"));
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

}  // namespace
}  // namespace arena
