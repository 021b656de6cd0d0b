#include "agent/health/health_monitor.h"

#include <gtest/gtest.h>

#include <atomic>

namespace arena {
namespace {

TEST(HealthMonitor, APassRecordsEveryFailingCheckInOrder) {
  std::string disk;
  HealthOptions options;
  options.checks = {[&disk] { return disk; }, [] { return std::string(); },
                    [] { return std::string("health command exited 1: no rig"); }};
  HealthMonitor monitor(options);
  EXPECT_TRUE(monitor.Current().healthy());  // no pass yet
  EXPECT_EQ(monitor.Current().checked_unix_ms(), 0);
  disk = "free disk 1 GiB < 2 GiB on /d";
  monitor.CheckNow();
  v1::AgentHealth health = monitor.Current();
  EXPECT_FALSE(health.healthy());
  ASSERT_EQ(health.problems_size(), 2);
  EXPECT_EQ(health.problems(0), "free disk 1 GiB < 2 GiB on /d");
  EXPECT_EQ(health.problems(1), "health command exited 1: no rig");
  EXPECT_GT(health.checked_unix_ms(), 0);
}

TEST(HealthMonitor, TellsTheListenerOnlyOfChanges) {
  std::string problem;
  HealthOptions options;
  options.checks = {[&problem] { return problem; }};
  HealthMonitor monitor(options);
  int told = 0;
  monitor.SetListener([&told] { ++told; });
  monitor.CheckNow();
  EXPECT_EQ(told, 0);  // healthy before and after
  problem = "dockerd does not answer at /s";
  monitor.CheckNow();
  monitor.CheckNow();
  EXPECT_EQ(told, 1);
  problem = "";
  monitor.CheckNow();
  EXPECT_EQ(told, 2);
  EXPECT_TRUE(monitor.Current().healthy());
  monitor.SetListener(nullptr);
  problem = "again";
  monitor.CheckNow();
  EXPECT_EQ(told, 2);
}

TEST(HealthMonitor, AFailedPostTaskHookStaysUntilItsRecheckSucceeds) {
  std::string recheck = "post-task hook exited 1: still broken";
  int rechecks = 0;
  HealthOptions options;
  options.post_task_recheck = [&] {
    ++rechecks;
    return recheck;
  };
  HealthMonitor monitor(options);
  monitor.CheckNow();
  EXPECT_EQ(rechecks, 0);  // nothing failed: the hook is not run by a pass
  monitor.HookFailed("post-task hook exited 1: rig jammed");
  EXPECT_FALSE(monitor.Current().healthy());
  EXPECT_EQ(monitor.Current().problems(0), "post-task hook exited 1: rig jammed");
  monitor.CheckNow();
  EXPECT_EQ(rechecks, 1);
  EXPECT_EQ(monitor.Current().problems(0), "post-task hook exited 1: still broken");
  recheck = "";
  monitor.CheckNow();
  EXPECT_TRUE(monitor.Current().healthy());
  monitor.CheckNow();
  EXPECT_EQ(rechecks, 2);
}

TEST(HealthMonitor, WithoutARecheckAFailedHookStaysUntilRestart) {
  HealthMonitor monitor(HealthOptions{});
  monitor.HookFailed("post-task hook timed out after 10m");
  monitor.CheckNow();
  EXPECT_FALSE(monitor.Current().healthy());
}

TEST(HealthMonitor, StartChecksAtOnceAndThenEveryInterval) {
  std::atomic<int> passes{0};
  HealthOptions options;
  options.interval = absl::Milliseconds(20);
  options.checks = {[&passes] {
    ++passes;
    return std::string();
  }};
  HealthMonitor monitor(options);
  monitor.Start();
  EXPECT_GE(passes.load(), 1);
  for (int i = 0; i < 200 && passes.load() < 3; ++i) absl::SleepFor(absl::Milliseconds(10));
  EXPECT_GE(passes.load(), 3);
}

}  // namespace
}  // namespace arena
