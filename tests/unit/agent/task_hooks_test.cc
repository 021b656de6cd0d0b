#include "agent/session/task_hooks.h"

#include <gtest/gtest.h>

#include "arena/v1/agent.pb.h"
#include "common/files.h"
#include "tests/unit/test_dir.h"

namespace arena {
namespace {

RunRequest Request() {
  RunRequest request;
  request.task_id = "tsk-1";
  request.job_id = "job-2";
  request.attempt_id = "att-3";
  request.arch = "arm64";
  return request;
}

TEST(TaskHooks, AHookSeesTheAttemptsIdsAndItsOutputBecomesArenaLines) {
  TestDir dir;
  std::string lines;
  std::string command = "echo \"$ARENA_TASK_ID $ARENA_JOB_ID $ARENA_ATTEMPT_ID $ARENA_ARCH\" >" +
                        dir.File("env") + "; echo reset; echo done >&2";
  std::string problem =
      RunTaskHook("pre-task", command, absl::Seconds(5), HookEnvironment(Request()),
                  [&lines](absl::string_view line) { lines.append(line.data(), line.size()); });
  EXPECT_EQ(problem, "");
  EXPECT_EQ(*ReadFile(dir.File("env")), "tsk-1 job-2 att-3 arm64\n");
  EXPECT_EQ(lines, "arena: pre-task: reset\narena: pre-task: done\n");
}

TEST(TaskHooks, AFailingHookSaysHowWithItsLastLine) {
  std::string lines;
  EXPECT_EQ(
      RunTaskHook("post-task", "echo rig jammed; exit 2", absl::Seconds(5), {},
                  [&lines](absl::string_view line) { lines.append(line.data(), line.size()); }),
      "post-task hook exited 2: rig jammed");
  EXPECT_EQ(lines, "arena: post-task: rig jammed\n");
}

TEST(TaskHooks, NoHookIsNoProblem) {
  int called = 0;
  EXPECT_EQ(
      RunTaskHook("pre-task", "", absl::Seconds(5), {}, [&called](absl::string_view) { ++called; }),
      "");
  EXPECT_EQ(called, 0);
}

class SystemLines final : public RunObserver {
 public:
  void OnStarted() override {}
  void OnOutput(int stream, absl::string_view data) override {
    if (stream == v1::LOG_STREAM_SYSTEM) text.append(data.data(), data.size());
  }
  std::string text;
};

RunResult Exited(int code) {
  RunResult result;
  result.outcome = RunResult::Outcome::kExited;
  result.exit_code = code;
  return result;
}

TEST(TaskHooks, AFailedPreTaskEndsTheAttemptErrorWithoutRunningIt) {
  TaskHooks hooks;
  hooks.pre_task = "echo no rig; exit 1";
  hooks.post_task = "echo never";
  SystemLines observer;
  int runs = 0;
  int post_failures = 0;
  RunResult result = RunBetweenHooks(
      hooks, Request(), observer,
      [&runs] {
        ++runs;
        return Exited(0);
      },
      [&post_failures](const std::string&) { ++post_failures; });
  EXPECT_EQ(runs, 0);
  EXPECT_EQ(post_failures, 0);
  EXPECT_EQ(result.outcome, RunResult::Outcome::kError);
  EXPECT_EQ(result.reason, "pre-task hook exited 1: no rig");
  EXPECT_FALSE(result.permanent);  // retried elsewhere when the job allows
  EXPECT_EQ(observer.text, "arena: pre-task: no rig\n");
}

TEST(TaskHooks, AFailedPostTaskKeepsTheResultAndReportsTheProblem) {
  TaskHooks hooks;
  hooks.post_task = "echo jammed; exit 4";
  SystemLines observer;
  std::string reported;
  RunResult result = RunBetweenHooks(
      hooks, Request(), observer, [] { return Exited(3); },
      [&reported](const std::string& problem) { reported = problem; });
  EXPECT_EQ(result.outcome, RunResult::Outcome::kExited);
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_EQ(reported, "post-task hook exited 4: jammed");
  EXPECT_EQ(observer.text,
            "arena: post-task: jammed\narena: post-task hook exited 4: jammed; the agent takes no "
            "new work until it succeeds\n");
}

}  // namespace
}  // namespace arena
