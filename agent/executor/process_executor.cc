#include "agent/executor/process_executor.h"

#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "agent/executor/attempt_files.h"
#include "agent/executor/contained_process.h"
#include "agent/executor/local_archive.h"
#include "agent/executor/process_tree.h"
#include "common/files.h"
#include "common/ids.h"
#include "common/logging.h"

namespace arena {
namespace {

constexpr char kBasePath[] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
constexpr absl::Duration kTick = absl::Milliseconds(50);
// After the command exits and its leftovers are killed, how long output may
// still drain (a process the kernel cannot kill at once holds the pipe).
constexpr absl::Duration kDrainLimit = absl::Seconds(5);
constexpr int kKillPasses = 250;  // of 20 ms: 5 s

void Note(RunObserver* observer, RunResult* result, std::string note) {
  SystemLine(observer, note);
  result->notes.push_back(std::move(note));
}

// What a container would have honoured and the host does not.
void NoteUnsupported(const RunRequest& request, RunObserver* observer, RunResult* result) {
  if (!request.image.empty()) {
    Note(observer, result,
         absl::StrCat("image ", request.image,
                      " not used: the process executor runs the command on the host"));
  }
  if (!request.user.empty()) {
    Note(observer, result,
         absl::StrCat("user ", request.user,
                      " ignored: the process executor runs as the agent's --run-as user"));
  }
  if (request.cpus > 0) {
    Note(observer, result, absl::StrCat("cpus ", request.cpus, " not enforced on the host"));
  }
  if (request.disk_mb > 0) {
    Note(observer, result, absl::StrCat("disk_mb ", request.disk_mb, " not enforced on the host"));
  }
}

// Hands the workspace to the run-as user (a checkout is made by the agent).
absl::Status ChownTree(const std::string& dir, const HostUser& user) {
  if (lchown(dir.c_str(), user.uid, user.gid) != 0) {
    return absl::InternalError(absl::StrCat("cannot chown ", dir, ": ", strerror(errno)));
  }
  std::error_code error;
  std::filesystem::recursive_directory_iterator it(dir, error), end;
  for (; !error && it != end; it.increment(error)) {
    if (lchown(it->path().c_str(), user.uid, user.gid) != 0) {
      return absl::InternalError(absl::StrCat("cannot chown ", it->path().string()));
    }
  }
  if (error) return absl::InternalError(absl::StrCat("cannot walk ", dir, ": ", error.message()));
  return absl::OkStatus();
}

// Kills every process of the attempt that is left, by its cgroup and by
// its tree.
void KillRest(ContainedProcess& process, AttemptCgroup& cgroup) {
  cgroup.KillAll();
  process.SignalAll(SIGKILL);
}

// Bounded: until the shim has no process below it.
bool EndTree(ContainedProcess& process, AttemptCgroup& cgroup) {
  for (int pass = 0; pass < kKillPasses; ++pass) {
    if (process.WaitShim(absl::Milliseconds(20))) return true;
    KillRest(process, cgroup);
  }
  return false;
}

// Follows a started command to its end: its output to the observer, its
// timeout and the stop signal. One per attempt, on its thread.
class CommandFollower {
 public:
  CommandFollower(ContainedProcess& process, AttemptCgroup& cgroup, const RunRequest& request,
                  RunObserver* observer, StopSignal* stop)
      : process_(process),
        cgroup_(cgroup),
        request_(request),
        observer_(observer),
        stop_(stop),
        deadline_(absl::Now() + request.timeout) {}

  // Returns how the attempt ended; wait_status() is the command's (-1 when
  // the shim ended without reporting it).
  RunResult::Outcome Run() {
    while (!exited_ || out_open_ || err_open_) {
      Pump();
      absl::Time now = absl::Now();
      if (exited_ && now - exited_at_ > kDrainLimit) break;
      if (!exited_ && !stopping_) Watch(now);
      if (stopping_ && now >= kill_at_) KillRest(process_, cgroup_);
    }
    return outcome_;
  }
  int wait_status() const { return wait_status_; }

 private:
  // One wait for output or the command's status (at most a tick).
  void Pump() {
    struct pollfd fds[3] = {{process_.stdout_fd(), POLLIN, 0},
                            {process_.stderr_fd(), POLLIN, 0},
                            {process_.status_fd(), POLLIN, 0}};
    if (!out_open_) fds[0].fd = -1;
    if (!err_open_) fds[1].fd = -1;
    if (exited_) fds[2].fd = -1;
    int ready = poll(fds, 3, static_cast<int>(absl::ToInt64Milliseconds(kTick)));
    if (ready <= 0) return;
    if (fds[0].revents != 0) out_open_ = Forward(fds[0].fd, 1);
    if (fds[1].revents != 0) err_open_ = Forward(fds[1].fd, 2);
    if (fds[2].revents != 0) ReadStatus();
  }

  // False at EOF.
  bool Forward(int fd, int stream) {
    char buffer[64 << 10];
    ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return true;
    if (n <= 0) return false;
    observer_->OnOutput(stream, absl::string_view(buffer, static_cast<size_t>(n)));
    return true;
  }

  // The command has exited: what it left running ends with it.
  void ReadStatus() {
    int status = 0;
    ssize_t n = read(process_.status_fd(), &status, sizeof(status));
    if (n < 0 && errno == EINTR) return;
    wait_status_ = n == sizeof(status) ? status : -1;
    exited_ = true;
    exited_at_ = absl::Now();
    KillRest(process_, cgroup_);
  }

  void Watch(absl::Time now) {
    if (stop_->cancelled()) {
      outcome_ = RunResult::Outcome::kCancelled;
    } else if (now >= deadline_) {
      outcome_ = RunResult::Outcome::kTimedOut;
    } else {
      return;
    }
    stopping_ = true;
    process_.SignalAll(SIGTERM);
    kill_at_ = now + request_.stop_grace;
  }

  ContainedProcess& process_;
  AttemptCgroup& cgroup_;
  const RunRequest& request_;
  RunObserver* const observer_;
  StopSignal* const stop_;
  const absl::Time deadline_;
  RunResult::Outcome outcome_ = RunResult::Outcome::kExited;
  bool exited_ = false;
  int wait_status_ = -1;
  bool out_open_ = true;
  bool err_open_ = true;
  bool stopping_ = false;
  absl::Time exited_at_;
  absl::Time kill_at_ = absl::InfiniteFuture();
};

}  // namespace

absl::StatusOr<HostUser> ResolveHostUser(const std::string& run_as) {
  struct passwd entry;
  struct passwd* found = nullptr;
  std::vector<char> buffer(16 << 10);
  int error = run_as.empty()
                  ? getpwuid_r(geteuid(), &entry, buffer.data(), buffer.size(), &found)
                  : getpwnam_r(run_as.c_str(), &entry, buffer.data(), buffer.size(), &found);
  if (found == nullptr) {
    return absl::NotFoundError(
        run_as.empty() ? absl::StrCat("uid ", geteuid(), " is not in the user database")
                       : absl::StrCat("--run-as ", run_as, ": no such user",
                                      error != 0 ? absl::StrCat(" (", strerror(error), ")") : ""));
  }
  HostUser user{entry.pw_name, entry.pw_dir, entry.pw_uid, entry.pw_gid, {}, false};
  user.switch_to = user.uid != geteuid() || user.gid != getegid();
  if (user.switch_to && geteuid() != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("--run-as ", run_as, ": the agent runs as uid ", geteuid(),
                     " and cannot switch users (run it as root, or drop --run-as)"));
  }
  int count = 64;
  user.groups.resize(count);
  if (getgrouplist(user.name.c_str(), user.gid, user.groups.data(), &count) < 0) {
    user.groups.resize(count);  // count is now the number needed
    getgrouplist(user.name.c_str(), user.gid, user.groups.data(), &count);
  }
  user.groups.resize(count);
  return user;
}

std::vector<std::string> CommandEnvironment(const RunRequest& request, const HostUser& user) {
  std::map<std::string, std::string> env = {{"PATH", kBasePath},
                                            {"HOME", user.home},
                                            {"USER", user.name},
                                            {"LOGNAME", user.name},
                                            {"LANG", "C.UTF-8"}};
  for (const auto& [name, value] : request.env) env[name] = value;
  std::vector<std::string> out;
  for (const auto& [name, value] : env) out.push_back(absl::StrCat(name, "=", value));
  return out;
}

namespace {

absl::Status CheckReachable(const std::string& work_dir, const HostUser& user) {
  if (!user.switch_to) return absl::OkStatus();
  std::filesystem::path dir = std::filesystem::absolute(work_dir);
  // Each directory from the root down must let the user search it.
  for (std::filesystem::path at = dir;; at = at.parent_path()) {
    struct stat st;
    if (stat(at.c_str(), &st) != 0) {
      return absl::FailedPreconditionError(absl::StrCat("cannot stat ", at.string()));
    }
    bool member = std::find(user.groups.begin(), user.groups.end(), st.st_gid) != user.groups.end();
    mode_t bit = st.st_uid == user.uid               ? S_IXUSR
                 : (member || st.st_gid == user.gid) ? S_IXGRP
                                                     : S_IXOTH;
    if ((st.st_mode & bit) == 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("--run-as ", user.name, " cannot reach the work dir ", dir.string(), ": ",
                       at.string(), " does not let it search (chmod o+x, or another --work-dir)"));
    }
    if (at == at.parent_path()) return absl::OkStatus();
  }
}

// Copies the request's artifact and JUnit paths out of the workspace into
// `result`, noting what was skipped.
void CopyWorkspaceFiles(const RunRequest& request, const std::string& workspace,
                        const HostUser& user, RunObserver* observer, RunResult* result) {
  FileOrigin origin;
  std::vector<std::string> skipped;
  int64_t owner = user.switch_to ? static_cast<int64_t>(user.uid) : -1;
  origin.archive = [&workspace, &skipped, owner](
                       const std::string& path,
                       const std::function<bool(absl::string_view)>& sink) {
    return ArchiveLocalPath(workspace, path, sink, &skipped, owner);
  };
  origin.working_dir = workspace;
  origin.confine_to = workspace;
  origin.where = "the workspace";
  size_t before = result->notes.size();
  result->files = CopyAttemptFiles(origin, request, &result->notes);
  result->notes.insert(result->notes.end(), skipped.begin(), skipped.end());
  for (size_t i = before; i < result->notes.size(); ++i) SystemLine(observer, result->notes[i]);
}

}  // namespace

absl::StatusOr<std::unique_ptr<ProcessExecutor>> ProcessExecutor::Create(
    ProcessExecutorOptions options) {
  absl::StatusOr<HostUser> user = ResolveHostUser(options.run_as);
  if (!user.ok()) return user.status();
  absl::Status made = MakeDirs(options.work_dir);
  if (!made.ok()) return made;
  absl::Status reachable = CheckReachable(options.work_dir, *user);
  if (!reachable.ok()) return reachable;
  return std::unique_ptr<ProcessExecutor>(new ProcessExecutor(std::move(options), *user));
}

int ProcessExecutor::RemoveOrphans() {
  return EndStaleCgroups(options_.cgroups, options_.agent_id);
}

void ProcessExecutor::Shutdown() {
  absl::MutexLock lock(&mu_);
  // The shim stays until its attempt's thread reaps it: its pid is not reused
  // meanwhile.
  for (pid_t shim : shims_) SignalDescendants(shim, SIGKILL);
}

absl::StatusOr<std::string> ProcessExecutor::MakeWorkspace(const RunRequest& request,
                                                           RunObserver* observer) {
  std::string dir;
  if (request.make_workspace) {
    absl::StatusOr<std::string> made =
        request.make_workspace([observer](absl::string_view data) { observer->OnOutput(3, data); });
    if (!made.ok()) return made.status();
    dir = *made;
  }
  if (dir.empty()) {
    dir = absl::StrCat(options_.work_dir, "/", NewId("att-ws"));
    absl::Status made = MakeDirs(dir, 0755);
    if (!made.ok()) return made;
  }
  if (user_.switch_to) {
    absl::Status owned = ChownTree(dir, user_);
    if (!owned.ok()) {
      RemoveTree(dir).IgnoreError();
      return owned;
    }
  }
  return dir;
}

RunResult ProcessExecutor::Run(const RunRequest& request, RunObserver* observer, StopSignal* stop) {
  RunResult result;
  if (request.build.enabled) {
    result = ErrorResult("an image build (JobSpec.build) needs the docker executor");
    result.permanent = true;
    return result;
  }
  NoteUnsupported(request, observer, &result);
  absl::StatusOr<std::string> workspace = MakeWorkspace(request, observer);
  if (!workspace.ok()) {
    result = ErrorResult(std::string(workspace.status().message()), std::move(result));
    return result;
  }
  result = RunInWorkspace(request, *workspace, observer, stop, std::move(result));
  if (!RemoveTree(*workspace).ok()) {
    Log(LogLevel::kWarn, "process", absl::StrCat("cannot remove ", *workspace));
  }
  return result;
}

RunResult ProcessExecutor::RunInWorkspace(const RunRequest& request, const std::string& workspace,
                                          RunObserver* observer, StopSignal* stop,
                                          RunResult result) {
  if (stop->cancelled()) {
    result = ErrorResult(stop->reason(), std::move(result));
    result.outcome = RunResult::Outcome::kCancelled;
    return result;
  }
  std::unique_ptr<AttemptCgroup> cgroup = AttemptCgroup::Create(
      options_.cgroups, options_.agent_id, request.attempt_id, {request.memory_mb, request.pids});
  for (const std::string& note : cgroup->notes()) Note(observer, &result, note);
  LaunchSpec spec;
  spec.argv = request.command;
  spec.env = CommandEnvironment(request, user_);
  spec.working_dir = workspace;
  if (user_.switch_to) spec.user = RunAsUser{user_.uid, user_.gid, user_.groups};
  spec.cgroup_procs_files = cgroup->procs_files();
  absl::StatusOr<std::unique_ptr<ContainedProcess>> process = ContainedProcess::Start(spec);
  if (!process.ok()) return ErrorResult(std::string(process.status().message()), std::move(result));
  observer->OnStarted();
  pid_t shim = (*process)->shim_pid();
  {
    absl::MutexLock lock(&mu_);
    shims_.insert(shim);
  }
  CommandFollower follower(**process, *cgroup, request, observer, stop);
  RunResult::Outcome outcome = follower.Run();
  bool ended = EndTree(**process, *cgroup);
  {
    absl::MutexLock lock(&mu_);
    shims_.erase(shim);
  }
  if (!ended) {
    Note(observer, &result, "some of the attempt's processes would not die within 5 s of SIGKILL");
  }
  if (follower.wait_status() < 0 && outcome == RunResult::Outcome::kExited) {
    return ErrorResult("lost the command: its shim ended without its exit status",
                       std::move(result));
  }
  result.outcome = outcome;
  result.exit_code = follower.wait_status() < 0 ? -1 : ExitCodeOf(follower.wait_status());
  result.oom_killed =
      outcome == RunResult::Outcome::kExited && result.exit_code != 0 && cgroup->OomKills() > 0;
  if (outcome != RunResult::Outcome::kCancelled) {
    CopyWorkspaceFiles(request, workspace, user_, observer, &result);
  }
  result.reason = RunReason(result, request, stop);
  return result;
}

}  // namespace arena
