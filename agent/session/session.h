// The agent's session with the controller: its Connect stream, kept up
// across reconnects, and the attempts it is given. ("Session" means only
// this; a reused container is a warm container, the key tests share one by
// a warm key.)
//
// Run() connects over mTLS (ControllerLink), says Hello (platforms, labels,
// free slots as credits, attempts still held), then pulls work: each Assign
// runs on its own thread (AttemptThreads) through the Executor. An attempt's
// output goes to its OutputSpool on disk; the Outbox hands the connection's
// writer control messages, then log chunks in offset order (at most
// LogSpool::kWindowBytes ahead of what the controller acknowledged durable,
// so memory stays bounded whatever the container prints), then files, then
// the result after its last byte. After a reconnect the controller's LogAck
// says where to resume. The CertificateRenewer renews the client
// certificate over the stream. Reconnects use jittered exponential backoff
// (common/backoff.h); a controller that refuses the agent (revoked, not
// enrolled) ends Run.
//
// Stopping (the stop notification, SIGTERM): the running attempts are given
// up: their containers get SIGTERM, a grace period, SIGKILL, and each is
// reported to the controller as lost (it retries the task elsewhere) while
// the stream is still up; assignments that arrive meanwhile are handed back
// the same way. Run returns within `stop_timeout`; the destructor then joins
// the attempt threads still running, so none outlives the session.
//
// Owned by the agent's main; thread-safe. The session's lock guards only
// the attempt table and is never held across disk I/O or the executor.
#ifndef ARENA_AGENT_SESSION_SESSION_H_
#define ARENA_AGENT_SESSION_SESSION_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "agent/executor/executor.h"
#include "agent/health/health_monitor.h"
#include "agent/session/attempt_threads.h"
#include "agent/session/cert_renewer.h"
#include "agent/session/enrollment.h"
#include "agent/session/outbox.h"
#include "agent/session/output_spool.h"
#include "agent/session/task_hooks.h"
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
  std::string executor = "docker";  // advertised in Hello: "docker" or "process"
  std::string work_dir;             // per-attempt workspaces live below it
  std::string spool_dir;            // per-attempt output spools live below it
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
  // The agent's health for Hello and heartbeats, told of failed post-task
  // hooks (optional; must outlive the session). A change is sent at once.
  HealthMonitor* health = nullptr;
  // --pre-task and --post-task around every attempt.
  TaskHooks hooks;
  // The session's time: every timestamp it sends (Hello, heartbeats,
  // events), how long a connection stayed up (which resets the reconnect
  // backoff), the stop deadline and the certificate's renewal. Tests set
  // their own; waits still take real time.
  std::function<absl::Time()> clock = absl::Now;
};

class AgentSession {
 public:
  // `executor` must outlive the session.
  AgentSession(SessionOptions options, Executor* executor);
  // Joins every attempt thread (Run has given them up).
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
  // Hello plus the started events the controller may have missed; opens the
  // outbox.
  v1::AgentMessage BeginConnection() ABSL_LOCKS_EXCLUDED(mu_);
  v1::AgentMessage MakeHello() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Once `stop` is notified, gives up the attempts, waits until they are
  // reported (or the stop deadline), then calls `end_stream`. Returns when
  // `over` is notified or after `end_stream`.
  void EndStreamOnStop(const absl::Notification* stop, const absl::Notification* over,
                       const std::function<void()>& end_stream) ABSL_LOCKS_EXCLUDED(mu_);
  // Cancels every running attempt as "agent is stopping" (reported lost);
  // the first call starts the stop deadline.
  void GiveUpAttempts() ABSL_LOCKS_EXCLUDED(mu_);
  // Real time left until the stop deadline (infinite before a stop).
  absl::Duration UntilStopDeadline() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stop_deadline_ - options_.clock();
  }
  // The controller refused the agent: nothing it runs can be reported.
  void FenceAll(const std::string& reason) ABSL_LOCKS_EXCLUDED(mu_);
  void Handle(const v1::ControllerMessage& message);
  void HandleAssign(const v1::Assign& assign) ABSL_LOCKS_EXCLUDED(mu_);
  void HandleCancel(const v1::Cancel& cancel) ABSL_LOCKS_EXCLUDED(mu_);
  void HandleLogAck(const v1::LogAck& ack) ABSL_LOCKS_EXCLUDED(mu_);
  void HandleBaseCredentials(const v1::BaseImageCredentials& answer) ABSL_LOCKS_EXCLUDED(mu_);
  void RunAttempt(std::shared_ptr<Attempt> attempt) ABSL_LOCKS_EXCLUDED(mu_);
  // Sends the current health now rather than at the next idle heartbeat.
  void SendHealth() ABSL_LOCKS_EXCLUDED(mu_);
  // Why the attempt must not run at all, or an empty string.
  std::string RefusalFor(const Attempt& attempt) const;
  void RecordResult(Attempt* attempt, RunResult result) ABSL_LOCKS_EXCLUDED(mu_);
  // Asks the controller for its credentials of a build's base image hosts
  // and waits (bounded) for the answer; none when not connected.
  std::vector<RegistryLogin> FetchBaseLogins(Attempt* attempt,
                                             const std::vector<std::string>& hosts)
      ABSL_LOCKS_EXCLUDED(mu_);
  // Drops the attempt from the session and the outbox; returns its output
  // for the caller to remove once the lock is released (nullptr if none).
  std::shared_ptr<OutputSpool> Forget(const std::string& attempt_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const SessionOptions options_;
  Executor* const executor_;
  CertificateRenewer renewer_;
  Outbox outbox_;

  mutable absl::Mutex mu_;
  std::map<std::string, std::shared_ptr<Attempt>> attempts_ ABSL_GUARDED_BY(mu_);
  int busy_slots_ ABSL_GUARDED_BY(mu_) = 0;
  bool connected_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time stop_deadline_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();
  // Last member: joined first, while everything the threads use is alive.
  AttemptThreads threads_;
};

}  // namespace arena

#endif  // ARENA_AGENT_SESSION_SESSION_H_
