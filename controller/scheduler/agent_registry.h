// The agents the scheduler knows: each connected agent's stream and what it
// offers (platforms, labels, slots, credits, draining, images), the leases
// of every agent that may still run attempts, and the snapshot of the
// connected agents that API threads read.
//
// AgentRegistry is owned by the Scheduler and confined to its thread: not
// thread-safe. AgentSnapshot is thread-safe: the registry writes it at the
// end of a batch, any thread reads it.
#ifndef ARENA_CONTROLLER_SCHEDULER_AGENT_REGISTRY_H_
#define ARENA_CONTROLLER_SCHEDULER_AGENT_REGISTRY_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "arena/v1/agent.pb.h"
#include "controller/scheduler/agent_health.h"
#include "controller/scheduler/agent_link.h"
#include "controller/scheduler/lease_table.h"
#include "controller/scheduler/matching.h"

namespace arena {

// The connected agents as of the last published batch. Thread-safe.
class AgentSnapshot {
 public:
  void Set(std::vector<AgentView> agents);
  std::vector<AgentView> Get() const;

 private:
  mutable absl::Mutex mu_;
  std::vector<AgentView> agents_ ABSL_GUARDED_BY(mu_);
};

struct ConnectedAgent {
  std::shared_ptr<AgentLink> link;
  AgentView view;
  ClockCheck clock;
  bool reported_health = false;  // false: an agent before health checks
  v1::AgentHealth health;        // as last reported
};

class AgentRegistry {
 public:
  // Publishes into `snapshot`, which must outlive the registry.
  AgentRegistry(absl::Duration lease, absl::Duration tick, AgentSnapshot* snapshot)
      : leases_(lease, tick), snapshot_(snapshot) {}

  // The agent's new stream, as its Hello describes it; an earlier stream of
  // the same agent is closed (Aborted). Its lease starts at `now`.
  ConnectedAgent& Connect(const std::string& agent_id, std::shared_ptr<AgentLink> link,
                          const v1::Hello& hello, bool draining, absl::Time now);
  // Null when the agent is not connected.
  ConnectedAgent* Find(const std::string& agent_id);
  // The agent's stream `link` ended: forgets the agent when that is its
  // current stream (true). Its lease keeps running.
  bool Disconnected(const std::string& agent_id, const AgentLink* link);
  // Ends the agent's stream with `why` and forgets the agent until it
  // connects again; nothing more is dispatched to it.
  void Close(const std::string& agent_id, const absl::Status& why);
  // Closes every stream and forgets every agent, leases too.
  void CloseAll(const absl::Status& why);

  // The agent granted `credits` more (at most its slots in all).
  void AddCredits(const std::string& agent_id, int credits);
  // An assignment took one of the agent's credits.
  void TakeCredit(const std::string& agent_id);
  void SetDraining(const std::string& agent_id, bool draining);
  // A heartbeat's image store; marks a change only when it differs.
  void SetImageStore(const std::string& agent_id, const v1::ImageStore& store);
  // A Hello's or heartbeat's health (`reported` null: it carried none, the
  // last one stands) and its clock stamp, received at `now_ms`. True when
  // the verdict changed (marked for the snapshot).
  bool SetHealth(const std::string& agent_id, const v1::AgentHealth* reported, int64_t sent_unix_ms,
                 int64_t now_ms);
  // Connected agents healthy, not draining, that have a free credit, with the sum of
  // their credits. The pointers stay valid until an agent is forgotten.
  int FreeAgents(std::vector<const AgentView*>* free) const;

  // The slots of every connected agent that could take a task with `needs`
  // (busy or not).
  int Slots(const TaskNeeds& needs) const;

  LeaseTable& leases() { return leases_; }

  // Something the snapshot shows changed (the caller's running attempts).
  void MarkChanged() { changed_ = true; }
  // When anything changed since the last publish: publishes the connected
  // agents, each with its running attempts from `running` ("JOB/TASK" by
  // agent id).
  void PublishIfChanged(std::map<std::string, std::vector<std::string>> running);
  bool changed() const { return changed_; }

 private:
  std::map<std::string, ConnectedAgent> agents_;  // by agent id
  LeaseTable leases_;
  AgentSnapshot* const snapshot_;
  bool changed_ = false;
};

}  // namespace arena

#endif  // ARENA_CONTROLLER_SCHEDULER_AGENT_REGISTRY_H_
