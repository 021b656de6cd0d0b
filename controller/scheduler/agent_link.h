// The controller's handle on one connected agent stream. Implemented by the
// Connect reactor; a test double in unit tests.
//
// Owned jointly (shared_ptr) by the reactor and the scheduler, so it lives until
// both let go. Thread-safe: Send and Close may be called from any thread and
// never block.
#ifndef ARENA_CONTROLLER_SCHEDULER_AGENT_LINK_H_
#define ARENA_CONTROLLER_SCHEDULER_AGENT_LINK_H_

#include "absl/status/status.h"
#include "arena/v1/agent.pb.h"

namespace arena {

class AgentLink {
 public:
  virtual ~AgentLink() = default;
  // Queues a message; dropped silently once the stream has ended.
  virtual void Send(const v1::ControllerMessage& message) = 0;
  // Ends the stream with `status` after queued messages are written.
  virtual void Close(const absl::Status& status) = 0;
};

}  // namespace arena

#endif  // ARENA_CONTROLLER_SCHEDULER_AGENT_LINK_H_
