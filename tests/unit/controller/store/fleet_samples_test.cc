#include "controller/store/fleet_samples.h"

#include <gtest/gtest.h>

#include "tests/unit/controller/store/table_fixture.h"

namespace arena {
namespace {

v1::FleetSample Sample(int64_t at_ms, const std::string& arch, int busy) {
  v1::FleetSample s;
  s.set_unix_ms(at_ms);
  s.set_arch(arch);
  s.set_agents(1);
  s.set_slots(4);
  s.set_busy(busy);
  s.set_unavailable(1);
  s.set_queued(7);
  s.set_started(3);
  s.set_start_wait_ms_avg(1500);
  s.set_start_wait_ms_max(4000);
  return s;
}

class FleetSamplesTest : public TableTest {
 protected:
  FleetSamples& fleet() {
    if (!fleet_) fleet_ = std::make_unique<FleetSamples>(connection_.get());
    return *fleet_;
  }

 private:
  std::unique_ptr<FleetSamples> fleet_;
};

TEST_F(FleetSamplesTest, SamplesReadBackWholeOldestFirstByArchitecture) {
  ASSERT_TRUE(fleet().Add({Sample(2000, "arm64", 1), Sample(2000, "amd64", 2)}, 0).ok());
  ASSERT_TRUE(fleet().Add({Sample(1000, "amd64", 3)}, 0).ok());
  absl::StatusOr<std::vector<v1::FleetSample>> got = fleet().Since(0, "", 100);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->size(), 3u);
  EXPECT_EQ((*got)[0].unix_ms(), 1000);
  EXPECT_EQ((*got)[1].arch(), "amd64");
  EXPECT_EQ((*got)[2].arch(), "arm64");
  const v1::FleetSample& s = (*got)[1];
  EXPECT_EQ(s.agents(), 1);
  EXPECT_EQ(s.slots(), 4);
  EXPECT_EQ(s.busy(), 2);
  EXPECT_EQ(s.unavailable(), 1);
  EXPECT_EQ(s.queued(), 7);
  EXPECT_EQ(s.started(), 3);
  EXPECT_EQ(s.start_wait_ms_avg(), 1500);
  EXPECT_EQ(s.start_wait_ms_max(), 4000);
}

TEST_F(FleetSamplesTest, AWindowAnArchitectureAndALimitNarrowTheRead) {
  ASSERT_TRUE(fleet()
                  .Add({Sample(1000, "amd64", 0), Sample(2000, "amd64", 1),
                        Sample(2000, "arm64", 1), Sample(3000, "amd64", 2)},
                       0)
                  .ok());
  absl::StatusOr<std::vector<v1::FleetSample>> amd64 = fleet().Since(2000, "amd64", 100);
  ASSERT_TRUE(amd64.ok());
  ASSERT_EQ(amd64->size(), 2u);
  EXPECT_EQ((*amd64)[0].unix_ms(), 2000);
  EXPECT_EQ((*amd64)[1].unix_ms(), 3000);
  absl::StatusOr<std::vector<v1::FleetSample>> one = fleet().Since(0, "", 1);
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0].unix_ms(), 1000);
}

TEST_F(FleetSamplesTest, AddingPrunesWhatIsOlderThanTheRetentionAndReplacesASample) {
  ASSERT_TRUE(fleet().Add({Sample(1000, "amd64", 0), Sample(5000, "amd64", 1)}, 0).ok());
  ASSERT_TRUE(fleet().Add({Sample(5000, "amd64", 3)}, 2000).ok());
  absl::StatusOr<std::vector<v1::FleetSample>> got = fleet().Since(0, "", 100);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 1u) << "the sample before 2000 pruned";
  EXPECT_EQ((*got)[0].busy(), 3) << "a sample at a time and architecture replaced";
}

}  // namespace
}  // namespace arena
