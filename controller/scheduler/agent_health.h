// An agent's health as the controller sees it: what the agent's own checks
// reported (Hello, heartbeats) and the controller's judgement of the agent's
// clock. An unhealthy agent gets no new work (matching.h); its running
// attempts go on.
//
// The clock: each Hello and heartbeat carries the agent's unix_ms when sent;
// the controller notes `received - sent`, which is the message's delay minus
// the agent's clock offset. The delay is never negative, so the smallest gap
// of the last few messages is the tightest bound: below -30 s the agent's
// clock is surely over 30 s ahead; above +30 s either its clock is that far
// behind or every recent message took that long, and either way the agent is
// not fit to take work.
//
// Values, owned by the agent registry's entry; confined to the scheduler's
// thread like it: not thread-safe.
#ifndef ARENA_CONTROLLER_SCHEDULER_AGENT_HEALTH_H_
#define ARENA_CONTROLLER_SCHEDULER_AGENT_HEALTH_H_

#include <cstdint>
#include <deque>
#include <string>

#include "arena/v1/agent.pb.h"

namespace arena {

class ClockCheck {
 public:
  static constexpr int64_t kMaxSkewMs = 30000;
  static constexpr size_t kWindow = 3;  // messages whose smallest gap counts

  // A message the agent stamped `sent_unix_ms` arrived at `received_unix_ms`
  // (the controller's clock). A zero stamp (an agent before the field) is
  // ignored.
  void Observe(int64_t sent_unix_ms, int64_t received_unix_ms);
  // "clock 45s ahead of the controller's", "clock at least 45s behind the
  // controller's", or empty while within kMaxSkewMs (or nothing observed).
  std::string Problem() const;

 private:
  std::deque<int64_t> gaps_ms_;  // received - sent, newest last
};

struct HealthVerdict {
  bool healthy = true;
  std::string problem;  // the problems joined with "; "; empty when healthy
  bool operator==(const HealthVerdict& other) const {
    return healthy == other.healthy && problem == other.problem;
  }
};

// The agent's reported health (`reported` null: it never reported one, as
// agents before the field: healthy) combined with the clock's judgement.
HealthVerdict JudgeHealth(const v1::AgentHealth* reported, const ClockCheck& clock);

}  // namespace arena

#endif  // ARENA_CONTROLLER_SCHEDULER_AGENT_HEALTH_H_
