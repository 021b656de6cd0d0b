#include "controller/scheduler/dispatch_queue.h"

#include <gtest/gtest.h>

#include <algorithm>

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

int FourSlots(const TaskNeeds&) { return 4; }

// A job whose test command runs batches ("{tests}").
v1::Job BatchJob(const std::string& id) {
  v1::Job job = Job(id);
  job.mutable_spec()->set_test_command("pytest {tests}");
  return job;
}

v1::Task TestTask(const std::string& id, const std::string& test_id) {
  v1::Task task = Task(id);
  task.set_kind(v1::TASK_KIND_TEST);
  task.set_test_id(test_id);
  return task;
}

// Dispatches onto `agents`, taking a credit per assignment; the task ids
// assigned, in order, as "TASK@AGENT".
// A batch shows as "TASK+MATE+MATE@AGENT".
std::vector<std::string> DispatchAll(DispatchQueue& queue, std::vector<AgentView>& agents,
                                     DispatchQueue::RunsFn runs = NothingRuns,
                                     DispatchQueue::SlotsFn slots = FourSlots) {
  std::vector<const AgentView*> free;
  int credits = 0;
  for (const AgentView& a : agents) {
    free.push_back(&a);
    credits += a.credits;
  }
  std::vector<std::string> assigned;
  queue.Dispatch(
      free, credits, runs,
      [&](const QueuedTask& q, const std::vector<const QueuedTask*>& mates, const Placement& p) {
        std::string batch = q.task_id;
        for (const QueuedTask* mate : mates) batch += "+" + mate->task_id;
        assigned.push_back(batch + "@" + p.agent_id);
        for (AgentView& a : agents) {
          if (a.id == p.agent_id) --a.credits;
        }
        return true;
      },
      slots);
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
  int taken = queue.Dispatch(
      {&agent}, 1, NothingRuns,
      [&](const QueuedTask& q, const std::vector<const QueuedTask*>&, const Placement&) {
        seen.push_back(q.task_id);
        return q.task_id != "cancelled";
      },
      FourSlots);
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

// The sizes of the batches 16 tests of `work_ms` each make on one agent of
// 2 slots, taken one at a time.
std::vector<size_t> BatchSizes(int64_t work_ms) {
  DispatchQueue queue;
  for (int i = 0; i < 16; ++i) {
    std::string n = std::to_string(i);
    queue.Enqueue(BatchJob("job-1"), TestTask("t" + n, "test_" + n), kStart, {}, work_ms);
  }
  std::vector<AgentView> agents = {Agent("a", 1)};
  auto two_slots = [](const TaskNeeds&) { return 2; };
  std::vector<size_t> sizes;
  while (queue.size() > 0 && sizes.size() < 20) {
    agents[0].credits = 1;
    std::vector<std::string> batch = DispatchAll(queue, agents, NothingRuns, two_slots);
    if (batch.size() != 1u) break;
    sizes.push_back(std::count(batch[0].begin(), batch[0].end(), '+') + 1);
  }
  EXPECT_TRUE(queue.depth().empty());
  return sizes;
}

TEST(DispatchQueue, BatchesStartLargeAndShrinkTowardTheEnd) {
  // Without history: a batch holds about the remaining tests over
  // kBatchFactor * 2 slots, never less than one test.
  EXPECT_EQ(BatchSizes(kUnknownWork), (std::vector<size_t>{4, 3, 3, 2, 1, 1, 1, 1}));
}

TEST(DispatchQueue, WithHistoryABatchHoldsAtLeastTheMinimumWork) {
  // Tests of 1 s: the same shrinking, down to kMinBatchWorkMs (2 s).
  EXPECT_EQ(BatchSizes(1000), (std::vector<size_t>{4, 3, 3, 2, 2, 2}));
  // Tests of 100 ms: 1.6 s in all, one batch; tests that took no
  // measurable time are timed too (not weighed as unknown ones).
  EXPECT_EQ(BatchSizes(100), (std::vector<size_t>{16}));
  EXPECT_EQ(BatchSizes(0), (std::vector<size_t>{16}));
}

TEST(DispatchQueue, ABatchTakesOnlyItsJobsBatchableTestsOnItsArchitecture) {
  DispatchQueue queue;
  v1::Job job = BatchJob("job-1");
  job.mutable_spec()->add_destructive_tests("test_d");
  queue.Enqueue(job, TestTask("t1", "test_1"), kStart, {}, 100);
  queue.Enqueue(Job("job-2"), TestTask("other", "test_x"), kStart, {}, 100);       // {test} job
  queue.Enqueue(job, TestTask("d", "test_d"), kStart, {}, 100);                    // destructive
  queue.Enqueue(job, TestTask("alone", "test_a"), kStart, {}, 100, {"att-1", 1});  // held alone
  queue.Enqueue(job, TestTask("avoid", "test_v"), kStart, {"a"}, 100);             // failed on a
  v1::Task arm = TestTask("arm", "test_arm");
  arm.set_arch("arm64");
  queue.Enqueue(job, arm, kStart, {}, 100);
  queue.Enqueue(job, TestTask("t2", "test_2"), kStart, {}, 100);
  std::vector<AgentView> agents = {Agent("a", 1)};
  auto one_slot = [](const TaskNeeds&) { return 1; };
  EXPECT_EQ(DispatchAll(queue, agents, NothingRuns, one_slot),
            (std::vector<std::string>{"t1+t2@a"}));
  EXPECT_EQ(queue.depth(), (std::map<std::string, int>{{"amd64", 4}, {"arm64", 1}}));
  agents[0].credits = 4;
  EXPECT_EQ(DispatchAll(queue, agents, NothingRuns, one_slot),
            (std::vector<std::string>{"other@a", "d@a", "alone@a", "avoid@a"}));
}

TEST(DispatchQueue, ASplitBatchsTestsGoOnlyWithEachOtherAtMostItsMaxTests) {
  DispatchQueue queue;
  v1::Job job = BatchJob("job-1");
  queue.Enqueue(job, TestTask("s1", "test_s1"), kStart, {}, 1, {"att-1", 2});
  queue.Enqueue(job, TestTask("f1", "test_f1"), kStart, {}, 1);
  queue.Enqueue(job, TestTask("s2", "test_s2"), kStart, {}, 1, {"att-1", 2});
  queue.Enqueue(job, TestTask("o1", "test_o1"), kStart, {}, 1, {"att-9", 2});  // another batch's
  queue.Enqueue(job, TestTask("s3", "test_s3"), kStart, {}, 1, {"att-1", 2});
  queue.Enqueue(job, TestTask("f2", "test_f2"), kStart, {}, 1);
  std::vector<AgentView> agents = {Agent("a", 3)};
  // By work alone these would make one batch; a split goes by its count.
  auto one_slot = [](const TaskNeeds&) { return 1; };
  EXPECT_EQ(DispatchAll(queue, agents, NothingRuns, one_slot),
            (std::vector<std::string>{"s1+s2@a", "f1+f2@a", "o1@a"}));
  agents[0].credits = 1;
  EXPECT_EQ(DispatchAll(queue, agents, NothingRuns, one_slot), (std::vector<std::string>{"s3@a"}));
}

TEST(DispatchQueue, TheTasksABatchLeavesBehindKeepTheirOrder) {
  // x0 waits for an arm64 agent; t1, t3 and t4 go as one batch from
  // the front half of the queue, y2 and y5..y9 keep their order behind x0.
  DispatchQueue queue;
  v1::Task arm = Task("x0", "arm64");
  queue.Enqueue(Job("job-2"), arm, kStart);
  queue.Enqueue(BatchJob("job-1"), TestTask("t1", "test_1"), kStart, {}, 1);
  queue.Enqueue(Job("job-2"), Task("y2"), kStart);
  queue.Enqueue(BatchJob("job-1"), TestTask("t3", "test_3"), kStart, {}, 1);
  queue.Enqueue(BatchJob("job-1"), TestTask("t4", "test_4"), kStart, {}, 1);
  for (const char* id : {"y5", "y6", "y7", "y8", "y9"})
    queue.Enqueue(Job("job-2"), Task(id), kStart);
  std::vector<AgentView> agents = {Agent("a", 1)};
  EXPECT_EQ(DispatchAll(queue, agents), (std::vector<std::string>{"t1+t3+t4@a"}));
  EXPECT_EQ(queue.depth(), (std::map<std::string, int>{{"amd64", 6}, {"arm64", 1}}));
  agents[0].credits = 10;
  EXPECT_EQ(DispatchAll(queue, agents),
            (std::vector<std::string>{"y2@a", "y5@a", "y6@a", "y7@a", "y8@a", "y9@a"}));
  agents.push_back(Agent("b", 1, "arm64"));
  EXPECT_EQ(DispatchAll(queue, agents), (std::vector<std::string>{"x0@b"}));
  EXPECT_EQ(queue.size(), 0u);
}

TEST(DispatchQueue, AFailedAssignmentLeavesTheMatesQueued) {
  DispatchQueue queue;
  for (const char* id : {"gone", "t2", "t3"}) {
    queue.Enqueue(BatchJob("job-1"), TestTask(id, id), kStart);
  }
  AgentView agent = Agent("a", 1);
  std::vector<std::string> seen;
  queue.Dispatch(
      {&agent}, 1, NothingRuns,
      [&](const QueuedTask& q, const std::vector<const QueuedTask*>& mates, const Placement&) {
        seen.push_back(q.task_id + "/" + std::to_string(mates.size()));
        return q.task_id != "gone";
      },
      [](const TaskNeeds&) { return 1; });
  // "gone" took no credit; its mate stayed and led the next (smaller) batch.
  EXPECT_EQ(seen, (std::vector<std::string>{"gone/1", "t2/0"}));
  EXPECT_EQ(queue.size(), 1u);
}

}  // namespace
}  // namespace arena
