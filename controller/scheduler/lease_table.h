// Agents' leases, judged only on time in which the controller itself ran.
//
// An agent that is silent past its lease loses its attempts. Silence is
// measured from the last message the scheduler handled, so time in which the
// scheduler did not run at all (the process stopped, a paused VM, a stalled
// batch on a slow disk) would count against agents that kept talking: their
// messages wait unread in sockets and queues. The scheduler therefore tells
// the table each time its loop runs a tick; a gap of more than two ticks
// means it was not running, and every lease restarts at that moment.
//
// Owned by the scheduler's AgentRegistry and confined to the scheduler's
// thread: not thread-safe. Pure:
// times are passed in, so tests need no clock.
#ifndef ARENA_CONTROLLER_SCHEDULER_LEASE_TABLE_H_
#define ARENA_CONTROLLER_SCHEDULER_LEASE_TABLE_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"

namespace arena {

class LeaseTable {
 public:
  LeaseTable(absl::Duration lease, absl::Duration tick) : lease_(lease), tick_(tick) {}

  // A message from the agent: its lease starts again at `now`.
  void Heard(const std::string& agent_id, absl::Time now) { heard_[agent_id] = now; }
  // An agent known only from the store (after a restart) gets `grace` from
  // `now` instead of a whole lease.
  void Grant(const std::string& agent_id, absl::Time now, absl::Duration grace) {
    heard_[agent_id] = now - lease_ + grace;
  }
  void Forget(const std::string& agent_id) { heard_.erase(agent_id); }
  void Clear() { heard_.clear(); }

  // The scheduler's loop ran a tick at `now`. When more than two ticks have
  // passed since the previous one, the controller was not running: every
  // lease restarts at `now`, and the gap is returned (zero otherwise).
  absl::Duration LoopRan(absl::Time now);

  // Agents silent past their lease as of `now`, with how long.
  std::vector<std::pair<std::string, absl::Duration>> Expired(absl::Time now) const;

  absl::Duration lease() const { return lease_; }

 private:
  const absl::Duration lease_;
  const absl::Duration tick_;
  std::map<std::string, absl::Time> heard_;  // by agent id
  absl::Time last_loop_ = absl::InfinitePast();
};

}  // namespace arena

#endif  // ARENA_CONTROLLER_SCHEDULER_LEASE_TABLE_H_
