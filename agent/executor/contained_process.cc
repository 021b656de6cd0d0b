#include "agent/executor/contained_process.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "agent/executor/process_tree.h"

namespace arena {
namespace {

constexpr unsigned kCloseRangeCloexec = 1U << 2;  // CLOSE_RANGE_CLOEXEC
constexpr int kFallbackMaxFd = 4096;

// What failed before the command ran, as the shim or the child reports it
// on the setup pipe: a step letter and errno.
struct SetupFailure {
  char step = 0;
  int error = 0;
};

std::string StepName(char step) {
  switch (step) {
    case 'c':
      return "cannot join the attempt's cgroup";
    case 's':
      return "cannot become a child subreaper";
    case 'f':
      return "cannot fork";
    case 'u':
      return "cannot switch to the run-as user";
    case 'd':
      return "cannot enter the working directory";
    case 'e':
      return "cannot exec the command";
    default:
      return "cannot start the command";
  }
}

// Async-signal-safe from here to the end of the namespace: these run in the
// forked shim and child of a multi-threaded agent.
[[noreturn]] void ReportAndExit(int fd, char step, int code) {
  SetupFailure failure{step, errno};
  ssize_t ignored = write(fd, &failure, sizeof(failure));
  (void)ignored;
  _exit(code);
}

// Closes every descriptor from 3 up except those in `keep` (sorted).
void CloseAllBut(const int* keep, int count) {
  int from = 3;
  for (int i = 0; i <= count; ++i) {
    int to = i < count ? keep[i] - 1 : -1;  // -1: to the end
    if (to >= from || to == -1) {
      unsigned last = to == -1 ? ~0U : static_cast<unsigned>(to);
      if (syscall(SYS_close_range, static_cast<unsigned>(from), last, 0) != 0) {
        for (int fd = from; fd <= (to == -1 ? kFallbackMaxFd : to); ++fd) close(fd);
      }
    }
    if (i < count) from = keep[i] + 1;
  }
}

struct ChildPlan {
  const char* path;
  char* const* argv;
  char* const* envp;
  const char* working_dir;
  const RunAsUser* user;
  const std::vector<const char*>* cgroup_files;
  int devnull, out, err, setup;
};

[[noreturn]] void RunChild(const ChildPlan& plan) {
  // The command joins the cgroup, the shim stays out: killing the cgroup
  // must leave the shim to reap what it kills.
  for (const char* file : *plan.cgroup_files) {
    int fd = open(file, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, "0", 1) != 1) ReportAndExit(plan.setup, 'c', 127);
    close(fd);
  }
  setsid();
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  struct sigaction dfl;
  memset(&dfl, 0, sizeof(dfl));
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) sigaction(sig, &dfl, nullptr);
  if (dup2(plan.devnull, 0) < 0 || dup2(plan.out, 1) < 0 || dup2(plan.err, 2) < 0) {
    ReportAndExit(plan.setup, 'e', 127);
  }
  if (plan.user != nullptr && (setgroups(plan.user->groups.size(), plan.user->groups.data()) != 0 ||
                               setgid(plan.user->gid) != 0 || setuid(plan.user->uid) != 0)) {
    ReportAndExit(plan.setup, 'u', 127);
  }
  if (chdir(plan.working_dir) != 0) ReportAndExit(plan.setup, 'd', 127);
  // Nothing of the agent's past stderr reaches the command; the setup pipe
  // closes at exec.
  syscall(SYS_close_range, 3U, ~0U, kCloseRangeCloexec);
  execve(plan.path, plan.argv, plan.envp);
  ReportAndExit(plan.setup, 'e', 127);
}

struct ShimPlan {
  ChildPlan child;
  pid_t agent;
  int status;
};

[[noreturn]] void RunShim(const ShimPlan& plan) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != plan.agent) _exit(1);  // the agent is already gone
  int keep[] = {plan.child.devnull, plan.child.out, plan.child.err, plan.child.setup, plan.status};
  std::sort(std::begin(keep), std::end(keep));  // std::sort does not allocate
  CloseAllBut(keep, 5);
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) ReportAndExit(plan.child.setup, 's', 1);
  pid_t command = fork();
  if (command < 0) ReportAndExit(plan.child.setup, 'f', 1);
  if (command == 0) RunChild(plan.child);
  close(plan.child.out);
  close(plan.child.err);
  close(plan.child.devnull);
  close(plan.child.setup);
  ssize_t ignored = write(plan.status, &command, sizeof(command));
  // Reaps the command and every orphan; ends when none is left.
  while (true) {
    int status = 0;
    pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0 && errno == EINTR) continue;
    if (pid < 0) break;
    if (pid == command) ignored = write(plan.status, &status, sizeof(status));
  }
  (void)ignored;
  _exit(0);
}

// Reads exactly `size` bytes, or fewer at EOF; returns how many.
size_t ReadFull(int fd, void* out, size_t size) {
  size_t got = 0;
  while (got < size) {
    ssize_t n = read(fd, static_cast<char*>(out) + got, size - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  return got;
}

std::vector<char*> CStrings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (const std::string& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

std::string PathOf(const std::vector<std::string>& env) {
  for (const std::string& entry : env) {
    if (absl::StartsWith(entry, "PATH=")) return entry.substr(5);
  }
  return "";
}

}  // namespace

std::string FindOnPath(const std::string& argv0, const std::string& path_list) {
  if (argv0.find('/') != std::string::npos) return argv0;
  if (argv0.empty()) return "";
  for (absl::string_view dir : absl::StrSplit(path_list, ':', absl::SkipEmpty())) {
    std::string candidate = absl::StrCat(dir, "/", argv0);
    struct stat st;
    if (stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111) != 0) {
      return candidate;
    }
  }
  return "";
}

int ExitCodeOf(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return -1;
}

absl::StatusOr<std::unique_ptr<ContainedProcess>> ContainedProcess::Start(const LaunchSpec& spec) {
  if (spec.argv.empty()) return absl::FailedPreconditionError("the command is empty");
  std::string path = FindOnPath(spec.argv[0], PathOf(spec.env));
  if (path.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot start the command: ", spec.argv[0], " not found on its PATH"));
  }
  int out[2] = {-1, -1}, err[2] = {-1, -1}, status[2] = {-1, -1}, setup[2] = {-1, -1};
  int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (devnull < 0 || pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0 ||
      pipe2(status, O_CLOEXEC) != 0 || pipe2(setup, O_CLOEXEC) != 0) {
    std::string why = strerror(errno);
    for (int fd : {devnull, out[0], out[1], err[0], err[1], status[0], status[1], setup[0]}) {
      if (fd >= 0) close(fd);
    }
    return absl::InternalError(absl::StrCat("cannot make the command's pipes: ", why));
  }
  std::vector<char*> argv = CStrings(spec.argv);
  std::vector<char*> envp = CStrings(spec.env);
  std::vector<const char*> cgroup_files;
  for (const std::string& f : spec.cgroup_procs_files) cgroup_files.push_back(f.c_str());
  ShimPlan plan{{path.c_str(), argv.data(), envp.data(), spec.working_dir.c_str(),
                 spec.user.has_value() ? &*spec.user : nullptr, &cgroup_files, devnull, out[1],
                 err[1], setup[1]},
                getpid(),
                status[1]};
  pid_t shim = fork();
  if (shim == 0) RunShim(plan);
  for (int fd : {out[1], err[1], status[1], setup[1], devnull}) close(fd);
  std::unique_ptr<ContainedProcess> process(new ContainedProcess());
  process->stdout_fd_ = out[0];
  process->stderr_fd_ = err[0];
  process->status_fd_ = status[0];
  if (shim < 0) {
    close(setup[0]);
    return absl::FailedPreconditionError(absl::StrCat("cannot fork: ", strerror(errno)));
  }
  process->shim_ = shim;
  // EOF once the command has exec'd (or the shim gave up before forking).
  SetupFailure failure;
  size_t got = ReadFull(setup[0], &failure, sizeof(failure));
  close(setup[0]);
  pid_t command = -1;
  if (ReadFull(process->status_fd_, &command, sizeof(command)) == sizeof(command)) {
    process->command_ = command;
  }
  if (got == sizeof(failure)) {
    return absl::FailedPreconditionError(
        absl::StrCat(StepName(failure.step), ": ", strerror(failure.error)));
  }
  if (process->command_ < 0) return absl::FailedPreconditionError("the shim ended at once");
  return process;
}

ContainedProcess::~ContainedProcess() {
  if (shim_ > 0 && !shim_reaped_) {
    // Bounded: each pass kills what the last one missed.
    for (int pass = 0; pass < 50 && !WaitShim(absl::Milliseconds(20)); ++pass) {
      SignalAll(SIGKILL);
    }
    if (!shim_reaped_) {
      kill(shim_, SIGKILL);
      waitpid(shim_, nullptr, 0);
    }
  }
  for (int fd : {stdout_fd_, stderr_fd_, status_fd_}) {
    if (fd >= 0) close(fd);
  }
}

int ContainedProcess::SignalAll(int signal) const { return SignalDescendants(shim_, signal); }

bool ContainedProcess::WaitShim(absl::Duration timeout) {
  if (shim_reaped_) return true;
  absl::Time deadline = absl::Now() + timeout;
  while (true) {
    pid_t pid = waitpid(shim_, nullptr, WNOHANG);
    if (pid == shim_ || (pid < 0 && errno == ECHILD)) {
      shim_reaped_ = true;
      return true;
    }
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(absl::Milliseconds(5));
  }
}

}  // namespace arena
