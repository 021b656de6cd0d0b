#include "common/backoff.h"

#include <gtest/gtest.h>

#include <vector>

namespace arena {
namespace {

BackoffPolicy Policy() {
  BackoffPolicy policy;
  policy.initial = absl::Milliseconds(100);
  policy.max = absl::Seconds(2);
  policy.multiplier = 2.0;
  policy.jitter = 0.5;
  policy.healthy_after = absl::Seconds(30);
  return policy;
}

TEST(Backoff, DoublesUpToTheCapWithoutJitterAtZero) {
  Backoff backoff(Policy(), [] { return 0.0; });
  std::vector<absl::Duration> delays;
  for (int i = 0; i < 8; ++i) delays.push_back(backoff.Next());
  EXPECT_EQ(delays[0], absl::Milliseconds(100));
  EXPECT_EQ(delays[1], absl::Milliseconds(200));
  EXPECT_EQ(delays[2], absl::Milliseconds(400));
  EXPECT_EQ(delays[4], absl::Milliseconds(1600));
  EXPECT_EQ(delays[5], absl::Seconds(2));
  EXPECT_EQ(delays[7], absl::Seconds(2));
}

TEST(Backoff, JitterDrawsFromTheUpperPartOfTheBase) {
  double next = 0.999;
  Backoff backoff(Policy(), [&next] { return next; });
  absl::Duration low = backoff.Next();
  EXPECT_GT(low, absl::Milliseconds(50));
  EXPECT_LE(low, absl::Milliseconds(51));
  next = 0.5;
  EXPECT_EQ(backoff.Next(), absl::Milliseconds(150));  // base 200 ms, 3/4 of it
}

TEST(Backoff, EveryDelayLiesWithinHalfAndAllOfTheBase) {
  int calls = 0;
  Backoff backoff(Policy(), [&calls] { return (calls++ % 10) / 10.0; });
  for (int i = 0; i < 50; ++i) {
    absl::Duration base = backoff.base();
    absl::Duration delay = backoff.Next();
    EXPECT_GE(delay, base / 2);
    EXPECT_LE(delay, base);
  }
}

TEST(Backoff, AShortLivedConnectionKeepsGrowingTheDelay) {
  Backoff backoff(Policy(), [] { return 0.0; });
  backoff.Next();
  backoff.Next();
  backoff.ConnectionEnded(absl::Seconds(1));  // accepted, then dropped at once
  EXPECT_EQ(backoff.Next(), absl::Milliseconds(400));
}

TEST(Backoff, AHealthyConnectionStartsOverFromTheInitialDelay) {
  Backoff backoff(Policy(), [] { return 0.0; });
  for (int i = 0; i < 6; ++i) backoff.Next();
  backoff.ConnectionEnded(absl::Seconds(30));
  EXPECT_EQ(backoff.Next(), absl::Milliseconds(100));
}

TEST(Backoff, RandomSourceOutOfRangeIsClamped) {
  Backoff backoff(Policy(), [] { return 7.0; });
  EXPECT_EQ(backoff.Next(), absl::Milliseconds(50));
}

TEST(Backoff, DefaultRandomSourceStaysInBounds) {
  Backoff backoff(Policy());
  for (int i = 0; i < 20; ++i) {
    absl::Duration base = backoff.base();
    absl::Duration delay = backoff.Next();
    EXPECT_GE(delay, base / 2);
    EXPECT_LE(delay, base);
  }
}

}  // namespace
}  // namespace arena
