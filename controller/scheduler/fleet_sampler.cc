#include "controller/scheduler/fleet_sampler.h"

#include <algorithm>

namespace arena {

void FleetSampler::Started(const std::string& arch, int64_t wait_ms) {
  Waits& waits = started_[arch];
  wait_ms = std::max<int64_t>(wait_ms, 0);  // a clock step back reads as no wait
  ++waits.count;
  waits.sum_ms += wait_ms;
  waits.max_ms = std::max(waits.max_ms, wait_ms);
}

std::vector<v1::FleetSample> FleetSampler::Take(absl::Time now,
                                                const std::vector<AgentView>& agents,
                                                const std::map<std::string, int>& queued) {
  last_ = Interval(now);
  std::map<std::string, v1::FleetSample> by_arch;
  auto sample = [&](const std::string& arch) -> v1::FleetSample& {
    seen_.insert(arch);
    v1::FleetSample& s = by_arch[arch];
    s.set_arch(arch);
    return s;
  };
  for (const AgentView& agent : agents) {
    // Credits are the slots the agent has free for new work.
    const int busy = std::clamp(agent.slots - agent.credits, 0, agent.slots);
    const bool available = agent.healthy && !agent.draining;
    std::set<std::string> archs;  // a platform listed twice counts once
    for (const AgentPlatform& p : agent.platforms) archs.insert(p.arch);
    for (const std::string& arch : archs) {
      v1::FleetSample& s = sample(arch);
      s.set_agents(s.agents() + 1);
      s.set_slots(s.slots() + agent.slots);
      s.set_busy(s.busy() + busy);
      if (!available) s.set_unavailable(s.unavailable() + agent.slots - busy);
    }
  }
  for (const auto& [arch, depth] : queued) sample(arch).set_queued(depth);
  for (const auto& [arch, waits] : started_) {
    v1::FleetSample& s = sample(arch);
    s.set_started(waits.count);
    s.set_start_wait_ms_avg(waits.count > 0 ? waits.sum_ms / waits.count : 0);
    s.set_start_wait_ms_max(waits.max_ms);
  }
  started_.clear();
  std::vector<v1::FleetSample> samples;
  const int64_t at_ms = last_ * absl::ToInt64Milliseconds(interval_);
  for (const std::string& arch : seen_) {
    v1::FleetSample s = by_arch.count(arch) ? by_arch[arch] : v1::FleetSample();
    s.set_arch(arch);
    s.set_unix_ms(at_ms);
    samples.push_back(std::move(s));
  }
  return samples;
}

}  // namespace arena
