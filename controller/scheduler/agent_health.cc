#include "controller/scheduler/agent_health.h"

#include <algorithm>
#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace arena {
namespace {

constexpr int kMaxProblems = 5;
constexpr size_t kMaxProblemBytes = 300;

}  // namespace

void ClockCheck::Observe(int64_t sent_unix_ms, int64_t received_unix_ms) {
  if (sent_unix_ms == 0) return;
  gaps_ms_.push_back(received_unix_ms - sent_unix_ms);
  while (gaps_ms_.size() > kWindow) gaps_ms_.pop_front();
}

std::string ClockCheck::Problem() const {
  if (gaps_ms_.empty()) return "";
  int64_t gap = *std::min_element(gaps_ms_.begin(), gaps_ms_.end());
  if (std::llabs(gap) <= kMaxSkewMs) return "";
  int64_t seconds = std::llabs(gap) / 1000;
  if (gap < 0) return absl::StrCat("clock ", seconds, "s ahead of the controller's");
  return absl::StrCat("clock at least ", seconds, "s behind the controller's");
}

HealthVerdict JudgeHealth(const v1::AgentHealth* reported, const ClockCheck& clock) {
  HealthVerdict verdict;
  auto add = [&verdict](absl::string_view problem) {
    verdict.healthy = false;
    absl::StrAppend(&verdict.problem, verdict.problem.empty() ? "" : "; ", problem);
  };
  if (reported != nullptr) {
    // The agent's words are bounded: they go into every waiting reason.
    int shown = 0;
    for (const std::string& problem : reported->problems()) {
      if (++shown > kMaxProblems) break;
      add(absl::string_view(problem).substr(0, kMaxProblemBytes));
    }
    // Unhealthy without a reason given: still unhealthy.
    if (!reported->healthy() && reported->problems().empty()) add("the agent reports unhealthy");
  }
  std::string skew = clock.Problem();
  if (!skew.empty()) add(skew);
  return verdict;
}

}  // namespace arena
