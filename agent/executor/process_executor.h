// Runs an attempt's command on the host, for hosts without Docker
// (arena-agent --executor process).
//
// Each attempt gets a fresh workspace: the job's checkout (make_workspace)
// or, without a repo, an empty directory "att-ws-*" in the agent's work
// dir; it is the command's working directory and is removed afterwards.
// The command is exec'd as its argv (the controller already wraps a shell
// command as ["sh", "-c", ...]) inside a containment shim
// (contained_process.h): its own session, a child subreaper above it, and
// a cgroup of its own where the host allows one (attempt_cgroup.h), which
// also carries memory_mb and pids. Timeout and cancel send SIGTERM to every
// process of the attempt, wait stop_grace, then SIGKILL every one left;
// when the command itself exits, whatever it left running is killed, as a
// container's processes end with it. stdout and stderr stream to the
// observer as streams 1 and 2; JUnit and artifact paths are copied out of
// the workspace as the docker executor copies them out of a container
// (attempt_files.h), and a path outside the workspace is refused.
//
// The environment is the job's env and Arena's ARENA_* variables over a
// minimal base, never the agent's own environment (which may hold its
// secrets): PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin,
// HOME (the user's home directory), USER and LOGNAME (the user's name),
// LANG=C.UTF-8.
//
// What a container would have and the host cannot give is said in the
// attempt's notes: the image is not used (the job runs on the host as it
// is), the job's user is ignored (the agent's --run-as decides), cpus and
// disk_mb are not enforced, and memory_mb and pids only with a cgroup. An
// image build (JobSpec.build) needs Docker and is refused.
//
// Shutdown kills what still runs; RemoveOrphans, at start, what an earlier
// agent process left in its cgroups (without a cgroup, a crashed agent's
// attempts went to init with it: PR_SET_PDEATHSIG ends only the shims).
//
// Owned by the agent's main, shared by the attempt threads. Thread-safe.
#ifndef ARENA_AGENT_EXECUTOR_PROCESS_EXECUTOR_H_
#define ARENA_AGENT_EXECUTOR_PROCESS_EXECUTOR_H_

#include <sys/types.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "agent/executor/attempt_cgroup.h"
#include "agent/executor/executor.h"

namespace arena {

struct ProcessExecutorOptions {
  std::string agent_id;  // names the attempts' cgroups (several agents may share a host)
  std::string work_dir;  // where workspaces without a repo are made
  std::string run_as;    // a user name; "": the agent's own user
  CgroupHost cgroups;    // DetectCgroupHost() in the agent
};

// The user commands run as, resolved once.
struct HostUser {
  std::string name;
  std::string home;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
  bool switch_to = false;  // differs from the agent's own user
};

// `run_as` ("" for the agent's own user) from the user database.
// NotFound for an unknown user; FailedPrecondition when the agent is not
// root and so cannot switch to another user.
absl::StatusOr<HostUser> ResolveHostUser(const std::string& run_as);

// The command's whole environment, "NAME=value" (see above).
std::vector<std::string> CommandEnvironment(const RunRequest& request, const HostUser& user);

class ProcessExecutor final : public Executor {
 public:
  // Makes the work dir. Fails as ResolveHostUser does, and with
  // FailedPrecondition when a --run-as user could not reach the work dir
  // (a directory on its path it may not search, as a 0700 state dir).
  static absl::StatusOr<std::unique_ptr<ProcessExecutor>> Create(ProcessExecutorOptions options);

  RunResult Run(const RunRequest& request, RunObserver* observer, StopSignal* stop) override;

  // Ends the processes of attempts an earlier process of this agent left
  // running (their cgroups outlive the agent); returns how many it killed.
  int RemoveOrphans();
  // SIGKILLs every process of the attempts still running, so none outlives
  // the agent; their Run calls then return. Idempotent.
  void Shutdown();

  const HostUser& user() const { return user_; }

 private:
  ProcessExecutor(ProcessExecutorOptions options, HostUser user)
      : options_(std::move(options)), user_(std::move(user)) {}

  // The attempt's workspace: its checkout or a new empty directory, owned
  // by the run-as user.
  absl::StatusOr<std::string> MakeWorkspace(const RunRequest& request, RunObserver* observer);
  RunResult RunInWorkspace(const RunRequest& request, const std::string& workspace,
                           RunObserver* observer, StopSignal* stop, RunResult result);

  const ProcessExecutorOptions options_;
  const HostUser user_;
  absl::Mutex mu_;
  std::set<pid_t> shims_ ABSL_GUARDED_BY(mu_);  // of the attempts running now
};

}  // namespace arena

#endif  // ARENA_AGENT_EXECUTOR_PROCESS_EXECUTOR_H_
