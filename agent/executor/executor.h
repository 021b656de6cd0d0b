// What an executor runs and what it reports. The agent's session owns the
// attempts and hands each one to an Executor on its own thread. Interfaces;
// StopSignal is thread-safe.
#ifndef ARENA_AGENT_EXECUTOR_EXECUTOR_H_
#define ARENA_AGENT_EXECUTOR_EXECUTOR_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "agent/executor/registry_auth.h"
#include "common/image_ref.h"

namespace arena {

// Prepares a checkout for a container (mounted at /workspace) and returns
// its directory, or "" when the job has no repo. `output` receives git's
// messages.
using WorkspaceMaker = std::function<absl::StatusOr<std::string>(
    const std::function<void(absl::string_view)>& output)>;

// The image built from the checkout instead of pulled (JobSpec.build).
struct ImageBuild {
  bool enabled = false;
  std::string dockerfile = "Dockerfile";  // relative to the checkout
  std::string context = ".";
  std::map<std::string, std::string> args;
  std::string target;
  // The job's own pull policy for the base images; "": each one's default.
  std::string pull_policy;
};

// A container started before the command in its network namespace
// (Assign.services; service_pod.h).
struct ServiceRequest {
  std::string name;
  std::string image;  // for the attempt's architecture
  PullPolicy pull_policy = PullPolicy::kNever;
  std::vector<std::string> command;  // empty: the image's own
  std::map<std::string, std::string> env;
  enum class Probe { kNone, kTcp, kHttp, kExec };
  // kNone: the image's HEALTHCHECK when it has one, else started.
  Probe probe = Probe::kNone;
  int port = 0;           // kTcp, kHttp
  std::string http_path;  // kHttp, starts with '/'
  std::string exec;       // kExec, run with sh -c in the service
  absl::Duration ready_timeout = absl::Seconds(60);
};

struct RunRequest {
  std::string attempt_id;
  std::string task_id;
  std::string job_id;
  std::string arch;  // normalised
  std::string image;
  PullPolicy pull_policy = PullPolicy::kNever;
  // The controller's registry credentials for this attempt's pulls
  // (registry_auth.h picks the one for each image's host); for a build, its
  // base images' hosts.
  std::vector<RegistryLogin> registry_logins;
  // With build.enabled, `image` is only a label ("build:Dockerfile"): the
  // image is built from the checkout, which make_workspace must provide.
  ImageBuild build;
  // For a build: the controller's credentials for its base images' hosts,
  // asked for once the Dockerfile is read (blocks, bounded); optional.
  std::function<std::vector<RegistryLogin>(const std::vector<std::string>& hosts)>
      fetch_base_logins;
  std::vector<std::string> command;
  std::map<std::string, std::string> env;
  WorkspaceMaker make_workspace;  // optional; the executor removes what it made
  absl::Duration timeout = absl::Hours(1);
  absl::Duration stop_grace = absl::Seconds(10);
  int64_t memory_mb = 0;  // 0: no limit
  double cpus = 0;
  int64_t pids = 0;
  // The writable layer and /tmp, in MiB (0: no limit). Where the storage
  // driver cannot enforce it, /tmp is a tmpfs of this size and the layer's
  // size is watched; over it the container is killed.
  int64_t disk_mb = 0;
  std::string network = "none";
  std::string user;
  // Copied out after the command exits into files_dir/files and
  // files_dir/junit (relative paths against the working directory).
  std::vector<std::string> artifacts;
  std::vector<std::string> junit;
  std::string files_dir;
  int64_t max_file_bytes = 512 << 20;
  // Tests sharing a warm key may run by exec in one warm container (the
  // controller's Assign.session).
  std::string warm_key;
  bool destructive = false;  // a fresh container; the key's warm containers end after it
  // Started in order before the command, each once the one before is ready;
  // the command's container joins their network namespace.
  std::vector<ServiceRequest> services;
};

struct CopiedFile {
  std::string path;  // relative, as stored by the controller
  bool junit = false;
  std::string local_path;
  int64_t size = 0;
};

struct RunResult {
  enum class Outcome { kExited, kError, kTimedOut, kCancelled };
  Outcome outcome = Outcome::kError;
  int exit_code = -1;
  std::string reason;
  bool oom_killed = false;
  std::vector<CopiedFile> files;
  // What was skipped, truncated or refused on the attempt's behalf, one line
  // each (also printed in its log); kept in the attempt's record.
  std::vector<std::string> notes;
  // What ran: the image's repo digest, else its id ("" when none ran).
  std::string image_digest;
  // An error no retry can fix (refused credentials, unknown image or tag,
  // a platform the image lacks): not retried on another agent.
  bool permanent = false;
};

// Receives an attempt's progress. Called from the executor's thread.
// What an attempt is doing before its command runs, for the task's live
// status (never its log).
struct RunProgress {
  std::string phase;   // "pulling", "building"
  std::string detail;  // the image
  int64_t done = 0;    // bytes
  int64_t total = 0;   // bytes announced so far; 0: unknown
};

class RunObserver {
 public:
  virtual ~RunObserver() = default;
  virtual void OnStarted() = 0;
  // stream: 1 stdout, 2 stderr, 3 Arena's own messages.
  virtual void OnOutput(int stream, absl::string_view data) = 0;
  // Best effort: may be dropped while disconnected.
  virtual void OnProgress(const RunProgress& progress) { (void)progress; }
  // Output for another log of the attempt (common/log_channel.h: "build").
  virtual void OnChannelOutput(const std::string& channel, absl::string_view data) {}
};

// Lets another thread stop a running attempt. Thread-safe.
class StopSignal {
 public:
  void Cancel(const std::string& reason) {
    absl::MutexLock lock(&mu_);
    if (!cancelled_) reason_ = reason;
    cancelled_ = true;
  }
  bool cancelled() const {
    absl::MutexLock lock(&mu_);
    return cancelled_;
  }
  std::string reason() const {
    absl::MutexLock lock(&mu_);
    return reason_;
  }
  // Ends every WaitUntil without cancelling: the run is over.
  void Wake() {
    absl::MutexLock lock(&mu_);
    woken_ = true;
  }
  // Waits until cancelled, woken or `deadline`; true when cancelled.
  bool WaitUntil(absl::Time deadline) const {
    absl::MutexLock lock(&mu_);
    auto done = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return cancelled_ || woken_; };
    mu_.AwaitWithDeadline(absl::Condition(&done), deadline);
    return cancelled_;
  }

 private:
  mutable absl::Mutex mu_;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool woken_ ABSL_GUARDED_BY(mu_) = false;
  std::string reason_ ABSL_GUARDED_BY(mu_);
};

// The one line an attempt's record gives for how it ended, the same for
// every executor: "timed out after 10m", the cancel's reason, "out of
// memory: killed at the N MiB limit (exit C)", "exited with code C", or ""
// for a clean exit.
std::string RunReason(const RunResult& result, const RunRequest& request, StopSignal* stop);

// An attempt that ended in an infrastructure error with `reason`, keeping
// whatever else `result` holds (files, notes).
RunResult ErrorResult(std::string reason, RunResult result = RunResult());

// Writes "arena: TEXT" to the attempt's log, on the system stream.
void SystemLine(RunObserver* observer, absl::string_view text);

class Executor {
 public:
  virtual ~Executor() = default;
  // Runs the attempt to completion. Blocks; never throws.
  virtual RunResult Run(const RunRequest& request, RunObserver* observer, StopSignal* stop) = 0;
  // The job behind a warm key is over: end its idle warm containers.
  virtual void EndWarmContainers(const std::string& key) {}
};

}  // namespace arena

#endif  // ARENA_AGENT_EXECUTOR_EXECUTOR_H_
