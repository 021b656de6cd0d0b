#include "controller/scheduler/retry_policy.h"

#include <gtest/gtest.h>

namespace arena {
namespace {

// A task whose attempts ended in `states`, on agents agent-1, agent-2, ...
v1::Task TaskWith(std::vector<v1::State> states, v1::TaskKind kind = v1::TASK_KIND_COMMAND) {
  v1::Task task;
  task.set_kind(kind);
  int n = 0;
  for (v1::State state : states) {
    v1::Attempt* attempt = task.add_attempts();
    attempt->set_id("att-" + std::to_string(++n));
    attempt->set_agent_id("agent-" + std::to_string(n));
    attempt->set_state(state);
  }
  return task;
}

AttemptResult Ended(v1::State state, std::string reason = "why") {
  AttemptResult result;
  result.state = state;
  result.reason = std::move(reason);
  return result;
}

v1::JobSpec Spec(int retries, int reruns = 0, bool retry_test_failures = false) {
  v1::JobSpec spec;
  spec.set_retries(retries);
  spec.set_reruns(reruns);
  spec.set_retry_test_failures(retry_test_failures);
  return spec;
}

TEST(DecideRetry, APassFinishesThePassedTask) {
  RetryDecision d = DecideRetry(TaskWith({v1::PASSED}), Ended(v1::PASSED, "ok"), Spec(3), {});
  EXPECT_FALSE(d.retry);
  EXPECT_EQ(d.state, v1::PASSED);
  EXPECT_EQ(d.reason, "ok");
  EXPECT_FALSE(d.flaky);
  EXPECT_FALSE(d.quarantined);
  EXPECT_FALSE(d.expand_tests);
}

TEST(DecideRetry, AnInfrastructureErrorIsRetriedOnAnotherAgentUntilRetriesAreUsedUp) {
  RetryDecision first =
      DecideRetry(TaskWith({v1::ERROR}), Ended(v1::ERROR, "dockerd gone"), Spec(1), {});
  EXPECT_TRUE(first.retry);
  EXPECT_EQ(first.state, v1::QUEUED);
  EXPECT_EQ(first.reason, "retrying after attempt 1 ended error: dockerd gone");
  EXPECT_EQ(first.avoid, (std::set<std::string>{"agent-1"}));

  RetryDecision last =
      DecideRetry(TaskWith({v1::ERROR, v1::ERROR}), Ended(v1::ERROR, "dockerd gone"), Spec(1), {});
  EXPECT_FALSE(last.retry);
  EXPECT_EQ(last.state, v1::ERROR);
  EXPECT_EQ(last.reason, "dockerd gone");
}

TEST(DecideRetry, APermanentErrorIsNotRetried) {
  AttemptResult refused = Ended(v1::ERROR, "registry refused the credentials");
  refused.permanent = true;
  RetryDecision d = DecideRetry(TaskWith({v1::ERROR}), refused, Spec(5), {});
  EXPECT_FALSE(d.retry);
  EXPECT_EQ(d.state, v1::ERROR);
}

TEST(DecideRetry, ALostAttemptWithoutRetriesLeftEndsTheTaskAsAnError) {
  RetryDecision d = DecideRetry(TaskWith({v1::LOST}), Ended(v1::LOST, "silent"), Spec(0), {});
  EXPECT_FALSE(d.retry);
  EXPECT_EQ(d.state, v1::ERROR);
  EXPECT_EQ(d.reason, "agent lost: silent");
}

TEST(DecideRetry, TestFailuresDoNotUseRetriesUnlessTheJobSaysSo) {
  v1::Task failed = TaskWith({v1::FAILED});
  RetryDecision plain = DecideRetry(failed, Ended(v1::FAILED, "exit 1"), Spec(2), {});
  EXPECT_FALSE(plain.retry);
  EXPECT_EQ(plain.state, v1::FAILED);
  RetryDecision asked = DecideRetry(failed, Ended(v1::FAILED, "exit 1"),
                                    Spec(2, 0, /*retry_test_failures=*/true), {});
  EXPECT_TRUE(asked.retry);
  EXPECT_EQ(asked.reason, "rerunning after attempt 1 ended failed: exit 1");
}

TEST(DecideRetry, TestFailuresAreRerunUpToTheJobsReruns) {
  v1::JobSpec spec = Spec(0, /*reruns=*/1);
  EXPECT_TRUE(DecideRetry(TaskWith({v1::TIMED_OUT}), Ended(v1::TIMED_OUT), spec, {}).retry);
  RetryDecision d = DecideRetry(TaskWith({v1::TIMED_OUT, v1::FAILED}), Ended(v1::FAILED), spec, {});
  EXPECT_FALSE(d.retry);
  EXPECT_EQ(d.state, v1::FAILED);
}

TEST(DecideRetry, APassAfterFailuresIsFlakyAndFailsWhenTheJobCountsFlakyAsFailed) {
  v1::Task task = TaskWith({v1::FAILED, v1::PASSED});
  v1::JobSpec spec = Spec(0, 1);
  RetryDecision d = DecideRetry(task, Ended(v1::PASSED), spec, {});
  EXPECT_FALSE(d.retry);
  EXPECT_EQ(d.state, v1::PASSED);
  EXPECT_TRUE(d.flaky);
  EXPECT_EQ(d.reason, "flaky: passed on attempt 2 after 1 failed");

  spec.set_flaky_fails(true);
  d = DecideRetry(task, Ended(v1::PASSED), spec, {});
  EXPECT_EQ(d.state, v1::FAILED);
  EXPECT_TRUE(d.flaky);
  EXPECT_EQ(d.reason, "flaky: passed on attempt 2 after 1 failed (the job counts flaky as failed)");
}

TEST(DecideRetry, AFailureOfOnlyQuarantinedTestsFinishesQuarantinedWithoutARerun) {
  v1::Task test = TaskWith({v1::FAILED}, v1::TASK_KIND_TEST);
  test.set_test_id("t.flaky");
  RetryDecision d =
      DecideRetry(test, Ended(v1::FAILED, "exit 1"), Spec(0, 3), {"t.flaky", "other"});
  EXPECT_FALSE(d.retry);
  EXPECT_TRUE(d.quarantined);
  EXPECT_EQ(d.state, v1::FAILED);
  EXPECT_EQ(d.reason, "exit 1 (only quarantined tests failed)");

  v1::Task suite = TaskWith({v1::FAILED}, v1::TASK_KIND_SUITE);
  AttemptResult result = Ended(v1::FAILED);
  result.failed_keys = {"t.flaky"};
  EXPECT_TRUE(DecideRetry(suite, result, Spec(0), {"t.flaky"}).quarantined);
  result.failed_keys.push_back("t.solid");
  RetryDecision mixed = DecideRetry(suite, result, Spec(0, 1), {"t.flaky"});
  EXPECT_FALSE(mixed.quarantined);
  EXPECT_TRUE(mixed.retry);
  // A suite whose reports name no failed test is not "only quarantined".
  EXPECT_FALSE(DecideRetry(suite, Ended(v1::FAILED), Spec(0), {"t.flaky"}).quarantined);
}

TEST(DecideRetry, APassedListTaskExpandsItsTestsButAFlakyOneDoesNot) {
  RetryDecision d =
      DecideRetry(TaskWith({v1::PASSED}, v1::TASK_KIND_LIST), Ended(v1::PASSED), Spec(0), {});
  EXPECT_TRUE(d.expand_tests);
  EXPECT_EQ(d.state, v1::PASSED);
  RetryDecision flaky = DecideRetry(TaskWith({v1::FAILED, v1::PASSED}, v1::TASK_KIND_LIST),
                                    Ended(v1::PASSED), Spec(0, 1), {});
  EXPECT_FALSE(flaky.expand_tests);
  EXPECT_TRUE(flaky.flaky);
}

TEST(BatchTestResult, EachTestEndsByItsOwnResultInTheBatch) {
  AttemptResult run = Ended(v1::FAILED, "exit code 1");
  bool unreported = true;
  std::string passed = "passed";
  AttemptResult ok = BatchTestResult(run, &passed, "t1", "att-1", 3, &unreported);
  EXPECT_EQ(ok.state, v1::PASSED);  // the run failed by another test
  EXPECT_FALSE(unreported);
  std::string failed = "failed";
  AttemptResult bad = BatchTestResult(run, &failed, "t2", "att-1", 3, &unreported);
  EXPECT_EQ(bad.state, v1::FAILED);
  EXPECT_EQ(bad.reason, "failed in its batch of 3 (attempt att-1 ended failed)");
  EXPECT_EQ(bad.failed_keys, (std::vector<std::string>{"t2"}));
  std::string skipped = "skipped";
  EXPECT_EQ(BatchTestResult(run, &skipped, "t3", "att-1", 3, &unreported).state, v1::PASSED);
}

TEST(BatchTestResult, ATestWithoutAResultRunsAgainInAHalfAsLargeBatchThenAlone) {
  bool unreported = false;
  AttemptResult crashed = BatchTestResult(Ended(v1::TIMED_OUT, "timed out after 1m"), nullptr, "t2",
                                          "att-1", 3, &unreported);
  EXPECT_TRUE(unreported);
  EXPECT_EQ(crashed.state, v1::ERROR);
  EXPECT_EQ(crashed.reason,
            "no result in its batch of 3 (attempt att-1 ended timed_out: timed out after 1m)");
  RetryDecision decision = SplitBatch(crashed, HalveBatch("att-1", 3));
  EXPECT_TRUE(decision.retry);
  EXPECT_EQ(decision.split.of, "att-1");
  EXPECT_EQ(decision.split.max_tests, 2);
  EXPECT_EQ(decision.state, v1::QUEUED);
  EXPECT_EQ(decision.reason.rfind("running in a batch of at most 2 after no result", 0), 0u);
  EXPECT_EQ(HalveBatch("att-1", 1000).max_tests, 500);
  RetryDecision alone = SplitBatch(crashed, HalveBatch("att-1", 1));
  EXPECT_EQ(alone.split.max_tests, 1);
  EXPECT_EQ(alone.reason.rfind("running alone after no result", 0), 0u);
  // DecideRetry itself never asks for it.
  v1::JobSpec spec;
  spec.set_retries(1);
  EXPECT_EQ(DecideRetry(TaskWith({v1::ERROR}), Ended(v1::ERROR), spec, {}).split.max_tests, 0);
}

TEST(BatchTestResult, ATestOverItsTestTimeoutInABatchThatEndedTimesOut) {
  AttemptResult run = Ended(v1::PASSED);
  bool unreported = true;
  std::string passed = "passed";
  AttemptResult slow = BatchTestResult(run, &passed, "t1", "att-1", 3, &unreported, 3500, 2000);
  EXPECT_EQ(slow.state, v1::TIMED_OUT);
  EXPECT_EQ(slow.reason,
            "took 3.5s in its batch of 3 (attempt att-1 ended passed), over its 2s test timeout");
  EXPECT_EQ(slow.failed_keys, (std::vector<std::string>{"t1"}));
  EXPECT_FALSE(unreported);
  EXPECT_EQ(BatchTestResult(run, &passed, "t2", "att-1", 3, &unreported, 2000, 2000).state,
            v1::PASSED)
      << "at its limit";
  EXPECT_EQ(BatchTestResult(run, &passed, "t3", "att-1", 3, &unreported, 9000, 0).state, v1::PASSED)
      << "no test timeout";
  std::string skipped = "skipped";
  EXPECT_EQ(BatchTestResult(run, &skipped, "t4", "att-1", 3, &unreported, 9000, 2000).state,
            v1::PASSED);
}

TEST(BatchTestResult, ARunThatBrokeEndsEveryTestSo) {
  bool unreported = true;
  std::string passed = "passed";
  AttemptResult lost =
      BatchTestResult(Ended(v1::LOST, "agent silent"), &passed, "t1", "att-1", 2, &unreported);
  EXPECT_EQ(lost.state, v1::LOST);
  EXPECT_EQ(lost.reason, "agent silent");
  EXPECT_FALSE(unreported);
  AttemptResult unusable =
      BatchTestResult(Ended(v1::ERROR, "JUnit report unusable: r.xml: not XML"), nullptr, "t1",
                      "att-1", 2, &unreported);
  EXPECT_EQ(unusable.state, v1::ERROR);
  EXPECT_FALSE(unreported);
}

}  // namespace
}  // namespace arena
