#include "controller/scheduler/matching.h"

#include <algorithm>
#include <tuple>

#include "absl/strings/str_cat.h"

namespace arena {
namespace {

// Returns the agent's platform entry for `arch`, or nullptr.
const AgentPlatform* FindPlatform(const AgentView& agent, const std::string& arch) {
  const AgentPlatform* emulated = nullptr;
  for (const AgentPlatform& p : agent.platforms) {
    if (p.arch != arch) continue;
    if (!p.emulated) return &p;
    emulated = &p;
  }
  return emulated;
}

bool HasLabels(const AgentView& agent, const std::map<std::string, std::string>& labels) {
  for (const auto& [key, value] : labels) {
    auto it = agent.labels.find(key);
    if (it == agent.labels.end() || it->second != value) return false;
  }
  return true;
}

}  // namespace

std::optional<Placement> PickAgent(const TaskNeeds& needs, const std::vector<AgentView>& agents) {
  std::vector<const AgentView*> pointers;
  pointers.reserve(agents.size());
  for (const AgentView& agent : agents) pointers.push_back(&agent);
  return PickAgent(needs, pointers);
}

std::optional<Placement> PickAgent(const TaskNeeds& needs,
                                   const std::vector<const AgentView*>& agents) {
  const AgentView* best = nullptr;
  bool best_emulated = true;
  // Larger is better, compared in order; the id breaks ties (smaller wins).
  auto score = [&needs](const AgentView& agent, bool emulated) {
    return std::make_tuple(!emulated, needs.avoid.count(agent.id) == 0,
                           needs.warm != nullptr && needs.warm->count(agent.id) > 0,
                           !needs.image.empty() && agent.images.count(needs.image) > 0,
                           agent.credits);
  };
  for (const AgentView* candidate : agents) {
    const AgentView& agent = *candidate;
    if (agent.draining || !agent.healthy || agent.credits <= 0 ||
        agent.executor != needs.executor || !HasLabels(agent, needs.labels)) {
      continue;
    }
    const AgentPlatform* platform = FindPlatform(agent, needs.arch);
    if (platform == nullptr) continue;
    bool better = best == nullptr;
    if (!better) {
      auto mine = score(agent, platform->emulated);
      auto theirs = score(*best, best_emulated);
      better = mine > theirs || (mine == theirs && agent.id < best->id);
    }
    if (better) {
      best = &agent;
      best_emulated = platform->emulated;
    }
  }
  if (best == nullptr) return std::nullopt;
  return Placement{best->id, best_emulated};
}

bool CouldRun(const TaskNeeds& needs, const AgentView& agent) {
  return !agent.draining && agent.healthy && agent.executor == needs.executor &&
         HasLabels(agent, needs.labels) && FindPlatform(agent, needs.arch) != nullptr;
}

Capacity CountCapable(const TaskNeeds& needs, const std::vector<AgentView>& agents) {
  Capacity capacity;
  for (const AgentView& agent : agents) {
    const AgentPlatform* platform = FindPlatform(agent, needs.arch);
    if (platform == nullptr || agent.draining || agent.executor != needs.executor ||
        !HasLabels(agent, needs.labels)) {
      continue;
    }
    if (!agent.healthy) {
      capacity.unhealthy.push_back(absl::StrCat(agent.id, ": ", agent.health_problem));
      continue;
    }
    ++capacity.agents;
    if (platform->emulated) ++capacity.emulated;
    capacity.free_slots += std::max(0, agent.slots - static_cast<int>(agent.running.size()));
  }
  return capacity;
}

namespace {

// "no healthy agent offers amd64: agent A unhealthy: P; agent B unhealthy: Q"
// (the first three named).
std::string NoHealthyAgent(const std::string& arch, const std::vector<const AgentView*>& sick) {
  std::string text = absl::StrCat("no healthy agent offers ", arch, ": ");
  for (size_t i = 0; i < sick.size() && i < 3; ++i) {
    absl::StrAppend(&text, i == 0 ? "" : "; ", "agent ", sick[i]->id,
                    " unhealthy: ", sick[i]->health_problem);
  }
  if (sick.size() > 3) absl::StrAppend(&text, "; and ", sick.size() - 3, " more");
  return text;
}

}  // namespace

std::string ExplainWait(const TaskNeeds& needs, const std::vector<AgentView>& agents) {
  int with_executor = 0;
  int with_platform = 0;
  int with_labels = 0;
  int available = 0;
  std::vector<const AgentView*> unhealthy;  // matching, not draining
  for (const AgentView& agent : agents) {
    if (agent.executor != needs.executor) continue;
    ++with_executor;
    if (FindPlatform(agent, needs.arch) == nullptr) continue;
    ++with_platform;
    if (!HasLabels(agent, needs.labels)) continue;
    ++with_labels;
    if (agent.draining) continue;
    if (!agent.healthy) {
      unhealthy.push_back(&agent);
    } else {
      ++available;
    }
  }
  if (agents.empty()) return "no agent is connected";
  if (with_executor == 0) {
    return absl::StrCat("no connected agent has the ", needs.executor, " executor");
  }
  if (with_platform == 0) return absl::StrCat("no connected agent offers ", needs.arch);
  if (with_labels == 0) {
    std::string wanted;
    for (const auto& [key, value] : needs.labels) {
      absl::StrAppend(&wanted, wanted.empty() ? "" : ",", key, "=", value);
    }
    return absl::StrCat("required label ", wanted, " matches no agent offering ", needs.arch);
  }
  if (available == 0 && !unhealthy.empty()) return NoHealthyAgent(needs.arch, unhealthy);
  if (available == 0) {
    return absl::StrCat(with_labels, " matching agent", with_labels == 1 ? "" : "s",
                        ", all draining");
  }
  if (PickAgent(needs, agents).has_value()) return "about to be assigned";
  return absl::StrCat(available, " matching agent", available == 1 ? "" : "s", ", all slots busy");
}

}  // namespace arena
