#include "controller/scheduler/agent_registry.h"

#include <gtest/gtest.h>

namespace arena {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1000000);

class RecordingLink final : public AgentLink {
 public:
  void Send(const v1::ControllerMessage&) override {}
  void Close(const absl::Status& status) override { closed = status; }
  absl::Status closed = absl::OkStatus();
};

v1::Hello Hello(int slots, int credits) {
  v1::Hello hello;
  hello.add_platforms()->set_arch("amd64");
  hello.set_slots(slots);
  hello.set_credits(credits);
  (*hello.mutable_labels())["gpu"] = "1";
  return hello;
}

class AgentRegistryTest : public ::testing::Test {
 protected:
  AgentSnapshot snapshot_;
  AgentRegistry registry_{absl::Seconds(30), absl::Milliseconds(500), &snapshot_};
};

TEST_F(AgentRegistryTest, AConnectedAgentOffersWhatItsHelloSaysWithCreditsCappedAtSlots) {
  auto link = std::make_shared<RecordingLink>();
  registry_.Connect("agent-1", link, Hello(2, 5), false, kStart);
  ConnectedAgent* agent = registry_.Find("agent-1");
  ASSERT_NE(agent, nullptr);
  EXPECT_EQ(agent->link, link);
  EXPECT_EQ(agent->view.credits, 2);
  EXPECT_EQ(agent->view.labels.at("gpu"), "1");
  ASSERT_EQ(agent->view.platforms.size(), 1u);
  EXPECT_EQ(agent->view.platforms[0].arch, "amd64");
  EXPECT_EQ(registry_.Find("agent-2"), nullptr);
}

TEST_F(AgentRegistryTest, ANewStreamClosesTheOldOne) {
  auto old_link = std::make_shared<RecordingLink>();
  auto new_link = std::make_shared<RecordingLink>();
  registry_.Connect("agent-1", old_link, Hello(1, 1), false, kStart);
  registry_.Connect("agent-1", new_link, Hello(1, 1), false, kStart);
  EXPECT_TRUE(absl::IsAborted(old_link->closed));
  EXPECT_TRUE(new_link->closed.ok());
  // The old stream's end does not forget the agent's new one.
  EXPECT_FALSE(registry_.Disconnected("agent-1", old_link.get()));
  EXPECT_NE(registry_.Find("agent-1"), nullptr);
  EXPECT_TRUE(registry_.Disconnected("agent-1", new_link.get()));
  EXPECT_EQ(registry_.Find("agent-1"), nullptr);
}

TEST_F(AgentRegistryTest, OnlyAgentsNotDrainingWithACreditAreFree) {
  registry_.Connect("busy", std::make_shared<RecordingLink>(), Hello(2, 0), false, kStart);
  registry_.Connect("draining", std::make_shared<RecordingLink>(), Hello(2, 2), true, kStart);
  registry_.Connect("free", std::make_shared<RecordingLink>(), Hello(4, 3), false, kStart);
  std::vector<const AgentView*> free;
  EXPECT_EQ(registry_.FreeAgents(&free), 3);
  ASSERT_EQ(free.size(), 1u);
  EXPECT_EQ(free[0]->id, "free");

  registry_.TakeCredit("free");
  registry_.AddCredits("busy", 5);  // at most its 2 slots
  registry_.SetDraining("draining", false);
  free.clear();
  EXPECT_EQ(registry_.FreeAgents(&free), 2 + 2 + 2);
  EXPECT_EQ(free.size(), 3u);
}

TEST_F(AgentRegistryTest, TheSnapshotShowsChangesOnlyOncePublished) {
  registry_.Connect("agent-1", std::make_shared<RecordingLink>(), Hello(2, 2), false, kStart);
  EXPECT_TRUE(snapshot_.Get().empty());
  registry_.PublishIfChanged({{"agent-1", {"job-1/task-1"}}});
  std::vector<AgentView> views = snapshot_.Get();
  ASSERT_EQ(views.size(), 1u);
  EXPECT_EQ(views[0].running, (std::vector<std::string>{"job-1/task-1"}));
  EXPECT_FALSE(registry_.changed());

  v1::ImageStore same = views[0].image_store;
  registry_.SetImageStore("agent-1", same);
  EXPECT_FALSE(registry_.changed()) << "an unchanged image store is not a change";
  v1::ImageStore store;
  store.set_kept_images(3);
  registry_.SetImageStore("agent-1", store);
  EXPECT_TRUE(registry_.changed());
  registry_.PublishIfChanged({});
  EXPECT_EQ(snapshot_.Get()[0].image_store.kept_images(), 3);
  EXPECT_TRUE(snapshot_.Get()[0].running.empty());
}

TEST_F(AgentRegistryTest, ClosingAnAgentEndsItsStreamAndCloseAllForgetsLeasesToo) {
  auto one = std::make_shared<RecordingLink>();
  auto two = std::make_shared<RecordingLink>();
  registry_.Connect("agent-1", one, Hello(1, 1), false, kStart);
  registry_.Connect("agent-2", two, Hello(1, 1), false, kStart);
  registry_.Close("agent-1", absl::UnavailableError("log store full"));
  EXPECT_TRUE(absl::IsUnavailable(one->closed));
  EXPECT_EQ(registry_.Find("agent-1"), nullptr);
  // Its lease still runs: its attempts are lost when it stays away.
  EXPECT_EQ(registry_.leases().Expired(kStart + absl::Seconds(31)).size(), 2u);

  registry_.CloseAll(absl::UnavailableError("reconnect"));
  EXPECT_TRUE(absl::IsUnavailable(two->closed));
  EXPECT_EQ(registry_.Find("agent-2"), nullptr);
  EXPECT_TRUE(registry_.leases().Expired(kStart + absl::Seconds(31)).empty());
}

}  // namespace
}  // namespace arena
