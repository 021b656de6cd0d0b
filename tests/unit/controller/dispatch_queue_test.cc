#include "controller/scheduler/dispatch_queue.h"

#include <gtest/gtest.h>

namespace arena {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1000000);

v1::Job Job(const std::string& id, int64_t queue_timeout_ms = 0) {
  v1::Job job;
  job.set_id(id);
  job.mutable_spec()->set_queue_timeout_ms(queue_timeout_ms);
  return job;
}

v1::Task Task(const std::string& id, const std::string& arch = "amd64", bool serial = false) {
  v1::Task task;
  task.set_id(id);
  task.set_arch(arch);
  task.set_serial(serial);
  return task;
}

AgentView Agent(const std::string& id, int credits, const std::string& arch = "amd64") {
  AgentView view;
  view.id = id;
  view.platforms = {{arch, false}};
  view.slots = 4;
  view.credits = credits;
  return view;
}

bool NothingRuns(const std::string&, const std::string&) { return false; }

// Dispatches onto `agents`, taking a credit per assignment; the task ids
// assigned, in order, as "TASK@AGENT".
std::vector<std::string> DispatchAll(DispatchQueue& queue, std::vector<AgentView>& agents,
                                     DispatchQueue::RunsFn runs = NothingRuns) {
  std::vector<const AgentView*> free;
  int credits = 0;
  for (const AgentView& a : agents) {
    free.push_back(&a);
    credits += a.credits;
  }
  std::vector<std::string> assigned;
  queue.Dispatch(free, credits, runs, [&](const QueuedTask& q, const Placement& p) {
    assigned.push_back(q.task_id + "@" + p.agent_id);
    for (AgentView& a : agents) {
      if (a.id == p.agent_id) --a.credits;
    }
    return true;
  });
  return assigned;
}

TEST(DispatchQueue, TasksArePlacedInQueueOrderWhileCreditsLast) {
  DispatchQueue queue;
  for (const char* id : {"t1", "t2", "t3"}) queue.Enqueue(Job("job-1"), Task(id), kStart);
  EXPECT_EQ(queue.depth(), (std::map<std::string, int>{{"amd64", 3}}));
  std::vector<AgentView> agents = {Agent("a", 2)};
  EXPECT_EQ(DispatchAll(queue, agents), (std::vector<std::string>{"t1@a", "t2@a"}));
  EXPECT_EQ(queue.size(), 1u);
  EXPECT_EQ(queue.depth(), (std::map<std::string, int>{{"amd64", 1}}));
}

TEST(DispatchQueue, ATaskNoAgentTakesKeepsItsPlaceAndLaterOnesGoAhead) {
  DispatchQueue queue;
  queue.Enqueue(Job("job-1"), Task("arm", "arm64"), kStart);
  queue.Enqueue(Job("job-1"), Task("x86"), kStart);
  std::vector<AgentView> agents = {Agent("a", 4)};
  EXPECT_EQ(DispatchAll(queue, agents), (std::vector<std::string>{"x86@a"}));
  EXPECT_EQ(queue.depth(), (std::map<std::string, int>{{"arm64", 1}}));
}

TEST(DispatchQueue, ATaskLeavesTheQueueEvenWhenItsAssignmentTakesNoCredit) {
  DispatchQueue queue;
  queue.Enqueue(Job("job-1"), Task("cancelled"), kStart);
  queue.Enqueue(Job("job-1"), Task("t2"), kStart);
  AgentView agent = Agent("a", 1);
  std::vector<std::string> seen;
  int taken = queue.Dispatch({&agent}, 1, NothingRuns, [&](const QueuedTask& q, const Placement&) {
    seen.push_back(q.task_id);
    return q.task_id != "cancelled";
  });
  EXPECT_EQ(seen, (std::vector<std::string>{"cancelled", "t2"}));
  EXPECT_EQ(taken, 1);
  EXPECT_EQ(queue.size(), 0u);
}

TEST(DispatchQueue, ASerialTaskWaitsForItsJobsParallelTasksQueuedOrRunning) {
  DispatchQueue queue;
  queue.Enqueue(Job("job-1"), Task("serial", "amd64", true), kStart);
  queue.Enqueue(Job("job-1"), Task("parallel"), kStart);
  queue.Enqueue(Job("job-2"), Task("other"), kStart);
  std::vector<AgentView> agents = {Agent("a", 1)};
  // The parallel task is queued behind it: it goes first.
  EXPECT_EQ(DispatchAll(queue, agents), (std::vector<std::string>{"parallel@a"}));
  agents[0].credits = 4;
  auto job1_runs = [](const std::string& job, const std::string& arch) {
    return job == "job-1" && arch == "amd64";
  };
  EXPECT_EQ(DispatchAll(queue, agents, job1_runs), (std::vector<std::string>{"other@a"}));
  EXPECT_EQ(DispatchAll(queue, agents), (std::vector<std::string>{"serial@a"}));
}

TEST(DispatchQueue, ARetryAvoidsTheAgentsWhereItFailed) {
  DispatchQueue queue;
  queue.Enqueue(Job("job-1"), Task("t1"), kStart, {"a"});
  std::vector<AgentView> agents = {Agent("a", 1), Agent("b", 1)};
  EXPECT_EQ(DispatchAll(queue, agents), (std::vector<std::string>{"t1@b"}));
}

TEST(DispatchQueue, TestsPreferAnAgentWithTheirWarmContainerUntilTheJobEnds) {
  DispatchQueue queue;
  queue.AddWarmContainer(WarmContainerKey("job-1", "amd64"), "b");
  queue.Enqueue(Job("job-1"), Task("t1"), kStart);
  // Without the warm container "a" would win (the smaller id).
  std::vector<AgentView> agents = {Agent("a", 1), Agent("b", 1)};
  EXPECT_EQ(DispatchAll(queue, agents), (std::vector<std::string>{"t1@b"}));
  auto ended = queue.EndWarmContainers("job-1", {"amd64", "arm64"});
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended[0].first, "job-1/amd64");
  EXPECT_EQ(ended[0].second, (std::set<std::string>{"b"}));
  EXPECT_TRUE(queue.EndWarmContainers("job-1", {"amd64"}).empty()) << "forgotten once ended";
}

TEST(DispatchQueue, TasksQueuedPastTheirTimeoutAreTakenOut) {
  DispatchQueue queue;
  queue.Enqueue(Job("job-short", 100), Task("short"), kStart);
  queue.Enqueue(Job("job-default"), Task("default"), kStart);  // one hour
  EXPECT_TRUE(queue.TakeTimedOut(kStart + absl::Milliseconds(100)).empty());
  std::vector<QueuedTask> out = queue.TakeTimedOut(kStart + absl::Minutes(59));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].task_id, "short");
  EXPECT_EQ(out[0].queue_timeout, absl::Milliseconds(100));
  EXPECT_EQ(queue.TakeTimedOut(kStart + absl::Minutes(61)).size(), 1u);
  EXPECT_TRUE(queue.depth().empty());
}

TEST(DispatchQueue, RemovingAJobDropsOnlyItsTasksAndTheirCounts) {
  DispatchQueue queue;
  queue.Enqueue(Job("job-1"), Task("t1", "arm64"), kStart);
  queue.Enqueue(Job("job-2"), Task("t2"), kStart);
  queue.RemoveJob("job-1");
  EXPECT_EQ(queue.size(), 1u);
  EXPECT_EQ(queue.depth(), (std::map<std::string, int>{{"amd64", 1}}));
}

}  // namespace
}  // namespace arena
