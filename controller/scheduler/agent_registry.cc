#include "controller/scheduler/agent_registry.h"

#include <algorithm>

namespace arena {

void AgentSnapshot::Set(std::vector<AgentView> agents) {
  absl::MutexLock lock(&mu_);
  agents_ = std::move(agents);
}

std::vector<AgentView> AgentSnapshot::Get() const {
  absl::MutexLock lock(&mu_);
  return agents_;
}

ConnectedAgent& AgentRegistry::Connect(const std::string& agent_id, std::shared_ptr<AgentLink> link,
                                       const v1::Hello& hello, bool draining, absl::Time now) {
  auto previous = agents_.find(agent_id);
  if (previous != agents_.end() && previous->second.link != link) {
    previous->second.link->Close(absl::AbortedError("replaced by a newer connection"));
  }
  ConnectedAgent agent;
  agent.link = std::move(link);
  agent.view.id = agent_id;
  for (const v1::Platform& p : hello.platforms()) {
    agent.view.platforms.push_back({p.arch(), p.emulated()});
  }
  agent.view.labels.insert(hello.labels().begin(), hello.labels().end());
  agent.view.slots = hello.slots();
  agent.view.credits = std::min(hello.credits(), hello.slots());
  agent.view.draining = draining;
  agent.view.images.insert(hello.images().begin(), hello.images().end());
  agent.view.image_store = hello.image_store();
  agent.view.executor = ExecutorOrDefault(hello.executor());
  leases_.Heard(agent_id, now);
  changed_ = true;
  ConnectedAgent& stored = agents_[agent_id];
  stored = std::move(agent);
  SetHealth(agent_id, hello.has_health() ? &hello.health() : nullptr, hello.unix_ms(),
            absl::ToUnixMillis(now));
  return stored;
}

ConnectedAgent* AgentRegistry::Find(const std::string& agent_id) {
  auto it = agents_.find(agent_id);
  return it == agents_.end() ? nullptr : &it->second;
}

bool AgentRegistry::Disconnected(const std::string& agent_id, const AgentLink* link) {
  auto it = agents_.find(agent_id);
  if (it == agents_.end() || it->second.link.get() != link) return false;
  agents_.erase(it);
  changed_ = true;
  return true;
}

void AgentRegistry::Close(const std::string& agent_id, const absl::Status& why) {
  auto it = agents_.find(agent_id);
  if (it == agents_.end()) return;
  it->second.link->Close(why);
  agents_.erase(it);
  changed_ = true;
}

void AgentRegistry::CloseAll(const absl::Status& why) {
  for (auto& [id, agent] : agents_) agent.link->Close(why);
  agents_.clear();
  leases_.Clear();
  changed_ = true;
}

void AgentRegistry::AddCredits(const std::string& agent_id, int credits) {
  ConnectedAgent* agent = Find(agent_id);
  if (agent == nullptr) return;
  agent->view.credits = std::min(agent->view.slots, agent->view.credits + credits);
  changed_ = true;
}

void AgentRegistry::TakeCredit(const std::string& agent_id) {
  ConnectedAgent* agent = Find(agent_id);
  if (agent == nullptr) return;
  --agent->view.credits;
  changed_ = true;
}

void AgentRegistry::SetDraining(const std::string& agent_id, bool draining) {
  ConnectedAgent* agent = Find(agent_id);
  if (agent == nullptr) return;
  agent->view.draining = draining;
  changed_ = true;
}

void AgentRegistry::SetImageStore(const std::string& agent_id, const v1::ImageStore& store) {
  ConnectedAgent* agent = Find(agent_id);
  // Republished only on a change: most heartbeats carry the same.
  if (agent == nullptr ||
      store.SerializeAsString() == agent->view.image_store.SerializeAsString()) {
    return;
  }
  agent->view.image_store = store;
  changed_ = true;
}

bool AgentRegistry::SetHealth(const std::string& agent_id, const v1::AgentHealth* reported,
                              int64_t sent_unix_ms, int64_t now_ms) {
  ConnectedAgent* agent = Find(agent_id);
  if (agent == nullptr) return false;
  if (reported != nullptr) {
    agent->reported_health = true;
    agent->health = *reported;
  }
  agent->clock.Observe(sent_unix_ms, now_ms);
  HealthVerdict verdict =
      JudgeHealth(agent->reported_health ? &agent->health : nullptr, agent->clock);
  int64_t checked = agent->reported_health ? agent->health.checked_unix_ms() : 0;
  if (checked != agent->view.health_checked_ms) changed_ = true;
  agent->view.health_checked_ms = checked;
  if (verdict == HealthVerdict{agent->view.healthy, agent->view.health_problem}) return false;
  agent->view.healthy = verdict.healthy;
  agent->view.health_problem = verdict.problem;
  changed_ = true;
  return true;
}

int AgentRegistry::FreeAgents(std::vector<const AgentView*>* free) const {
  int credits = 0;
  for (const auto& [id, agent] : agents_) {
    if (agent.view.draining || !agent.view.healthy || agent.view.credits <= 0) continue;
    free->push_back(&agent.view);
    credits += agent.view.credits;
  }
  return credits;
}

int AgentRegistry::Slots(const TaskNeeds& needs) const {
  int slots = 0;
  for (const auto& [id, agent] : agents_) {
    if (CouldRun(needs, agent.view)) slots += agent.view.slots;
  }
  return slots;
}

void AgentRegistry::PublishIfChanged(std::map<std::string, std::vector<std::string>> running) {
  if (!changed_) return;
  changed_ = false;
  std::vector<AgentView> views;
  for (const auto& [id, agent] : agents_) {
    views.push_back(agent.view);
    auto it = running.find(id);
    if (it != running.end()) views.back().running = std::move(it->second);
  }
  snapshot_->Set(std::move(views));
}

}  // namespace arena
