#include "agent/session/task_hooks.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "agent/health/health_checks.h"
#include "arena/v1/agent.pb.h"
#include "common/logging.h"

namespace arena {

std::vector<std::pair<std::string, std::string>> HookEnvironment(const RunRequest& request) {
  return {{"ARENA_TASK_ID", request.task_id},
          {"ARENA_JOB_ID", request.job_id},
          {"ARENA_ATTEMPT_ID", request.attempt_id},
          {"ARENA_ARCH", request.arch}};
}

std::string RunTaskHook(const std::string& which, const std::string& command,
                        absl::Duration timeout,
                        const std::vector<std::pair<std::string, std::string>>& env,
                        const std::function<void(absl::string_view)>& system_line) {
  if (command.empty()) return "";
  std::string output;
  std::string problem =
      ShellCommandProblem(absl::StrCat(which, " hook"), command, timeout, env, &output);
  for (absl::string_view line : absl::StrSplit(output, '\n', absl::SkipWhitespace())) {
    system_line(absl::StrCat("arena: ", which, ": ", line, "\n"));
  }
  return problem;
}

RunResult RunBetweenHooks(const TaskHooks& hooks, const RunRequest& request, RunObserver& observer,
                          const std::function<RunResult()>& run,
                          const std::function<void(const std::string&)>& post_task_failed) {
  auto system_line = [&observer](absl::string_view line) {
    observer.OnOutput(v1::LOG_STREAM_SYSTEM, line);
  };
  const auto env = HookEnvironment(request);
  std::string refused = RunTaskHook("pre-task", hooks.pre_task, hooks.timeout, env, system_line);
  if (!refused.empty()) {
    RunResult result;  // retried elsewhere when the job allows
    result.outcome = RunResult::Outcome::kError;
    result.reason = refused;
    return result;
  }
  RunResult result = run();
  std::string broken = RunTaskHook("post-task", hooks.post_task, hooks.timeout, env, system_line);
  if (!broken.empty()) {
    system_line(
        absl::StrCat("arena: ", broken, "; the agent takes no new work until it succeeds\n"));
    LogLine("session", absl::StrCat("unhealthy: ", broken));
    post_task_failed(broken);
  }
  return result;
}

}  // namespace arena
