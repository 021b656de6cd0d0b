#include "controller/store/read_cache.h"

#include <gtest/gtest.h>

#include <string>

namespace arena {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1'800'000'000);

class ReadCacheTest : public ::testing::Test {
 protected:
  // Reads (group, key) through the cache; `loads_` counts the loads.
  absl::StatusOr<std::string> Read(const std::string& group, const std::string& key, absl::Time now,
                                   bool keep = true) {
    return cache_.GetOrLoad(
        group, key, now,
        [&]() -> absl::StatusOr<std::string> {
          ++loads_;
          return absl::StrCat(group, "/", key, "#", loads_);
        },
        [keep](const std::string&) { return keep; });
  }

  ReadCache<std::string> cache_{ReadCacheOptions{4, absl::Seconds(10)}};
  int loads_ = 0;
};

TEST_F(ReadCacheTest, KeepsAReadUntilItsGroupIsWritten) {
  EXPECT_EQ(*Read("job-a", "p0", kStart), "job-a/p0#1");
  EXPECT_EQ(*Read("job-a", "p0", kStart + absl::Seconds(1)), "job-a/p0#1");
  EXPECT_EQ(*Read("job-a", "p1", kStart), "job-a/p1#2");  // another key loads
  EXPECT_EQ(loads_, 2);
  cache_.Invalidate("job-b");  // another group: nothing changes
  EXPECT_EQ(*Read("job-a", "p0", kStart), "job-a/p0#1");
  cache_.Invalidate("job-a");  // both keys of the group go
  EXPECT_EQ(cache_.size(), 0u);
  EXPECT_EQ(*Read("job-a", "p0", kStart), "job-a/p0#3");
  EXPECT_EQ(*Read("job-a", "p1", kStart), "job-a/p1#4");
}

TEST_F(ReadCacheTest, AReadUnderWayWhenItsGroupIsWrittenKeepsNothing) {
  // The load sees the record before a write; the write's invalidation
  // arrives before the load returns: what it read must not be kept.
  absl::StatusOr<std::string> stale = cache_.GetOrLoad(
      "job-a", "p0", kStart,
      [&]() -> absl::StatusOr<std::string> {
        cache_.Invalidate("job-a");
        return std::string("before the write");
      },
      [](const std::string&) { return true; });
  EXPECT_EQ(*stale, "before the write");
  EXPECT_EQ(cache_.size(), 0u);
  EXPECT_EQ(*Read("job-a", "p0", kStart), "job-a/p0#1");
  EXPECT_EQ(*Read("job-a", "p0", kStart), "job-a/p0#1");
}

TEST_F(ReadCacheTest, AnInvalidationBeforeAReadStartedDoesNotStopItsKeeping) {
  // A second read starts after an invalidation that hit the first one: it
  // read the written record and may keep it; the first may not.
  absl::StatusOr<std::string> outer = cache_.GetOrLoad(
      "job-a", "p0", kStart,
      [&]() -> absl::StatusOr<std::string> {
        cache_.Invalidate("job-a");
        EXPECT_EQ(*Read("job-a", "p0", kStart), "job-a/p0#1");
        return std::string("outer, stale");
      },
      [](const std::string&) { return true; });
  EXPECT_EQ(*outer, "outer, stale");
  EXPECT_EQ(*Read("job-a", "p0", kStart), "job-a/p0#1");
  EXPECT_EQ(loads_, 1);
}

TEST_F(ReadCacheTest, InvalidateAllReachesEveryGroupAndReadsUnderWay) {
  (void)Read("job-a", "p0", kStart);
  (void)Read("job-b", "p0", kStart);
  absl::StatusOr<std::string> during = cache_.GetOrLoad(
      "job-c", "p0", kStart,
      [&]() -> absl::StatusOr<std::string> {
        cache_.InvalidateAll();
        return std::string("stale");
      },
      [](const std::string&) { return true; });
  EXPECT_EQ(cache_.size(), 0u);
  EXPECT_EQ(*Read("job-c", "p0", kStart), "job-c/p0#3");
}

TEST_F(ReadCacheTest, NeitherFailuresNorRefusedValuesAreKept) {
  int calls = 0;
  auto failing = [&]() -> absl::StatusOr<std::string> {
    ++calls;
    return absl::UnavailableError("store busy");
  };
  auto keep = [](const std::string&) { return true; };
  EXPECT_FALSE(cache_.GetOrLoad("job-a", "p0", kStart, failing, keep).ok());
  EXPECT_FALSE(cache_.GetOrLoad("job-a", "p0", kStart, failing, keep).ok());
  EXPECT_EQ(calls, 2);
  (void)Read("job-b", "p0", kStart, /*keep=*/false);
  (void)Read("job-b", "p0", kStart, /*keep=*/false);
  EXPECT_EQ(loads_, 2);
  EXPECT_EQ(cache_.size(), 0u);
}

TEST_F(ReadCacheTest, EntriesAgeOutAndTheOldestGroupsMakeRoom) {
  (void)Read("job-a", "p0", kStart);
  EXPECT_EQ(*Read("job-a", "p0", kStart + absl::Seconds(9)), "job-a/p0#1");
  EXPECT_EQ(*Read("job-a", "p0", kStart + absl::Seconds(10)), "job-a/p0#2");  // aged out
  // Capacity 4: job-a (1 entry), then b, c, d; e pushes out the oldest, a.
  for (const char* group : {"job-b", "job-c", "job-d", "job-e"}) (void)Read(group, "p0", kStart);
  EXPECT_EQ(cache_.size(), 4u);
  const int loads = loads_;
  (void)Read("job-e", "p0", kStart);
  (void)Read("job-b", "p0", kStart);
  EXPECT_EQ(loads_, loads);
  (void)Read("job-a", "p0", kStart + absl::Seconds(10));
  EXPECT_EQ(loads_, loads + 1);
}

}  // namespace
}  // namespace arena
