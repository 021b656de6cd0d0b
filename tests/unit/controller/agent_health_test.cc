#include "controller/scheduler/agent_health.h"

#include <gtest/gtest.h>

#include "controller/scheduler/agent_registry.h"
#include "controller/scheduler/matching.h"

namespace arena {
namespace {

constexpr int64_t kNow = 1700000000000;

TEST(ClockCheck, AClockWithin30sOfTheControllersIsFine) {
  ClockCheck clock;
  EXPECT_EQ(clock.Problem(), "");  // nothing heard yet
  clock.Observe(kNow - 29000, kNow);
  clock.Observe(kNow + 29000, kNow);
  EXPECT_EQ(clock.Problem(), "");
}

TEST(ClockCheck, AnAgentAheadIsJudgedByItsSmallestGap) {
  ClockCheck clock;
  clock.Observe(kNow + 45000, kNow);
  EXPECT_EQ(clock.Problem(), "clock 45s ahead of the controller's");
}

TEST(ClockCheck, OneSlowMessageDoesNotMakeAClockLookBehind) {
  ClockCheck clock;
  clock.Observe(kNow - 1000, kNow);
  clock.Observe(kNow - 60000, kNow);  // delivered a minute late: the delay, not the clock
  EXPECT_EQ(clock.Problem(), "");
  clock.Observe(kNow - 60000, kNow);
  clock.Observe(kNow - 61000, kNow);  // the fast one has left the window
  EXPECT_EQ(clock.Problem(), "clock at least 60s behind the controller's");
}

TEST(ClockCheck, AnAgentWithoutStampsIsNotJudged) {
  ClockCheck clock;
  clock.Observe(0, kNow);
  EXPECT_EQ(clock.Problem(), "");
}

TEST(JudgeHealth, CombinesTheAgentsProblemsWithItsClock) {
  ClockCheck clock;
  EXPECT_TRUE(JudgeHealth(nullptr, clock).healthy);  // an agent before health checks
  v1::AgentHealth reported;
  reported.set_healthy(false);
  reported.add_problems("free disk 1.2 GiB < 2 GiB on /var/lib/arena");
  clock.Observe(kNow + 40000, kNow);
  HealthVerdict verdict = JudgeHealth(&reported, clock);
  EXPECT_FALSE(verdict.healthy);
  EXPECT_EQ(verdict.problem,
            "free disk 1.2 GiB < 2 GiB on /var/lib/arena; clock 40s ahead of the controller's");
}

TEST(JudgeHealth, BoundsWhatAnAgentSays) {
  v1::AgentHealth reported;
  reported.set_healthy(false);
  for (int i = 0; i < 20; ++i) reported.add_problems(std::string(1000, 'x'));
  HealthVerdict verdict = JudgeHealth(&reported, ClockCheck());
  EXPECT_FALSE(verdict.healthy);
  EXPECT_LE(verdict.problem.size(), 5u * 302);
  v1::AgentHealth silent;
  silent.set_healthy(false);
  EXPECT_EQ(JudgeHealth(&silent, ClockCheck()).problem, "the agent reports unhealthy");
}

AgentView Healthy(std::string id) {
  AgentView view;
  view.id = std::move(id);
  view.platforms = {{"amd64", false}};
  view.slots = 2;
  view.credits = 2;
  return view;
}

TEST(Matching, NeverPicksAnUnhealthyAgentAndSaysWhy) {
  std::vector<AgentView> agents = {Healthy("sick")};
  agents[0].healthy = false;
  agents[0].health_problem = "free disk 1.2 GiB < 2 GiB on /d";
  EXPECT_FALSE(PickAgent({"amd64", {}}, agents).has_value());
  EXPECT_EQ(ExplainWait({"amd64", {}}, agents),
            "no healthy agent offers amd64: agent sick unhealthy: free disk 1.2 GiB < 2 GiB on /d");
  Capacity capacity = CountCapable({"amd64", {}}, agents);
  EXPECT_EQ(capacity.agents, 0);
  ASSERT_EQ(capacity.unhealthy.size(), 1u);
  EXPECT_EQ(capacity.unhealthy[0], "sick: free disk 1.2 GiB < 2 GiB on /d");

  agents.push_back(Healthy("well"));
  auto pick = PickAgent({"amd64", {}}, agents);
  ASSERT_TRUE(pick.has_value());
  EXPECT_EQ(pick->agent_id, "well");
  EXPECT_EQ(CountCapable({"amd64", {}}, agents).agents, 1);
}

class RecordingLink final : public AgentLink {
 public:
  void Send(const v1::ControllerMessage&) override {}
  void Close(const absl::Status&) override {}
};

TEST(AgentRegistryHealth, AnUnhealthyAgentIsNotFreeUntilItReportsHealthyAgain) {
  AgentSnapshot snapshot;
  AgentRegistry registry(absl::Seconds(30), absl::Milliseconds(500), &snapshot);
  v1::Hello hello;
  hello.add_platforms()->set_arch("amd64");
  hello.set_slots(1);
  hello.set_credits(1);
  hello.mutable_health()->set_healthy(false);
  hello.mutable_health()->add_problems("health command exited 1: rig offline");
  const absl::Time now = absl::FromUnixMillis(kNow);
  hello.set_unix_ms(kNow);
  registry.Connect("a", std::make_shared<RecordingLink>(), hello, false, now);
  std::vector<const AgentView*> free;
  registry.FreeAgents(&free);
  EXPECT_TRUE(free.empty());
  EXPECT_EQ(registry.Find("a")->view.health_problem, "health command exited 1: rig offline");

  v1::AgentHealth well;
  well.set_healthy(true);
  EXPECT_TRUE(registry.SetHealth("a", &well, kNow + 1000, kNow + 1000));
  EXPECT_FALSE(registry.SetHealth("a", nullptr, kNow + 2000, kNow + 2000));  // unchanged
  registry.FreeAgents(&free);
  ASSERT_EQ(free.size(), 1u);
  registry.PublishIfChanged({});
  ASSERT_EQ(snapshot.Get().size(), 1u);
  EXPECT_TRUE(snapshot.Get()[0].healthy);
}

TEST(AgentRegistryHealth, AClockFarAheadMakesAnAgentUnhealthy) {
  AgentSnapshot snapshot;
  AgentRegistry registry(absl::Seconds(30), absl::Milliseconds(500), &snapshot);
  v1::Hello hello;
  hello.add_platforms()->set_arch("amd64");
  hello.set_slots(1);
  hello.set_unix_ms(kNow + 120000);
  registry.Connect("a", std::make_shared<RecordingLink>(), hello, false,
                   absl::FromUnixMillis(kNow));
  EXPECT_FALSE(registry.Find("a")->view.healthy);
  EXPECT_EQ(registry.Find("a")->view.health_problem, "clock 120s ahead of the controller's");
}

}  // namespace
}  // namespace arena
