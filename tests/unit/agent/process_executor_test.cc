// The process executor against real processes on this host: output, exit
// codes, the environment, containment on cancel and timeout (checked in
// /proc afterwards), files copied out of the workspace, and the workspace's
// removal.
#include "agent/executor/process_executor.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/files.h"

namespace arena {
namespace {

class RecordingObserver : public RunObserver {
 public:
  void OnStarted() override {
    absl::MutexLock lock(&mu_);
    started_ = true;
  }
  void OnOutput(int stream, absl::string_view data) override {
    absl::MutexLock lock(&mu_);
    output_[stream].append(data.data(), data.size());
  }
  std::string Output(int stream) {
    absl::MutexLock lock(&mu_);
    return output_[stream];
  }
  // True once `text` has appeared on `stream` within `timeout`.
  bool WaitFor(int stream, const std::string& text, absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    auto seen = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return absl::StrContains(output_[stream], text);
    };
    return mu_.AwaitWithTimeout(absl::Condition(&seen), timeout);
  }
  bool started() {
    absl::MutexLock lock(&mu_);
    return started_;
  }

 private:
  absl::Mutex mu_;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  std::map<int, std::string> output_ ABSL_GUARDED_BY(mu_);
};

std::string MakeTempDir() {
  char tmpl[] = "/tmp/arena-process-test-XXXXXX";
  char* dir = mkdtemp(tmpl);
  chmod(dir, 0755);  // reachable by a --run-as user
  return dir;
}

// Whether `pid` still exists (as any process, zombie included).
bool Alive(pid_t pid) { return kill(pid, 0) == 0 || errno != ESRCH; }

// The pid written into `file` by the command.
pid_t PidIn(const std::string& file) {
  absl::StatusOr<std::string> text = ReadFile(file);
  int pid = 0;
  if (!text.ok() || !absl::SimpleAtoi(absl::StripAsciiWhitespace(*text), &pid)) return -1;
  return pid;
}

// An agent id of this test process's own: gtest cases run as separate
// processes in parallel under ctest, and an agent ends the cgroups its id
// left (RemoveOrphans), so a shared id would kill another case's attempt.
std::string AgentId() { return absl::StrCat("agent-test", getpid()); }

class ProcessExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir();
    work_dir_ = dir_ + "/work";
    ASSERT_TRUE(MakeDirs(work_dir_).ok());
    executor_ = Make(DetectCgroupHost());
  }
  void TearDown() override { RemoveTree(dir_).IgnoreError(); }

  std::unique_ptr<ProcessExecutor> Make(const CgroupHost& cgroups, const std::string& run_as = "") {
    ProcessExecutorOptions options{AgentId(), work_dir_, run_as, cgroups};
    absl::StatusOr<std::unique_ptr<ProcessExecutor>> made = ProcessExecutor::Create(options);
    EXPECT_TRUE(made.ok()) << made.status();
    return made.ok() ? std::move(*made) : nullptr;
  }

  RunRequest Request(const std::string& script) {
    RunRequest request;
    request.attempt_id = absl::StrCat("att-test-", ++count_, "-", getpid());
    request.command = {"sh", "-c", script};
    request.timeout = absl::Seconds(30);
    request.stop_grace = absl::Milliseconds(300);
    request.env["PIDS"] = dir_;
    return request;
  }

  // Workspaces left in the work dir.
  int WorkspacesLeft() {
    std::error_code error;
    int n = 0;
    for (auto it = std::filesystem::directory_iterator(work_dir_, error);
         !error && it != std::filesystem::directory_iterator(); ++it) {
      ++n;
    }
    return n;
  }

  std::string dir_;
  std::string work_dir_;
  std::unique_ptr<ProcessExecutor> executor_;
  int count_ = 0;
};

TEST_F(ProcessExecutorTest, StreamsStdoutAndStderrAndReportsTheExitCode) {
  RecordingObserver observer;
  StopSignal stop;
  RunResult result = executor_->Run(Request("echo out; echo err >&2; printf 'no newline'; exit 3"),
                                    &observer, &stop);
  EXPECT_TRUE(observer.started());
  EXPECT_EQ(result.outcome, RunResult::Outcome::kExited);
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_EQ(result.reason, "exited with code 3");
  EXPECT_EQ(observer.Output(1), "out\nno newline");
  EXPECT_EQ(observer.Output(2), "err\n");
}

TEST_F(ProcessExecutorTest, ACommandKilledBySignalReportsOneTwentyEightPlusTheSignal) {
  RecordingObserver observer;
  StopSignal stop;
  RunResult result = executor_->Run(Request("kill -KILL $$"), &observer, &stop);
  EXPECT_EQ(result.outcome, RunResult::Outcome::kExited);
  EXPECT_EQ(result.exit_code, 137);
}

TEST_F(ProcessExecutorTest, ExecsAListCommandAsItsArgvWithoutAShell) {
  RecordingObserver observer;
  StopSignal stop;
  RunRequest request = Request("");
  request.command = {"printf", "%s|", "a b", "$HOME", "*"};
  RunResult result = executor_->Run(request, &observer, &stop);
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(observer.Output(1), "a b|$HOME|*|");
}

TEST_F(ProcessExecutorTest, GivesTheJobsEnvOverAMinimalBaseAndNothingOfTheAgents) {
  setenv("ARENA_TEST_AGENT_ONLY", "secret", 1);
  RecordingObserver observer;
  StopSignal stop;
  RunRequest request = Request("env | sort");
  request.env["FOO"] = "bar baz";
  request.env["LANG"] = "de_DE.UTF-8";  // the job's value wins
  RunResult result = executor_->Run(request, &observer, &stop);
  unsetenv("ARENA_TEST_AGENT_ONLY");
  ASSERT_EQ(result.exit_code, 0) << observer.Output(2);
  std::string env = observer.Output(1);
  EXPECT_TRUE(absl::StrContains(env, "FOO=bar baz\n")) << env;
  EXPECT_TRUE(absl::StrContains(env, "LANG=de_DE.UTF-8\n")) << env;
  EXPECT_TRUE(
      absl::StrContains(env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n"))
      << env;
  EXPECT_TRUE(absl::StrContains(env, absl::StrCat("HOME=", executor_->user().home, "\n"))) << env;
  EXPECT_TRUE(absl::StrContains(env, absl::StrCat("USER=", executor_->user().name, "\n"))) << env;
  EXPECT_FALSE(absl::StrContains(env, "ARENA_TEST_AGENT_ONLY")) << env;
}

TEST_F(ProcessExecutorTest, RunsInAFreshWorkspaceThatIsRemovedAfterwards) {
  RecordingObserver observer;
  StopSignal stop;
  RunResult result =
      executor_->Run(Request("pwd; ls -A | wc -l; touch left-behind"), &observer, &stop);
  ASSERT_EQ(result.exit_code, 0) << observer.Output(2);
  std::string pwd = observer.Output(1).substr(0, observer.Output(1).find('\n'));
  EXPECT_TRUE(absl::StartsWith(pwd, work_dir_ + "/att-ws")) << pwd;
  EXPECT_TRUE(absl::EndsWith(observer.Output(1), "\n0\n")) << observer.Output(1);
  EXPECT_FALSE(FileExists(pwd));
  EXPECT_EQ(WorkspacesLeft(), 0);
}

TEST_F(ProcessExecutorTest, RunsInTheCheckoutWhenTheJobHasARepo) {
  std::string checkout = work_dir_ + "/att-ws-checkout";
  ASSERT_TRUE(MakeDirs(checkout).ok());
  ASSERT_TRUE(WriteFileAtomic(checkout + "/README", "from the repo\n").ok());
  RecordingObserver observer;
  StopSignal stop;
  RunRequest request = Request("cat README");
  request.make_workspace = [&](const std::function<void(absl::string_view)>& output) {
    output("cloned\n");
    return absl::StatusOr<std::string>(checkout);
  };
  RunResult result = executor_->Run(request, &observer, &stop);
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(observer.Output(1), "from the repo\n");
  EXPECT_EQ(observer.Output(3), "cloned\n");
  EXPECT_FALSE(FileExists(checkout));
}

TEST_F(ProcessExecutorTest, ACommandNotOnThePathIsAnErrorNotAnExitCode) {
  RecordingObserver observer;
  StopSignal stop;
  RunRequest request = Request("");
  request.command = {"arena-no-such-command"};
  RunResult result = executor_->Run(request, &observer, &stop);
  EXPECT_EQ(result.outcome, RunResult::Outcome::kError);
  EXPECT_TRUE(absl::StrContains(result.reason, "arena-no-such-command not found")) << result.reason;
  EXPECT_FALSE(observer.started());
  EXPECT_EQ(WorkspacesLeft(), 0);
}

// Processes whose environment carries `mark` (read from /proc).
std::vector<pid_t> ProcessesMarked(const std::string& mark) {
  std::vector<pid_t> found;
  std::error_code error;
  for (auto it = std::filesystem::directory_iterator("/proc", error);
       !error && it != std::filesystem::directory_iterator(); it.increment(error)) {
    int pid = 0;
    if (!absl::SimpleAtoi(it->path().filename().string(), &pid)) continue;
    absl::StatusOr<std::string> environ = ReadFile(absl::StrCat("/proc/", pid, "/environ"));
    if (environ.ok() && absl::StrContains(*environ, mark)) found.push_back(pid);
  }
  return found;
}

// The command leaves a double-forked, setsid'd shell that ignores SIGTERM
// with a `sleep 1000` below it, then sleeps itself.
constexpr char kEscapingScript[] =
    "( setsid sh -c 'trap \"\" TERM; echo $$ > \"$PIDS/shell\"; sleep 1000 & "
    "echo $! > \"$PIDS/sleep\"; wait' & ); "
    "while [ ! -s \"$PIDS/sleep\" ]; do sleep 0.05; done; echo ready; sleep 1000";

// Runs kEscapingScript, ended by `end` once it runs (null: by its timeout);
// checks that every process of it is gone afterwards.
RunResult RunEscapingCommand(ProcessExecutor& executor, RunRequest request,
                             const std::string& pids_dir,
                             const std::function<void(StopSignal&)>& end) {
  request.command = {"sh", "-c", kEscapingScript};
  std::string mark = absl::StrCat("ARENA_TEST_MARK=", request.attempt_id);
  request.env["ARENA_TEST_MARK"] = request.attempt_id;
  RecordingObserver observer;
  StopSignal stop;
  RunResult result;
  std::thread run([&] { result = executor.Run(request, &observer, &stop); });
  EXPECT_TRUE(observer.WaitFor(1, "ready", absl::Seconds(20))) << observer.Output(2);
  pid_t shell = PidIn(pids_dir + "/shell"), sleeper = PidIn(pids_dir + "/sleep");
  EXPECT_GT(shell, 0);
  EXPECT_GT(sleeper, 0);
  EXPECT_TRUE(Alive(shell) && Alive(sleeper));
  // Its own session: not the agent's, not the command's.
  EXPECT_NE(getsid(shell), getsid(0));
  EXPECT_EQ(getsid(sleeper), shell);
  EXPECT_GE(ProcessesMarked(mark).size(), 3u);
  if (end) end(stop);
  run.join();
  EXPECT_FALSE(Alive(shell)) << shell;
  EXPECT_FALSE(Alive(sleeper)) << sleeper;
  EXPECT_TRUE(ProcessesMarked(mark).empty());
  return result;
}

void Cancel(StopSignal& stop) { stop.Cancel("cancelled by the test"); }

TEST_F(ProcessExecutorTest, CancelEndsEveryProcessEvenDoubleForkedSetsidOnesInACgroup) {
  RunResult result = RunEscapingCommand(*executor_, Request(""), dir_, Cancel);
  EXPECT_EQ(result.outcome, RunResult::Outcome::kCancelled);
  EXPECT_EQ(result.reason, "cancelled by the test");
  EXPECT_EQ(WorkspacesLeft(), 0);
}

TEST_F(ProcessExecutorTest, CancelEndsEveryProcessThroughTheTreeWithoutACgroup) {
  std::unique_ptr<ProcessExecutor> executor = Make(CgroupHost());
  RunResult result = RunEscapingCommand(*executor, Request(""), dir_, Cancel);
  EXPECT_EQ(result.outcome, RunResult::Outcome::kCancelled);
  ASSERT_FALSE(result.notes.empty());
  EXPECT_TRUE(absl::StartsWith(result.notes[0], "no cgroup for this attempt")) << result.notes[0];
}

TEST_F(ProcessExecutorTest, TimeoutEndsEveryProcessAsTimedOut) {
  RunRequest request = Request("");
  request.timeout = absl::Seconds(3);
  absl::Time start = absl::Now();
  RunResult result = RunEscapingCommand(*executor_, request, dir_, nullptr);
  EXPECT_EQ(result.outcome, RunResult::Outcome::kTimedOut);
  EXPECT_EQ(result.reason, "timed out after 3s");
  EXPECT_GE(absl::Now() - start, absl::Seconds(3));
}

TEST_F(ProcessExecutorTest, ShutdownEndsTheAttemptsStillRunning) {
  RunResult result = RunEscapingCommand(*executor_, Request(""), dir_,
                                        [this](StopSignal&) { executor_->Shutdown(); });
  EXPECT_EQ(result.outcome, RunResult::Outcome::kExited);
  EXPECT_EQ(result.exit_code, 137);
}

// Starts `sleep 1000` in a new cgroup `dir`; returns its pid.
pid_t SleepInCgroup(const std::string& dir) {
  if (mkdir(dir.c_str(), 0755) != 0) return -1;
  pid_t pid = fork();
  if (pid == 0) {
    execl("/bin/sleep", "sleep", "1000", static_cast<char*>(nullptr));
    _exit(127);
  }
  std::string procs = dir + "/cgroup.procs";
  FILE* f = fopen(procs.c_str(), "w");
  if (f == nullptr || fprintf(f, "%d", pid) < 0 || fclose(f) != 0) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    return -1;
  }
  return pid;
}

TEST_F(ProcessExecutorTest, RemoveOrphansEndsWhatAnEarlierProcessOfThisAgentLeft) {
  // AgentId() is this test process's own: ctest runs other processes of this
  // binary at once, whose attempts' cgroups must not be this agent's.
  CgroupHost host = DetectCgroupHost();
  std::string parent = !host.v2_dir.empty() ? host.v2_dir : host.v1_pids_dir;
  if (parent.empty()) GTEST_SKIP() << "no cgroup on this host";
  std::string mine = absl::StrCat(parent, "/arena-", AgentId(), "-att-old");
  std::string theirs = absl::StrCat(parent, "/arena-agent-other-att-", getpid());
  pid_t left = SleepInCgroup(mine);
  pid_t other = SleepInCgroup(theirs);
  ASSERT_GT(left, 0);
  ASSERT_GT(other, 0);
  EXPECT_GE(executor_->RemoveOrphans(), 1);
  int status = 0;
  ASSERT_EQ(waitpid(left, &status, 0), left);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  EXPECT_FALSE(FileExists(mine));
  // Another agent's attempt on the same host is not touched.
  EXPECT_EQ(waitpid(other, &status, WNOHANG), 0);
  kill(other, SIGKILL);
  waitpid(other, nullptr, 0);
  for (int i = 0; i < 50 && rmdir(theirs.c_str()) != 0; ++i) absl::SleepFor(absl::Milliseconds(20));
}

TEST_F(ProcessExecutorTest, WhatTheCommandLeftRunningEndsWithIt) {
  RecordingObserver observer;
  StopSignal stop;
  RunResult result = executor_->Run(
      Request("sleep 1000 & echo $! > \"$PIDS/left\"; ( setsid sleep 1000 & ); exit 0"), &observer,
      &stop);
  EXPECT_EQ(result.outcome, RunResult::Outcome::kExited);
  EXPECT_EQ(result.exit_code, 0);
  pid_t left = PidIn(dir_ + "/left");
  ASSERT_GT(left, 0);
  EXPECT_FALSE(Alive(left));
}

TEST_F(ProcessExecutorTest, RunsInItsOwnCgroupWithTheMemoryAndPidsLimits) {
  CgroupHost host = DetectCgroupHost();
  if (host.v2_dir.empty() && host.v1_pids_dir.empty()) GTEST_SKIP() << "no cgroup on this host";
  RecordingObserver observer;
  StopSignal stop;
  RunRequest request = Request("cat /proc/self/cgroup");
  std::string name = absl::StrCat("/arena-", AgentId(), "-", request.attempt_id);
  if (!host.v1_pids_dir.empty()) {
    // Where this host takes the pids limit, read by the command while it runs.
    request.command[2] += "; cat \"$PIDS_MAX\"";
    request.env["PIDS_MAX"] = host.v1_pids_dir + name + "/pids.max";
  }
  request.memory_mb = 256;
  request.pids = 64;
  RunResult result = executor_->Run(request, &observer, &stop);
  ASSERT_EQ(result.exit_code, 0) << observer.Output(2);
  EXPECT_TRUE(absl::StrContains(observer.Output(1), name)) << observer.Output(1);
  if (!host.v1_pids_dir.empty()) EXPECT_TRUE(absl::EndsWith(observer.Output(1), "\n64\n"));
  for (const std::string& note : result.notes) {
    EXPECT_FALSE(absl::StrContains(note, "not enforced")) << note;
  }
  // Removed with the attempt.
  for (const std::string& dir : {host.v2_dir, host.v1_pids_dir, host.v1_memory_dir}) {
    if (!dir.empty()) EXPECT_FALSE(FileExists(dir + name)) << dir + name;
  }
}

TEST_F(ProcessExecutorTest, AMemoryHogIsKilledAtItsLimitAndReportedOutOfMemory) {
  CgroupHost host = DetectCgroupHost();
  if (host.v2_dir.empty() && host.v1_memory_dir.empty()) GTEST_SKIP() << "no memory cgroup";
  RecordingObserver observer;
  StopSignal stop;
  // 200 MiB held in one shell variable, against a 32 MiB limit.
  RunRequest request = Request("x=$(head -c 200000000 /dev/zero | tr '\\0' a); echo survived");
  request.memory_mb = 32;
  RunResult result = executor_->Run(request, &observer, &stop);
  for (const std::string& note : result.notes) {
    if (absl::StrContains(note, "memory_mb 32 not enforced")) GTEST_SKIP() << note;
  }
  EXPECT_EQ(observer.Output(1), "");
  EXPECT_TRUE(result.oom_killed) << result.exit_code << " " << observer.Output(2);
  EXPECT_EQ(result.reason, absl::StrCat("out of memory: killed at the 32 MiB limit (exit ",
                                        result.exit_code, ")"));
}

TEST_F(ProcessExecutorTest, ACommandIgnoringSigtermIsKilledAfterTheGrace) {
  RecordingObserver observer;
  StopSignal stop;
  RunRequest request = Request("trap '' TERM; echo ready; sleep 1000");
  request.stop_grace = absl::Milliseconds(500);
  RunResult result;
  std::thread run([&] { result = executor_->Run(request, &observer, &stop); });
  ASSERT_TRUE(observer.WaitFor(1, "ready", absl::Seconds(20)));
  absl::Time cancelled = absl::Now();
  stop.Cancel("stop");
  run.join();
  EXPECT_GE(absl::Now() - cancelled, absl::Milliseconds(500));
  EXPECT_EQ(result.outcome, RunResult::Outcome::kCancelled);
  EXPECT_EQ(result.exit_code, 137);
}

TEST_F(ProcessExecutorTest, SaysInTheNotesWhichLimitsItCannotEnforceWithoutACgroup) {
  std::unique_ptr<ProcessExecutor> executor = Make(CgroupHost());
  RecordingObserver observer;
  StopSignal stop;
  RunRequest request = Request("true");
  request.memory_mb = 256;
  request.pids = 64;
  request.image = "alpine:3.19";
  RunResult result = executor->Run(request, &observer, &stop);
  EXPECT_EQ(result.exit_code, 0);
  std::string notes = absl::StrJoin(result.notes, "\n");
  EXPECT_TRUE(absl::StrContains(notes, "memory_mb 256 not enforced")) << notes;
  EXPECT_TRUE(absl::StrContains(notes, "pids 64 not enforced")) << notes;
  EXPECT_TRUE(absl::StrContains(notes, "image alpine:3.19 not used")) << notes;
  EXPECT_TRUE(absl::StrContains(observer.Output(3), "arena: memory_mb 256 not enforced"));
}

TEST_F(ProcessExecutorTest, CopiesJunitAndArtifactsAndRefusesPathsOutsideTheWorkspace) {
  RecordingObserver observer;
  StopSignal stop;
  RunRequest request = Request(
      "mkdir -p out art/sub && echo '<testsuite/>' > out/report.xml && echo a > art/a.txt && "
      "echo b > art/sub/b.txt && ln -s /etc link && ln -s /etc/hostname art/host");
  request.files_dir = dir_ + "/files";
  request.junit = {"out/report.xml"};
  request.artifacts = {"art", "../escape", "/etc/hostname", "link/hostname", "missing.txt"};
  RunResult result = executor_->Run(request, &observer, &stop);
  ASSERT_EQ(result.exit_code, 0) << observer.Output(2);
  std::map<std::string, CopiedFile> copied;
  for (const CopiedFile& f : result.files) copied[f.path + (f.junit ? " junit" : "")] = f;
  ASSERT_EQ(copied.size(), 3u);
  EXPECT_EQ(ReadFile(copied["out/report.xml junit"].local_path).value_or(""), "<testsuite/>\n");
  EXPECT_EQ(copied["out/report.xml junit"].local_path, dir_ + "/files/junit/out/report.xml");
  EXPECT_EQ(ReadFile(copied["art/a.txt"].local_path).value_or(""), "a\n");
  EXPECT_EQ(copied["art/sub/b.txt"].size, 2);
  std::string notes = absl::StrJoin(result.notes, "\n");
  EXPECT_TRUE(absl::StrContains(
      notes, "artifact ../escape: not copied: it is outside the attempt's workspace"))
      << notes;
  EXPECT_TRUE(absl::StrContains(
      notes, "artifact /etc/hostname: not copied: it is outside the attempt's workspace"))
      << notes;
  EXPECT_TRUE(absl::StrContains(notes,
                                "artifact link/hostname: copy failed: its directory link "
                                "is a symlink"))
      << notes;
  EXPECT_TRUE(
      absl::StrContains(notes, "artifact art: skipped art/host: a symlink to /etc/hostname"))
      << notes;
  EXPECT_TRUE(absl::StrContains(notes, "not in the workspace (nothing copied): missing.txt"))
      << notes;
  EXPECT_FALSE(FileExists(dir_ + "/files/files/host"));
}

TEST_F(ProcessExecutorTest, RunsAsTheRunAsUser) {
  if (geteuid() != 0) GTEST_SKIP() << "switching users needs root";
  std::unique_ptr<ProcessExecutor> executor = Make(DetectCgroupHost(), "nobody");
  ASSERT_NE(executor, nullptr);
  RecordingObserver observer;
  StopSignal stop;
  RunResult result =
      executor->Run(Request("id -u; touch mine && stat -c %U mine"), &observer, &stop);
  ASSERT_EQ(result.exit_code, 0) << observer.Output(2);
  EXPECT_EQ(observer.Output(1), absl::StrCat(executor->user().uid, "\nnobody\n"));
}

TEST_F(ProcessExecutorTest, ARunAsUsersHardLinkToAFileItDoesNotOwnIsNotCopied) {
  if (geteuid() != 0) GTEST_SKIP() << "switching users needs root";
  // A root-only file on the workspace's filesystem, linked into the
  // workspace while the command runs (by the test: protected_hardlinks may
  // stop the command itself, but not every host sets it).
  std::string secret = dir_ + "/secret";
  ASSERT_TRUE(WriteFileAtomic(secret, "root only\n", 0600).ok());
  std::unique_ptr<ProcessExecutor> executor = Make(DetectCgroupHost(), "nobody");
  RecordingObserver observer;
  StopSignal stop;
  RunRequest request = Request(
      "mkdir out && echo mine > out/own && pwd && "
      "while [ ! -e out/stolen ]; do sleep 0.05; done");
  request.timeout = absl::Seconds(20);
  request.files_dir = dir_ + "/files";
  request.artifacts = {"out"};
  RunResult result;
  std::thread run([&] { result = executor->Run(request, &observer, &stop); });
  ASSERT_TRUE(observer.WaitFor(1, "\n", absl::Seconds(20)));
  std::string workspace = std::string(absl::StripSuffix(observer.Output(1), "\n"));
  EXPECT_EQ(link(secret.c_str(), (workspace + "/out/stolen").c_str()), 0) << strerror(errno);
  run.join();
  ASSERT_EQ(result.exit_code, 0) << observer.Output(2);
  ASSERT_EQ(result.files.size(), 1u);
  EXPECT_EQ(result.files[0].path, "out/own");
  EXPECT_TRUE(absl::StrContains(absl::StrJoin(result.notes, "\n"),
                                "skipped out/stolen: a hard link to a file the command's user "
                                "does not own"))
      << absl::StrJoin(result.notes, "\n");
}

TEST_F(ProcessExecutorTest, RefusesARunAsUserThatCannotReachTheWorkDir) {
  if (geteuid() != 0) GTEST_SKIP() << "switching users needs root";
  std::string private_dir = dir_ + "/private";
  ASSERT_TRUE(MakeDirs(private_dir, 0700).ok());
  ProcessExecutorOptions options{AgentId(), private_dir + "/work", "nobody", CgroupHost()};
  absl::StatusOr<std::unique_ptr<ProcessExecutor>> made = ProcessExecutor::Create(options);
  EXPECT_TRUE(absl::IsFailedPrecondition(made.status())) << made.status();
  EXPECT_TRUE(
      absl::StrContains(made.status().message(),
                        absl::StrCat("--run-as nobody cannot reach the work dir ", private_dir,
                                     "/work: ", private_dir, " does not let it search")))
      << made.status();
}

TEST(ResolveHostUser, RefusesAnUnknownUser) {
  absl::StatusOr<HostUser> user = ResolveHostUser("arena-no-such-user");
  EXPECT_TRUE(absl::IsNotFound(user.status())) << user.status();
  EXPECT_TRUE(absl::StrContains(user.status().message(), "--run-as arena-no-such-user"));
}

TEST(ResolveHostUser, TheAgentsOwnUserNeedsNoSwitch) {
  absl::StatusOr<HostUser> user = ResolveHostUser("");
  ASSERT_TRUE(user.ok()) << user.status();
  EXPECT_EQ(user->uid, geteuid());
  EXPECT_FALSE(user->switch_to);
}

}  // namespace
}  // namespace arena
