// What happens to a task when one of its attempts ends: run it again, or
// finish it with a state, a reason and its flaky and quarantined marks.
//
// Pure: no I/O, no clock, no state to own; the scheduler calls it from its
// thread and tests call it directly. Thread-safe (it touches only its
// arguments).
#ifndef ARENA_CONTROLLER_SCHEDULER_RETRY_POLICY_H_
#define ARENA_CONTROLLER_SCHEDULER_RETRY_POLICY_H_

#include <set>
#include <string>
#include <vector>

#include "arena/v1/jobs.pb.h"

namespace arena {

// How one attempt ended, as the scheduler records it (a PASSED attempt with
// an unusable JUnit report is already an ERROR here).
struct AttemptResult {
  v1::State state = v1::ERROR;
  std::string reason;
  // The agent says the error fails the same anywhere (refused credentials,
  // an unknown image or platform); meaningful only with state ERROR.
  bool permanent = false;
  // Test keys that failed or errored in this attempt's JUnit reports.
  std::vector<std::string> failed_keys;
};

// Test batches: the tests of a batch that had no result (its process died
// or timed out) run again together in batches of at most `max_tests`, half
// of them, never with other tests; so a test that takes its process down
// is alone after a few halvings and the others get their verdicts. 1: the
// test runs by itself; 0: no split.
struct BatchSplit {
  std::string of;  // the batch's attempt
  int max_tests = 0;
};

// The split for `unreported` tests without a result in batch `of`.
BatchSplit HalveBatch(const std::string& of, size_t unreported);

struct RetryDecision {
  // True: the task is queued again (state QUEUED, `reason` says why, on
  // another agent than those in `avoid` where one is free).
  bool retry = false;
  // When not retried: the task's final state and reason.
  v1::State state = v1::ERROR;
  std::string reason;
  bool flaky = false;        // passed after failed attempts
  bool quarantined = false;  // only quarantined tests failed
  // A list task passed: its listed tests become tasks before it finishes
  // (with `state`, or ERROR when the list is unusable).
  bool expand_tests = false;
  std::set<std::string> avoid;  // agents where earlier attempts failed
  // Test batches: the test had no result in its batch and runs next in a
  // smaller one (BatchSplit). DecideRetry never sets it.
  BatchSplit split;
};

// `task` holds every attempt so far, the one that ended included and with
// its state set to `result.state`. `quarantine` holds the quarantined test
// keys. Infrastructure errors (ERROR but not permanent, LOST) use up
// `spec.retries`; test failures (FAILED, TIMED_OUT) are rerun up to
// `spec.reruns` times, or within `spec.retries` when
// `spec.retry_test_failures`; a failure of only quarantined tests is never
// rerun.
RetryDecision DecideRetry(const v1::Task& task, const AttemptResult& result,
                          const v1::JobSpec& spec, const std::set<std::string>& quarantine);

// Test batches: how one test of a batch ended. `run`: how the batch's run
// ended (an unusable report already made it an ERROR); `status`: the
// test's status in the run's reports ("passed", "failed", "error",
// "skipped"; null: it has none). A run that errored or was lost ends each
// of its tests so. A test without a result ends ERROR saying so, with
// `*unreported` set: it runs again in a smaller batch (SplitBatch),
// whatever the retries. A test whose rows took longer than
// `test_timeout_ms` (its rows' `time_ms`; 0: no limit) ends TIMED_OUT.
AttemptResult BatchTestResult(const AttemptResult& run, const std::string* status,
                              const std::string& test_id, const std::string& batch_attempt_id,
                              size_t batch_size, bool* unreported, int64_t time_ms = 0,
                              int64_t test_timeout_ms = 0);

// The decision for a test that had no result in its batch.
RetryDecision SplitBatch(const AttemptResult& result, BatchSplit split);

}  // namespace arena

#endif  // ARENA_CONTROLLER_SCHEDULER_RETRY_POLICY_H_
