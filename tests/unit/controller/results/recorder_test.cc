#include "controller/results/recorder.h"

#include <cstdint>
#include <vector>

#include "gtest/gtest.h"

namespace arena {
namespace {

std::vector<v1::TestResult> Rows(const std::vector<int64_t>& durations) {
  std::vector<v1::TestResult> rows;
  for (int64_t d : durations) {
    v1::TestResult r;
    r.set_duration_ms(d);
    rows.push_back(r);
  }
  return rows;
}

std::vector<int64_t> Shares(const std::vector<v1::TestResult>& rows) {
  std::vector<int64_t> shares;
  for (const v1::TestResult& r : rows) shares.push_back(r.share_ms());
  return shares;
}

TEST(ShareWallTimeTest, ARunsWallTimeIsSplitInProportionToItsRowsDurations) {
  // A batch of three that reported 100, 300 and 0 ms but took 2 s, its
  // runner's start and the exec included.
  std::vector<v1::TestResult> rows = Rows({100, 300, 0});
  ShareWallTime(2000, &rows);
  EXPECT_EQ(Shares(rows), (std::vector<int64_t>{500, 1500, 0}));
  // Durations are kept as the runner reported them.
  EXPECT_EQ(rows[0].duration_ms(), 100);
}

TEST(ShareWallTimeTest, RowsWithoutDurationsShareEvenly) {
  std::vector<v1::TestResult> rows = Rows({0, 0, 0, 0});
  ShareWallTime(1000, &rows);
  EXPECT_EQ(Shares(rows), (std::vector<int64_t>{250, 250, 250, 250}));
}

TEST(ShareWallTimeTest, ALoneTestGetsTheWholeRun) {
  std::vector<v1::TestResult> rows = Rows({40});
  ShareWallTime(700, &rows);
  EXPECT_EQ(Shares(rows), (std::vector<int64_t>{700}));
}

TEST(ShareWallTimeTest, UntrustedDurationsNeitherOverflowNorGoNegative) {
  // A runner's report may hold anything: negative and huge durations.
  std::vector<v1::TestResult> rows = Rows({-5, INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX});
  ShareWallTime(1000, &rows);
  EXPECT_EQ(Shares(rows), (std::vector<int64_t>{0, 250, 250, 250, 250}));
  std::vector<v1::TestResult> none;
  ShareWallTime(1000, &none);
  EXPECT_TRUE(none.empty());
}

}  // namespace
}  // namespace arena
