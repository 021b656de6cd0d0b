#include "agent/executor/warm_containers.h"

#include <gtest/gtest.h>

namespace arena {
namespace {

WarmContainer Warm(const std::string& key, const std::string& image, const std::string& id) {
  WarmContainer warm;
  warm.key = key;
  warm.image = image;
  warm.container_id = id;
  return warm;
}

TEST(WarmContainerPool, LendsAnIdleContainerOfTheSameKeyAndImageOneTestAtATime) {
  WarmContainerPool pool(absl::Minutes(1));
  absl::Time t0 = absl::FromUnixSeconds(1000);
  EXPECT_FALSE(pool.Acquire("job-1/amd64", "busybox").has_value());
  pool.Add(Warm("job-1/amd64", "busybox", "c1"));
  EXPECT_FALSE(pool.Acquire("job-1/amd64", "busybox").has_value());  // busy
  EXPECT_FALSE(pool.Release("c1", /*keep=*/true, t0));
  EXPECT_FALSE(pool.Acquire("job-1/amd64", "alpine").has_value());
  EXPECT_FALSE(pool.Acquire("job-2/amd64", "busybox").has_value());
  std::optional<WarmContainer> lent = pool.Acquire("job-1/amd64", "busybox");
  ASSERT_TRUE(lent.has_value());
  EXPECT_EQ(lent->container_id, "c1");
  EXPECT_TRUE(lent->busy);
  EXPECT_TRUE(pool.Release("c1", /*keep=*/false, t0));  // ended: the caller removes it
  EXPECT_EQ(pool.size(), 0);
  EXPECT_TRUE(pool.Release("c1", /*keep=*/true, t0));  // no longer in the pool: removed too
}

TEST(WarmContainerPool, HandsOverIdleContainersPastTheLimitOrOfAnEndedKey) {
  WarmContainerPool pool(absl::Minutes(1));
  absl::Time t0 = absl::FromUnixSeconds(1000);
  pool.Add(Warm("k1", "busybox", "c1"));
  pool.Add(Warm("k1", "busybox", "c2"));
  pool.Add(Warm("k2", "busybox", "c3"));
  pool.Release("c1", true, t0);
  pool.Release("c3", true, t0 + absl::Seconds(50));
  EXPECT_TRUE(pool.TakeIdleTooLong(t0 + absl::Seconds(60)).empty());
  std::vector<WarmContainer> reaped = pool.TakeIdleTooLong(t0 + absl::Seconds(61));
  ASSERT_EQ(reaped.size(), 1u);
  EXPECT_EQ(reaped[0].container_id, "c1");
  int busy = -1;
  std::vector<WarmContainer> ended = pool.EndKey("k2", &busy);
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended[0].container_id, "c3");
  EXPECT_EQ(busy, 0);
  EXPECT_EQ(pool.TakeAll().size(), 1u);  // c2, busy or not
  EXPECT_EQ(pool.size(), 0);
}

TEST(WarmContainerPool, AContainerBusyWhenItsKeyEndsIsRemovedAtItsRelease) {
  WarmContainerPool pool(absl::Minutes(1));
  absl::Time t0 = absl::FromUnixSeconds(1000);
  pool.Add(Warm("k1", "busybox", "c1"));
  pool.Add(Warm("k1", "busybox", "c2"));
  pool.Add(Warm("k2", "busybox", "c3"));
  pool.Release("c2", true, t0);
  int busy = -1;
  std::vector<WarmContainer> ended = pool.EndKey("k1", &busy);
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended[0].container_id, "c2");
  EXPECT_EQ(busy, 1);                                   // c1, still running its test
  EXPECT_TRUE(pool.Release("c1", /*keep=*/true, t0));   // kept or not, it goes
  EXPECT_FALSE(pool.Release("c3", /*keep=*/true, t0));  // another key: it idles
  EXPECT_EQ(pool.size(), 1);
}

}  // namespace
}  // namespace arena
