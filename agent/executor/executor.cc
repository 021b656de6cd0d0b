#include "agent/executor/executor.h"

#include "absl/strings/str_cat.h"

namespace arena {

std::string RunReason(const RunResult& result, const RunRequest& request, StopSignal* stop) {
  if (result.outcome == RunResult::Outcome::kTimedOut) {
    return absl::StrCat("timed out after ", absl::FormatDuration(request.timeout));
  }
  if (result.outcome == RunResult::Outcome::kCancelled) return stop->reason();
  if (result.oom_killed) {
    return absl::StrCat("out of memory: killed at the ", request.memory_mb, " MiB limit (exit ",
                        result.exit_code, ")");
  }
  if (result.exit_code != 0) return absl::StrCat("exited with code ", result.exit_code);
  return "";
}

RunResult ErrorResult(std::string reason, RunResult result) {
  result.outcome = RunResult::Outcome::kError;
  result.reason = std::move(reason);
  return result;
}

void SystemLine(RunObserver* observer, absl::string_view text) {
  observer->OnOutput(3, absl::StrCat("arena: ", text, "\n"));
}

}  // namespace arena
