// Pure placement logic: which connected agent may run a task, and why a task
// waits. No I/O, no locking; unit-tested directly.
#ifndef ARENA_CONTROLLER_SCHEDULER_MATCHING_H_
#define ARENA_CONTROLLER_SCHEDULER_MATCHING_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace arena {

struct AgentPlatform {
  std::string arch;
  bool emulated = false;
};

struct AgentView {
  std::string id;
  std::vector<AgentPlatform> platforms;
  std::map<std::string, std::string> labels;
  int slots = 0;
  int credits = 0;  // assignments the agent has granted and not yet received
  bool draining = false;
};

struct TaskNeeds {
  std::string arch;
  std::map<std::string, std::string> labels;
};

struct Placement {
  std::string agent_id;
  bool emulated = false;
};

// Applicability first (platform, labels, credits), then fitness: a native
// platform beats emulation, then the agent with the most free credits wins
// (spread), then the smallest id (determinism).
std::optional<Placement> PickAgent(const TaskNeeds& needs, const std::vector<AgentView>& agents);

// One sentence for an operator on why no agent takes the task right now.
std::string ExplainWait(const TaskNeeds& needs, const std::vector<AgentView>& agents);

}  // namespace arena

#endif  // ARENA_CONTROLLER_SCHEDULER_MATCHING_H_
