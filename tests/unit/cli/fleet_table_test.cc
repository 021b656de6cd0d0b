#include "cli/fleet_table.h"

#include "gtest/gtest.h"

namespace arena {
namespace {

v1::FleetSample Sample(int64_t at_ms, const std::string& arch, int slots, int busy, int queued,
                       int started, int64_t wait_avg, int64_t wait_max) {
  v1::FleetSample s;
  s.set_unix_ms(at_ms);
  s.set_arch(arch);
  s.set_agents(slots / 2);
  s.set_slots(slots);
  s.set_busy(busy);
  s.set_queued(queued);
  s.set_started(started);
  s.set_start_wait_ms_avg(wait_avg);
  s.set_start_wait_ms_max(wait_max);
  return s;
}

TEST(FleetTableTest, AStepKeepsTheLastCapacityThePeaksAndTheWeightedWait) {
  std::vector<v1::FleetSample> rows = StepSamples(
      {Sample(60'000, "amd64", 4, 4, 9, 3, 1000, 2000),
       Sample(120'000, "amd64", 6, 1, 2, 1, 5000, 5000), Sample(60'000, "arm64", 2, 0, 0, 0, 0, 0),
       Sample(300'000, "amd64", 6, 0, 0, 0, 0, 0)},
      300'000);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].unix_ms(), 0);
  EXPECT_EQ(rows[0].arch(), "amd64");
  EXPECT_EQ(rows[0].slots(), 6) << "the step's last sample";
  EXPECT_EQ(rows[0].agents(), 3);
  EXPECT_EQ(rows[0].busy(), 4) << "the highest";
  EXPECT_EQ(rows[0].queued(), 9) << "the highest";
  EXPECT_EQ(rows[0].started(), 4) << "summed";
  EXPECT_EQ(rows[0].start_wait_ms_avg(), 2000) << "(3*1000 + 1*5000) / 4";
  EXPECT_EQ(rows[0].start_wait_ms_max(), 5000);
  EXPECT_EQ(rows[1].arch(), "arm64");
  EXPECT_EQ(rows[1].start_wait_ms_avg(), 0) << "nothing started";
  EXPECT_EQ(rows[2].unix_ms(), 300'000);
}

TEST(FleetTableTest, NoSamplesNoRows) { EXPECT_TRUE(StepSamples({}, 60'000).empty()); }

}  // namespace
}  // namespace arena
