#include "controller/scheduler/fleet_sampler.h"

#include "gtest/gtest.h"

namespace arena {
namespace {

AgentView Agent(const std::string& id, std::vector<std::string> archs, int slots, int credits) {
  AgentView view;
  view.id = id;
  for (const std::string& arch : archs) view.platforms.push_back({arch, arch != "amd64"});
  view.slots = slots;
  view.credits = credits;
  return view;
}

const absl::Time kStart = absl::FromUnixMillis(1'800'000'000'000);  // a whole minute

TEST(FleetSamplerTest, AnAgentCountsInEveryArchitectureItOffers) {
  FleetSampler sampler(absl::Minutes(1));
  std::vector<AgentView> agents = {Agent("a1", {"amd64", "arm64"}, 4, 1),  // 3 busy
                                   Agent("a2", {"amd64"}, 2, 2)};          // idle
  std::vector<v1::FleetSample> samples =
      sampler.Take(kStart + absl::Seconds(10), agents, {{"amd64", 5}});
  ASSERT_EQ(samples.size(), 2u);
  EXPECT_EQ(samples[0].arch(), "amd64");
  EXPECT_EQ(samples[0].unix_ms(), absl::ToUnixMillis(kStart)) << "stamped with its interval";
  EXPECT_EQ(samples[0].agents(), 2);
  EXPECT_EQ(samples[0].slots(), 6);
  EXPECT_EQ(samples[0].busy(), 3);
  EXPECT_EQ(samples[0].queued(), 5);
  EXPECT_EQ(samples[1].arch(), "arm64");
  EXPECT_EQ(samples[1].agents(), 1);
  EXPECT_EQ(samples[1].slots(), 4);
  EXPECT_EQ(samples[1].busy(), 3);
  EXPECT_EQ(samples[1].queued(), 0);
}

TEST(FleetSamplerTest, DrainingAndUnhealthyAgentsSlotsAreUnavailableUnlessBusy) {
  FleetSampler sampler(absl::Minutes(1));
  AgentView draining = Agent("a1", {"amd64"}, 4, 3);  // 1 busy, 3 not available
  draining.draining = true;
  AgentView sick = Agent("a2", {"amd64"}, 2, 2);
  sick.healthy = false;
  std::vector<v1::FleetSample> samples = sampler.Take(kStart, {draining, sick}, {});
  ASSERT_EQ(samples.size(), 1u);
  EXPECT_EQ(samples[0].slots(), 6);
  EXPECT_EQ(samples[0].busy(), 1);
  EXPECT_EQ(samples[0].unavailable(), 5);
}

TEST(FleetSamplerTest, StartedTasksAndTheirWaitsAreCountedPerIntervalThenReset) {
  FleetSampler sampler(absl::Minutes(1));
  EXPECT_TRUE(sampler.Due(kStart));
  sampler.Started("amd64", 1000);
  sampler.Started("amd64", 3000);
  sampler.Started("arm64", -50);  // the clock stepped back: no wait
  std::vector<v1::FleetSample> first = sampler.Take(kStart, {}, {});
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].started(), 2);
  EXPECT_EQ(first[0].start_wait_ms_avg(), 2000);
  EXPECT_EQ(first[0].start_wait_ms_max(), 3000);
  EXPECT_EQ(first[1].started(), 1);
  EXPECT_EQ(first[1].start_wait_ms_max(), 0);
  EXPECT_FALSE(sampler.Due(kStart + absl::Seconds(59))) << "one sample an interval";
  EXPECT_TRUE(sampler.Due(kStart + absl::Seconds(60)));
  std::vector<v1::FleetSample> second = sampler.Take(kStart + absl::Seconds(61), {}, {});
  ASSERT_EQ(second.size(), 2u) << "architectures seen before stay, as zeros";
  EXPECT_EQ(second[0].unix_ms(), absl::ToUnixMillis(kStart + absl::Minutes(1)));
  EXPECT_EQ(second[0].started(), 0);
  EXPECT_EQ(second[0].start_wait_ms_avg(), 0);
  EXPECT_EQ(second[0].slots(), 0);
}

TEST(FleetSamplerTest, APlatformListedTwiceCountsOnce) {
  FleetSampler sampler(absl::Seconds(1));
  std::vector<v1::FleetSample> samples =
      sampler.Take(kStart, {Agent("a1", {"arm64", "arm64"}, 2, 0)}, {});
  ASSERT_EQ(samples.size(), 1u);
  EXPECT_EQ(samples[0].agents(), 1);
  EXPECT_EQ(samples[0].slots(), 2);
  EXPECT_EQ(samples[0].busy(), 2);
}

}  // namespace
}  // namespace arena
