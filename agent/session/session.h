// The agent's one long-lived Connect stream to the controller.
//
// Run() connects over mTLS, says Hello (platforms, labels, free slots as
// credits, attempts still held), then pulls work: each Assign runs on its own
// thread through the Executor. Every log byte is kept until the controller
// acknowledges it durable; after a reconnect the unacknowledged bytes and any
// unrecorded result are sent again. Reconnects use jittered exponential
// backoff. Thread-safe.
#ifndef ARENA_AGENT_SESSION_SESSION_H_
#define ARENA_AGENT_SESSION_SESSION_H_

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "agent/executor/executor.h"
#include "agent/session/enrollment.h"
#include "arena/v1/agent.pb.h"

namespace arena {

struct SessionOptions {
  std::string controller;  // host:port
  AgentIdentity identity;
  std::string hostname;
  int slots = 1;
  std::map<std::string, std::string> labels;
  std::vector<v1::Platform> platforms;
  std::vector<std::string> images;
  std::string work_dir;  // per-attempt workspaces live below it
  absl::Duration heartbeat = absl::Seconds(10);
};

class AgentSession {
 public:
  // `executor` must outlive the session.
  AgentSession(SessionOptions options, Executor* executor);
  ~AgentSession();

  // Connects and serves until `stop` is notified; then stops running
  // attempts and returns once they have ended (bounded by `drain`).
  void Run(const absl::Notification* stop, absl::Duration drain);

 private:
  struct Attempt;
  class Observer;
  class Connection;

  void ServeOneConnection(const absl::Notification* stop, bool* said_hello);
  v1::AgentMessage MakeHello() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Handle(const v1::ControllerMessage& message);
  void HandleAssign(const v1::Assign& assign);
  void HandleLogAck(const v1::LogAck& ack);
  void RunAttempt(std::shared_ptr<Attempt> attempt);
  void AppendOutput(Attempt* attempt, int stream, absl::string_view data);
  void Enqueue(v1::AgentMessage message) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const SessionOptions options_;
  Executor* const executor_;

  absl::Mutex mu_;
  std::map<std::string, std::shared_ptr<Attempt>> attempts_
      ABSL_GUARDED_BY(mu_);
  int busy_slots_ ABSL_GUARDED_BY(mu_) = 0;
  // Messages for the current connection, in send order; cleared when it ends.
  std::deque<v1::AgentMessage> outgoing_ ABSL_GUARDED_BY(mu_);
  bool connected_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace arena

#endif  // ARENA_AGENT_SESSION_SESSION_H_
