#include "controller/results/timeline.h"

#include <string>
#include <tuple>
#include <vector>

#include "gtest/gtest.h"

namespace arena {
namespace {

v1::Attempt* AddAttempt(v1::Task* task, const std::string& id, const std::string& agent,
                        int64_t start, int64_t end, v1::State state = v1::PASSED) {
  v1::Attempt* a = task->add_attempts();
  a->set_id(id);
  a->set_agent_id(agent);
  a->set_started_unix_ms(start);
  a->set_finished_unix_ms(end);
  a->set_state(state);
  return a;
}

v1::Task* AddTest(v1::Job* job, const std::string& test_id) {
  v1::Task* t = job->add_tasks();
  t->set_id("task-" + test_id);
  t->set_kind(v1::TASK_KIND_TEST);
  t->set_test_id(test_id);
  t->set_arch("amd64");
  return t;
}

// (agent, lane, name, attempt number) of each bar, in the timeline's order.
std::vector<std::tuple<std::string, int, std::string, int>> Bars(const v1::Timeline& t) {
  std::vector<std::tuple<std::string, int, std::string, int>> out;
  for (const v1::TimelineBar& b : t.bars()) {
    out.emplace_back(b.agent_id(), b.lane(), b.name(), b.attempt_number());
  }
  return out;
}

TEST(TimelineTest, OverlappingAttemptsOfAnAgentGetTheFewestLanes) {
  v1::Job job;
  job.set_id("job-1");
  AddAttempt(AddTest(&job, "long"), "a1", "agent-a", 1000, 11000);
  AddAttempt(AddTest(&job, "short"), "a2", "agent-a", 1000, 6000);
  // Starts when "short" ended: its lane again, not a third one.
  AddAttempt(AddTest(&job, "after"), "a3", "agent-a", 6000, 9000);
  AddAttempt(AddTest(&job, "elsewhere"), "a4", "agent-b", 2000, 3000);
  v1::Timeline t = BuildTimeline(job);
  using Bar = std::tuple<std::string, int, std::string, int>;
  EXPECT_EQ(Bars(t), (std::vector<Bar>{{"agent-a", 0, "long", 1},
                                       {"agent-a", 1, "short", 1},
                                       {"agent-a", 1, "after", 1},
                                       {"agent-b", 0, "elsewhere", 1}}));
  EXPECT_EQ(t.lanes(), 3);
  EXPECT_EQ(t.job_id(), "job-1");
}

TEST(TimelineTest, RerunsAreNumberedBatchMembersShareTheirLeadersLaneAndUnstartedAreLeftOut) {
  v1::Job job;
  v1::Task* flaky = AddTest(&job, "flaky");
  AddAttempt(flaky, "f1", "agent-a", 1000, 2000, v1::FAILED);
  AddAttempt(flaky, "f2", "agent-a", 2500, 3000);
  AddAttempt(AddTest(&job, "busy"), "b1", "agent-a", 1500, 0, v1::RUNNING);  // still running
  // A batch (lead and member) takes lane 0, free again while "busy" holds 1.
  AddAttempt(AddTest(&job, "lead"), "l1", "agent-a", 2100, 2400);
  AddAttempt(AddTest(&job, "member"), "m1", "agent-a", 2100, 2400)->set_batch_attempt_id("l1");
  AddAttempt(AddTest(&job, "queued"), "q1", "", 0, 0, v1::QUEUED);
  v1::Timeline t = BuildTimeline(job);
  using Bar = std::tuple<std::string, int, std::string, int>;
  EXPECT_EQ(Bars(t), (std::vector<Bar>{{"agent-a", 0, "flaky", 1},
                                       {"agent-a", 0, "lead", 1},
                                       {"agent-a", 0, "member", 1},
                                       {"agent-a", 0, "flaky", 2},
                                       {"agent-a", 1, "busy", 1}}));
  EXPECT_EQ(t.bars(2).batch_attempt_id(), "l1");
  EXPECT_EQ(t.bars(3).state(), v1::PASSED);
  EXPECT_EQ(t.bars(4).finished_unix_ms(), 0);
  EXPECT_EQ(t.lanes(), 2);
}

TEST(TimelineTest, SuitesListsAndCommandsAreNamedByWhatTheyRan) {
  v1::Job job;
  v1::Task* list = job.add_tasks();
  list->set_kind(v1::TASK_KIND_LIST);
  AddAttempt(list, "x1", "agent-a", 1, 2);
  v1::Task* suite = job.add_tasks();
  suite->set_kind(v1::TASK_KIND_SUITE);
  suite->set_suite("unit");
  AddAttempt(suite, "x2", "agent-a", 3, 4);
  v1::Task* command = job.add_tasks();
  AddAttempt(command, "x3", "agent-a", 5, 6);
  v1::Timeline t = BuildTimeline(job);
  ASSERT_EQ(t.bars_size(), 3);
  EXPECT_EQ(t.bars(0).name(), "list");
  EXPECT_EQ(t.bars(1).name(), "unit");
  EXPECT_EQ(t.bars(2).name(), "command");
  EXPECT_EQ(t.lanes(), 1);
}

}  // namespace
}  // namespace arena
