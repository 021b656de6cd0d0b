#include "controller/scheduler/lease_table.h"

#include <gtest/gtest.h>

namespace arena {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1000000);

TEST(LeaseTable, AgentSilentPastItsLeaseWhileTheLoopRunsExpires) {
  LeaseTable leases(absl::Seconds(30), absl::Milliseconds(500));
  leases.Heard("agent-1", kStart);
  leases.Heard("agent-2", kStart);
  absl::Time now = kStart;
  for (int i = 0; i < 62; ++i) {  // 31 s of regular ticks
    now += absl::Milliseconds(500);
    EXPECT_EQ(leases.LoopRan(now), absl::ZeroDuration());
    if (i % 4 == 0) leases.Heard("agent-2", now);
  }
  auto expired = leases.Expired(now);
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].first, "agent-1");
  EXPECT_EQ(expired[0].second, absl::Seconds(31));
}

TEST(LeaseTable, TimeTheControllerWasNotRunningDoesNotCountAgainstAgents) {
  LeaseTable leases(absl::Seconds(30), absl::Milliseconds(500));
  leases.LoopRan(kStart);
  leases.Heard("agent-1", kStart);
  // The process was stopped for 40 s: the first tick after it sees the gap.
  absl::Time resumed = kStart + absl::Seconds(40);
  EXPECT_EQ(leases.LoopRan(resumed), absl::Seconds(40));
  EXPECT_TRUE(leases.Expired(resumed).empty());
  // The lease restarted when the controller ran again, not before.
  EXPECT_TRUE(leases.Expired(resumed + absl::Seconds(30)).empty());
  auto expired = leases.Expired(resumed + absl::Seconds(31));
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].second, absl::Seconds(31));
}

TEST(LeaseTable, ARestartGraceIsShorterThanALease) {
  LeaseTable leases(absl::Seconds(30), absl::Milliseconds(500));
  leases.Grant("agent-1", kStart, absl::Seconds(5));
  EXPECT_TRUE(leases.Expired(kStart + absl::Seconds(5)).empty());
  EXPECT_EQ(leases.Expired(kStart + absl::Seconds(6)).size(), 1u);
  leases.Forget("agent-1");
  EXPECT_TRUE(leases.Expired(kStart + absl::Seconds(60)).empty());
}

TEST(LeaseTable, ASlowTickUnderTwoIntervalsIsNotAPause) {
  LeaseTable leases(absl::Seconds(2), absl::Milliseconds(500));
  leases.LoopRan(kStart);
  leases.Heard("agent-1", kStart);
  EXPECT_EQ(leases.LoopRan(kStart + absl::Milliseconds(900)), absl::ZeroDuration());
  EXPECT_EQ(leases.LoopRan(kStart + absl::Milliseconds(1800)), absl::ZeroDuration());
  EXPECT_EQ(leases.LoopRan(kStart + absl::Milliseconds(2500)), absl::ZeroDuration());
  EXPECT_EQ(leases.Expired(kStart + absl::Milliseconds(2500)).size(), 1u);
}

}  // namespace
}  // namespace arena
