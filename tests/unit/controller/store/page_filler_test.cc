#include "controller/store/page_filler.h"

#include <gtest/gtest.h>

namespace arena {
namespace {

// Offers rows 1..n with `bytes` each, as a listing does, and returns the page.
Page<int> Fill(const RowPage& request, int n, int64_t bytes) {
  PageFiller<int> filler(request);
  for (int row = 1; row <= n; ++row) {
    if (filler.Full()) break;
    filler.Add(row, bytes, row);
  }
  return std::move(filler).Take();
}

TEST(PageFiller, StopsAtTheLimitAndResumesAfterTheLastRow) {
  Page<int> page = Fill(RowPage{0, 2}, 3, 1);
  EXPECT_EQ(page.rows, (std::vector<int>{1, 2}));
  EXPECT_EQ(page.next_after, 2);
  EXPECT_EQ(PageFiller<int>::LimitFor(RowPage{0, 2}), 3);
}

TEST(PageFiller, TheLastPageHasNoNextPosition) {
  Page<int> page = Fill(RowPage{0, 5}, 3, 1);
  EXPECT_EQ(page.rows.size(), 3u);
  EXPECT_EQ(page.next_after, 0);
  EXPECT_EQ(PageFiller<int>::LimitFor(RowPage{}), -1);
  EXPECT_EQ(Fill(RowPage{}, 50, 1).rows.size(), 50u);
}

TEST(PageFiller, StopsOnceTheBytesAreReachedButHoldsAtLeastOneRow) {
  Page<int> one = Fill(RowPage{0, 0, 10}, 5, 100);
  EXPECT_EQ(one.rows, (std::vector<int>{1}));
  EXPECT_EQ(one.next_after, 1);
  Page<int> three = Fill(RowPage{0, 0, 25}, 5, 10);
  EXPECT_EQ(three.rows.size(), 3u);
  EXPECT_EQ(three.next_after, 3);
}

}  // namespace
}  // namespace arena
