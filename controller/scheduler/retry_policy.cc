#include "controller/scheduler/retry_policy.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/states.h"

namespace arena {
namespace {

bool IsTestFailure(v1::State state) { return state == v1::FAILED || state == v1::TIMED_OUT; }

RetryDecision Finish(v1::State state, std::string reason, bool flaky = false,
                     bool quarantined = false) {
  RetryDecision decision;
  decision.state = state;
  decision.reason = std::move(reason);
  decision.flaky = flaky;
  decision.quarantined = quarantined;
  return decision;
}

// A test failure that touched only quarantined tests: the test task's own
// test, or every failed key of a suite's reports (and at least one).
bool OnlyQuarantinedFailed(const v1::Task& task, const AttemptResult& result,
                           const std::set<std::string>& quarantine) {
  bool only = task.kind() == v1::TASK_KIND_TEST ? quarantine.count(task.test_id()) > 0
                                                : !result.failed_keys.empty();
  for (const std::string& key : result.failed_keys) {
    if (!quarantine.count(key)) only = false;
  }
  return only;
}

// The task is not run again: passed (perhaps flaky), or as it ended.
RetryDecision FinishAfterLastAttempt(const v1::Task& task, const AttemptResult& result,
                                     const v1::JobSpec& spec, int failures) {
  if (result.state == v1::PASSED && failures > 0) {
    std::string flaky = absl::StrCat("flaky: passed on attempt ", task.attempts_size(), " after ",
                                     failures, " failed");
    if (spec.flaky_fails()) {
      return Finish(v1::FAILED, absl::StrCat(flaky, " (the job counts flaky as failed)"), true);
    }
    return Finish(result.state, flaky, true);
  }
  if (result.state == v1::LOST) {
    return Finish(v1::ERROR, absl::StrCat("agent lost: ", result.reason));
  }
  RetryDecision decision = Finish(result.state, result.reason);
  decision.expand_tests = result.state == v1::PASSED && task.kind() == v1::TASK_KIND_LIST;
  return decision;
}

}  // namespace

RetryDecision DecideRetry(const v1::Task& task, const AttemptResult& result,
                          const v1::JobSpec& spec, const std::set<std::string>& quarantine) {
  int failures = 0;
  std::set<std::string> failed_on;
  for (const v1::Attempt& a : task.attempts()) {
    if (IsTestFailure(a.state())) ++failures;
    // A retry after a test failure or an infrastructure error (its dockerd
    // or registry path broke) prefers another agent.
    if (IsTestFailure(a.state()) || a.state() == v1::ERROR || a.state() == v1::LOST) {
      failed_on.insert(a.agent_id());
    }
  }
  const v1::State state = result.state;
  // A permanent error fails the same anywhere: not retried.
  const bool permanent = result.permanent && state == v1::ERROR;
  const bool infrastructure = (state == v1::ERROR && !permanent) || state == v1::LOST;
  const bool test_failure = IsTestFailure(state);
  if (test_failure && OnlyQuarantinedFailed(task, result, quarantine)) {
    return Finish(state, absl::StrCat(result.reason, " (only quarantined tests failed)"), false,
                  true);
  }
  const bool within_retries = task.attempts_size() <= spec.retries();
  const bool retry = (infrastructure && within_retries) ||
                     (test_failure && ((spec.retry_test_failures() && within_retries) ||
                                       failures <= spec.reruns()));
  if (!retry) return FinishAfterLastAttempt(task, result, spec, failures);
  RetryDecision decision;
  decision.retry = true;
  decision.state = v1::QUEUED;
  decision.reason =
      absl::StrCat(test_failure ? "rerunning" : "retrying", " after attempt ", task.attempts_size(),
                   " ended ", StateName(state), ": ", result.reason);
  decision.avoid = std::move(failed_on);
  return decision;
}

AttemptResult BatchTestResult(const AttemptResult& run, const std::string* status,
                              const std::string& test_id, const std::string& batch_attempt_id,
                              size_t batch_size, bool* unreported, int64_t time_ms,
                              int64_t test_timeout_ms) {
  *unreported = false;
  AttemptResult result = run;
  result.failed_keys.clear();
  if (run.state != v1::PASSED && run.state != v1::FAILED && run.state != v1::TIMED_OUT) {
    return result;  // the run itself broke: every test of it ends so
  }
  const std::string batch = absl::StrCat("its batch of ", batch_size, " (attempt ",
                                         batch_attempt_id, " ended ", StateName(run.state));
  if (status == nullptr) {
    *unreported = true;
    result.state = v1::ERROR;
    result.permanent = false;
    result.reason = absl::StrCat("no result in ", batch,
                                 run.reason.empty() ? "" : absl::StrCat(": ", run.reason), ")");
    return result;
  }
  if (test_timeout_ms > 0 && time_ms > test_timeout_ms && *status != "skipped") {
    result.state = v1::TIMED_OUT;
    result.reason = absl::StrCat(
        "took ", absl::FormatDuration(absl::Milliseconds(time_ms)), " in ", batch, "), over its ",
        absl::FormatDuration(absl::Milliseconds(test_timeout_ms)), " test timeout");
    result.failed_keys.push_back(test_id);
    return result;
  }
  const bool failed = *status == "failed" || *status == "error";
  result.state = failed ? v1::FAILED : v1::PASSED;
  result.reason = failed ? absl::StrCat(*status, " in ", batch, ")") : "";
  if (failed) result.failed_keys.push_back(test_id);
  return result;
}

BatchSplit HalveBatch(const std::string& of, size_t unreported) {
  return {of, static_cast<int>(std::max<size_t>(1, (unreported + 1) / 2))};
}

RetryDecision SplitBatch(const AttemptResult& result, BatchSplit split) {
  RetryDecision decision;
  decision.retry = true;
  decision.state = v1::QUEUED;
  decision.reason = split.max_tests <= 1 ? absl::StrCat("running alone after ", result.reason)
                                         : absl::StrCat("running in a batch of at most ",
                                                        split.max_tests, " after ", result.reason);
  decision.split = std::move(split);
  return decision;
}

}  // namespace arena
