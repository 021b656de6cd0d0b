// Pure placement logic: which connected agent may run a task, and why a task
// waits. No I/O, no locking; unit-tested directly.
//
// Stateless: nothing to own; thread-safe. The agent views are the caller's.
#ifndef ARENA_CONTROLLER_SCHEDULER_MATCHING_H_
#define ARENA_CONTROLLER_SCHEDULER_MATCHING_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "arena/v1/agent.pb.h"

namespace arena {

// "docker" for an empty executor name (jobs and agents from before the
// field).
inline std::string ExecutorOrDefault(const std::string& executor) {
  return executor.empty() ? "docker" : executor;
}

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
  std::set<std::string> images;      // local images, as of its last connect
  std::vector<std::string> running;  // "JOB/TASK" of its running attempts
  v1::ImageStore image_store;        // as last reported; not used for placement
  std::string executor = "docker";   // "docker" or "process"
  // agent_health.h: an unhealthy agent gets no new work.
  bool healthy = true;
  std::string health_problem;     // why not, when unhealthy
  int64_t health_checked_ms = 0;  // the agent's last check pass (0: unknown)
};

struct TaskNeeds {
  std::string arch;
  std::map<std::string, std::string> labels;
  // Soft preferences: avoid agents where earlier attempts failed (reruns);
  // prefer agents with a warm container of the job, then with the image.
  std::set<std::string> avoid;
  const std::set<std::string>* warm = nullptr;  // owned by the caller
  std::string image;
  std::string executor = "docker";  // only agents of this executor apply
};

struct Placement {
  std::string agent_id;
  bool emulated = false;
};

// Applicability first (executor, platform, labels, healthy, not draining,
// credits), then fitness, in order:
// a native platform beats emulation; an agent not in `avoid`; one in `warm`;
// one holding the image; the most free credits (spread); the smallest id
// (determinism).
std::optional<Placement> PickAgent(const TaskNeeds& needs, const std::vector<AgentView>& agents);
// The same over agents the caller keeps elsewhere (the scheduler passes
// only those with free credits).
std::optional<Placement> PickAgent(const TaskNeeds& needs,
                                   const std::vector<const AgentView*>& agents);

// Whether the agent could take a task with `needs` once it has a free
// credit (executor, platform, labels, healthy, not draining).
bool CouldRun(const TaskNeeds& needs, const AgentView& agent);

// The agents that could take a task with `needs` (executor, platform, labels,
// healthy, not draining), whatever their credits: how many, how many by emulation, and
// their free slots.
struct Capacity {
  int agents = 0;
  int emulated = 0;
  int free_slots = 0;
  std::vector<std::string> unhealthy;  // "ID: PROBLEM" of matching agents not counted
};
Capacity CountCapable(const TaskNeeds& needs, const std::vector<AgentView>& agents);

// One sentence for an operator on why no agent takes the task right now.
std::string ExplainWait(const TaskNeeds& needs, const std::vector<AgentView>& agents);

}  // namespace arena

#endif  // ARENA_CONTROLLER_SCHEDULER_MATCHING_H_
