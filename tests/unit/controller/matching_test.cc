#include "controller/scheduler/matching.h"

#include <gtest/gtest.h>

namespace arena {
namespace {

AgentView Agent(std::string id, std::vector<AgentPlatform> platforms, int credits,
                std::map<std::string, std::string> labels = {}) {
  AgentView view;
  view.id = std::move(id);
  view.platforms = std::move(platforms);
  view.slots = 4;
  view.credits = credits;
  view.labels = std::move(labels);
  return view;
}

TEST(Matching, NeverPicksAnAgentWithoutCredits) {
  std::vector<AgentView> agents = {Agent("a", {{"amd64", false}}, 0)};
  EXPECT_FALSE(PickAgent({"amd64", {}}, agents).has_value());
  EXPECT_EQ(ExplainWait({"amd64", {}}, agents), "1 matching agent, all slots busy");
}

TEST(Matching, PrefersNativeOverEmulatedThenSpreads) {
  std::vector<AgentView> agents = {
      Agent("emu", {{"amd64", false}, {"arm64", true}}, 4),
      Agent("native", {{"arm64", false}}, 1),
  };
  auto pick = PickAgent({"arm64", {}}, agents);
  ASSERT_TRUE(pick.has_value());
  EXPECT_EQ(pick->agent_id, "native");
  EXPECT_FALSE(pick->emulated);
  agents[1].credits = 0;
  pick = PickAgent({"arm64", {}}, agents);
  ASSERT_TRUE(pick.has_value());
  EXPECT_EQ(pick->agent_id, "emu");
  EXPECT_TRUE(pick->emulated);

  std::vector<AgentView> two = {Agent("b", {{"amd64", false}}, 1),
                                Agent("c", {{"amd64", false}}, 3)};
  EXPECT_EQ(PickAgent({"amd64", {}}, two)->agent_id, "c");
}

TEST(Matching, RerunsAvoidFailedAgentsThenWarmSessionsThenLocalImages) {
  std::vector<AgentView> agents = {Agent("a", {{"amd64", false}}, 4),
                                   Agent("b", {{"amd64", false}}, 1),
                                   Agent("c", {{"amd64", false}}, 1)};
  agents[2].images = {"tests:1"};
  TaskNeeds needs{"amd64", {}};
  EXPECT_EQ(PickAgent(needs, agents)->agent_id, "a");  // most credits
  needs.image = "tests:1";
  EXPECT_EQ(PickAgent(needs, agents)->agent_id, "c");  // holds the image
  std::set<std::string> warm = {"b"};
  needs.warm = &warm;
  EXPECT_EQ(PickAgent(needs, agents)->agent_id, "b");  // a warm session beats the image
  needs.avoid = {"b", "c"};
  EXPECT_EQ(PickAgent(needs, agents)->agent_id, "a");  // a rerun goes elsewhere
  needs.avoid = {"a", "b", "c"};
  EXPECT_EQ(PickAgent(needs, agents)->agent_id, "b");  // ...but never waits for one
}

TEST(Matching, RequiredLabelsMustAllMatch) {
  std::vector<AgentView> agents = {Agent("a", {{"amd64", false}}, 1, {{"gpu", "0"}})};
  EXPECT_FALSE(PickAgent({"amd64", {{"gpu", "1"}}}, agents).has_value());
  EXPECT_EQ(ExplainWait({"amd64", {{"gpu", "1"}}}, agents),
            "required label gpu=1 matches no agent offering amd64");
  EXPECT_TRUE(PickAgent({"amd64", {{"gpu", "0"}}}, agents).has_value());
}

TEST(Matching, ExplainsMissingPlatformAndNoAgents) {
  EXPECT_EQ(ExplainWait({"arm64", {}}, {}), "no agent is connected");
  std::vector<AgentView> agents = {Agent("a", {{"amd64", false}}, 1)};
  EXPECT_EQ(ExplainWait({"arm64", {}}, agents), "no connected agent offers arm64");
}

TEST(Matching, GivesATaskOnlyToAgentsOfItsExecutor) {
  std::vector<AgentView> agents = {Agent("docker", {{"amd64", false}}, 4),
                                   Agent("host", {{"amd64", false}}, 1)};
  agents[1].executor = "process";
  TaskNeeds on_host{"amd64", {}};
  on_host.executor = "process";
  EXPECT_EQ(PickAgent(on_host, agents)->agent_id, "host");
  EXPECT_EQ(PickAgent({"amd64", {}}, agents)->agent_id, "docker");
  agents[1].credits = 0;
  EXPECT_FALSE(PickAgent(on_host, agents).has_value());
  EXPECT_EQ(ExplainWait(on_host, agents), "1 matching agent, all slots busy");
}

TEST(Matching, ExplainsThatNoConnectedAgentHasTheExecutor) {
  std::vector<AgentView> agents = {Agent("docker", {{"amd64", false}}, 4)};
  TaskNeeds on_host{"amd64", {}};
  on_host.executor = "process";
  EXPECT_FALSE(PickAgent(on_host, agents).has_value());
  EXPECT_EQ(ExplainWait(on_host, agents), "no connected agent has the process executor");
  agents[0].executor = "process";
  EXPECT_EQ(ExplainWait({"amd64", {}}, agents), "no connected agent has the docker executor");
}

TEST(Matching, CapacityCountsApplicableAgentsWhateverTheirCredits) {
  std::vector<AgentView> agents = {Agent("native", {{"amd64", false}}, 0),
                                   Agent("emulating", {{"amd64", true}, {"arm64", false}}, 2),
                                   Agent("other", {{"arm64", false}}, 4),
                                   Agent("draining", {{"amd64", false}}, 4)};
  agents[0].slots = 4;
  agents[0].running = {"job/t1", "job/t2", "job/t3"};
  agents[1].slots = 2;
  agents[3].slots = 8;
  agents[3].draining = true;
  TaskNeeds needs;
  needs.arch = "amd64";
  Capacity capacity = CountCapable(needs, agents);
  EXPECT_EQ(capacity.agents, 2);
  EXPECT_EQ(capacity.emulated, 1);
  EXPECT_EQ(capacity.free_slots, 3);  // 4 - 3 running, plus 2
  needs.labels = {{"pool", "gpu"}};
  EXPECT_EQ(CountCapable(needs, agents).agents, 0);
  agents[1].labels = {{"pool", "gpu"}};
  EXPECT_EQ(CountCapable(needs, agents).agents, 1);
  needs.executor = "process";  // only agents of the task's executor count
  EXPECT_EQ(CountCapable(needs, agents).agents, 0);
}

}  // namespace
}  // namespace arena
