// The agent's one long-lived Connect stream to the controller.
//
// Run() connects over mTLS, says Hello (platforms, labels, free slots as
// credits, attempts still held), then pulls work: each Assign runs on its own
// thread through the Executor. An attempt's output is appended to a spool
// file; the writer sends it in offset order, at most kWindow bytes ahead of
// what the controller has acknowledged durable, so memory stays bounded
// whatever the container prints. After a reconnect the controller's LogAck
// says where to resume, then the result follows its last byte. Reconnects
// use jittered exponential backoff (common/backoff.h); a controller that
// refuses the agent (revoked, not enrolled) ends Run.
//
// Stopping (the stop notification, SIGTERM): the running attempts are given
// up: their containers get SIGTERM, a grace period, SIGKILL, and each is
// reported to the controller as lost (it retries the task elsewhere) while
// the stream is still up; assignments that arrive meanwhile are handed back
// the same way. All of it within `stop_timeout`. Thread-safe.
#ifndef ARENA_AGENT_SESSION_SESSION_H_
#define ARENA_AGENT_SESSION_SESSION_H_

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
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
  std::string work_dir;   // per-attempt workspaces live below it
  std::string spool_dir;  // per-attempt output spools live below it
  absl::Duration heartbeat = absl::Seconds(10);
  std::string state_dir;  // where a renewed key and certificate are stored
  // Clone file://, plain-path and other local repositories (tests and
  // single-host setups only: a submitter could read the agent's host).
  bool allow_local_repos = false;
  // Bytes of artifacts and JUnit reports copied out per attempt.
  int64_t max_file_bytes = int64_t{512} << 20;
  // From the stop request until Run returns, at most.
  absl::Duration stop_timeout = absl::Seconds(30);
  // The images Arena keeps here, for Hello and heartbeats (optional; called
  // with the session's lock held, so it must not call back into it).
  std::function<v1::ImageStore()> image_store;
};

class AgentSession {
 public:
  // `executor` must outlive the session.
  AgentSession(SessionOptions options, Executor* executor);
  ~AgentSession();

  // Connects and serves until `stop` is notified; then gives up the running
  // attempts and returns once they have ended (bounded by stop_timeout).
  // PermissionDenied when the controller refused this agent (revoked or not
  // enrolled): retrying cannot help.
  absl::Status Run(const absl::Notification* stop);

 private:
  struct Attempt;
  class Observer;
  struct ConnectionEnd {
    absl::Status status;                           // how the stream ended
    absl::Duration lasted = absl::ZeroDuration();  // up this long after Hello
  };

  ConnectionEnd ServeOneConnection(const absl::Notification* stop);
  // Sends messages in order, one in flight, a heartbeat when idle, until the
  // connection is over; `cancel` ends the stream after a failed write.
  void WriteLoop(const std::function<bool(const v1::AgentMessage&)>& write,
                 const std::function<void()>& cancel) ABSL_LOCKS_EXCLUDED(mu_);
  // Hello plus the started events the controller may have missed.
  v1::AgentMessage BeginConnection() ABSL_LOCKS_EXCLUDED(mu_);
  // Once `stop` is notified, gives up the attempts, waits until they are
  // reported (or the stop deadline), then calls `end_stream`. Returns when
  // `over` is notified or after `end_stream`.
  void EndStreamOnStop(const absl::Notification* stop, const absl::Notification* over,
                       const std::function<void()>& end_stream) ABSL_LOCKS_EXCLUDED(mu_);
  // Cancels every running attempt as "agent is stopping" (reported lost);
  // the first call starts the stop deadline.
  void GiveUpAttempts() ABSL_LOCKS_EXCLUDED(mu_);
  v1::AgentMessage MakeHello() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The next message for the writer, if any is ready.
  std::optional<v1::AgentMessage> NextMessage() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The next piece of the attempt's current file, or nullopt when the file
  // could not be read (it is dropped).
  std::optional<v1::AgentMessage> NextFileChunk(const std::string& id, Attempt* attempt)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool HasWork() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Handle(const v1::ControllerMessage& message);
  void HandleAssign(const v1::Assign& assign);
  void HandleCancel(const v1::Cancel& cancel);
  void HandleLogAck(const v1::LogAck& ack);
  void HandleRenewed(const v1::RenewCert& renewed);
  // Picks when to renew the current certificate: a random point between 70%
  // and 90% of its lifetime.
  void ScheduleRenewal() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool RenewalDue() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RunAttempt(std::shared_ptr<Attempt> attempt);
  RunRequest RequestFor(Attempt* attempt);
  // Clones the attempt's repo with its host's credential, if any.
  WorkspaceMaker WorkspaceMakerFor(const Attempt& attempt) const;
  std::string RefusalFor(const Attempt& attempt) const;
  void RecordResult(Attempt* attempt, RunResult result) ABSL_LOCKS_EXCLUDED(mu_);
  // Asks the controller for its credentials of a build's base image hosts
  // and waits (bounded) for the answer; none when not connected.
  std::vector<RegistryLogin> FetchBaseLogins(Attempt* attempt,
                                             const std::vector<std::string>& hosts)
      ABSL_LOCKS_EXCLUDED(mu_);
  void AppendOutput(Attempt* attempt, int stream, absl::string_view data) ABSL_LOCKS_EXCLUDED(mu_);
  void AppendChannel(Attempt* attempt, const std::string& channel, absl::string_view data)
      ABSL_LOCKS_EXCLUDED(mu_);
  void Forget(const std::string& attempt_id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const SessionOptions options_;
  Executor* const executor_;

  mutable absl::Mutex mu_;
  std::map<std::string, std::shared_ptr<Attempt>> attempts_ ABSL_GUARDED_BY(mu_);
  int busy_slots_ ABSL_GUARDED_BY(mu_) = 0;
  // Control messages (started events, credits) for the current connection.
  std::deque<v1::AgentMessage> control_ ABSL_GUARDED_BY(mu_);
  bool connected_ ABSL_GUARDED_BY(mu_) = false;
  // The identity in use; a renewal replaces key and certificate.
  AgentIdentity identity_ ABSL_GUARDED_BY(mu_);
  absl::Time renew_at_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();
  bool renew_sent_ ABSL_GUARDED_BY(mu_) = false;
  std::string pending_key_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time stop_deadline_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();
};

}  // namespace arena

#endif  // ARENA_AGENT_SESSION_SESSION_H_
