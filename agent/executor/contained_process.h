// Starts an attempt's command on the host inside a containment shim, and
// hands back the pipes to follow it.
//
// The agent forks a shim (no exec: it runs only async-signal-safe calls),
// which becomes a child subreaper (PR_SET_CHILD_SUBREAPER) and forks the
// command. The command joins the attempt's cgroup(s) (the shim stays out,
// so killing the cgroup leaves it to reap), gets its own session (setsid),
// /dev/null as stdin, the given environment and nothing
// else of the agent's (signal mask and dispositions reset, descriptors past
// stderr closed), switches user (setgroups, setgid, setuid) when asked, and
// execs argv. Every orphan of the command, double-forked or setsid'd, is
// re-parented to the shim (not to init, not to the agent), so "the
// descendants of the shim" is exactly the attempt's processes and the shim
// reaps every one of them; the shim exits once it has no child left. It
// dies with the agent (PR_SET_PDEATHSIG).
//
// Owned by the process executor for one attempt; not thread-safe.
#ifndef ARENA_AGENT_EXECUTOR_CONTAINED_PROCESS_H_
#define ARENA_AGENT_EXECUTOR_CONTAINED_PROCESS_H_

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace arena {

// Who the command runs as (resolved before the fork: the child cannot read
// /etc/passwd safely).
struct RunAsUser {
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
};

struct LaunchSpec {
  std::vector<std::string> argv;  // argv[0] is found on the PATH in `env`
  std::vector<std::string> env;   // "NAME=value": the whole environment
  std::string working_dir;
  std::optional<RunAsUser> user;                // unset: the agent's own
  std::vector<std::string> cgroup_procs_files;  // the command joins them before exec
};

class ContainedProcess {
 public:
  // FailedPrecondition naming the step when the command cannot be started
  // (not found on the PATH, a cgroup that cannot be joined, a user the agent
  // cannot become, a missing working directory, exec refused).
  static absl::StatusOr<std::unique_ptr<ContainedProcess>> Start(const LaunchSpec& spec);
  // Kills what is left and reaps the shim.
  ~ContainedProcess();
  ContainedProcess(const ContainedProcess&) = delete;
  ContainedProcess& operator=(const ContainedProcess&) = delete;

  // Read ends of the command's stdout and stderr (EOF once every process
  // holding them is gone), and of the shim's report: the command's wait
  // status (an int) once it exits.
  int stdout_fd() const { return stdout_fd_; }
  int stderr_fd() const { return stderr_fd_; }
  int status_fd() const { return status_fd_; }
  pid_t shim_pid() const { return shim_; }
  pid_t command_pid() const { return command_; }

  // Signals every process of the attempt (the shim's descendants).
  int SignalAll(int signal) const;
  // Waits up to `timeout` for the shim to exit (it does once the tree is
  // empty); true when it has.
  bool WaitShim(absl::Duration timeout);

 private:
  ContainedProcess() = default;

  pid_t shim_ = -1;
  pid_t command_ = -1;
  bool shim_reaped_ = false;
  int stdout_fd_ = -1;
  int stderr_fd_ = -1;
  int status_fd_ = -1;
};

// The wait status as an exit code: the code, or 128 + the signal.
int ExitCodeOf(int wait_status);

// argv0 found on `path_list` (":"-separated), as execvp would; "" when no
// executable file is found. A name with a '/' is returned as is.
std::string FindOnPath(const std::string& argv0, const std::string& path_list);

}  // namespace arena

#endif  // ARENA_AGENT_EXECUTOR_CONTAINED_PROCESS_H_
