// What the controller keeps when an attempt ends: its files (artifacts and
// JUnit reports, checked complete and synced), and its per-test results
// (parsed from the JUnit reports; for a test-queue task without a report,
// one result from the exit status).
// Owner: the Scheduler. Called on the scheduler's thread; holds no state of
// its own.
#ifndef ARENA_CONTROLLER_RESULTS_RECORDER_H_
#define ARENA_CONTROLLER_RESULTS_RECORDER_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "arena/v1/agent.pb.h"
#include "arena/v1/jobs.pb.h"
#include "arena/v1/results.pb.h"

namespace arena {

class ArtifactStore;
class Store;

// Test batches: one test of a run that ran several.
struct BatchMember {
  std::string test_id;
  std::string task_id;
  std::string attempt_id;
  int attempt_number = 1;
};

struct AttemptContext {
  std::string job_id;
  std::string attempt_id;
  int attempt_number = 1;
  std::string agent_id;
  const v1::Task* task = nullptr;
  v1::State state = v1::FAILED;  // how the attempt ended
  int64_t duration_ms = 0;
  std::string reason;
  // Test batches: the run's tests, the task's own first. A result that is
  // one of theirs is filed under that test's task and attempt, keyed by
  // its test id. Empty: the attempt ran its task alone.
  std::vector<BatchMember> batch;
};

struct RecordedResults {
  int count = 0;
  // Test keys that failed or errored in this attempt.
  std::vector<std::string> failed_keys;
  // Why a JUnit report could not be used (malformed, too big); empty if fine.
  std::string junit_error;
  // Test batches: each member's status by test id, the worst of its rows
  // ("error", "failed", "passed", "skipped"); a member without a row has
  // no entry.
  std::map<std::string, std::string> batch_status;
  // ...and the time its rows took (ms, summed), as the runner reported it.
  std::map<std::string, int64_t> batch_time_ms;
  int64_t time_ms = 0;  // every row's time, summed
};

// The notes of an agent's terminal event as the attempt's record keeps them:
// at most 50 (then one line saying how many more), each cut at 1,000 bytes,
// control characters escaped so each is one printable line.
std::vector<std::string> AttemptNotes(const v1::TaskEvent& event);

// Sets each result's share_ms: `wall_ms` (the run's time) split among the
// results in proportion to their duration_ms, evenly when none has one.
void ShareWallTime(int64_t wall_ms, std::vector<v1::TestResult>* results);

// FailedPrecondition when a file the event lists is not completely stored
// yet (the agent resends it); other errors are storage failures.
absl::StatusOr<RecordedResults> RecordAttemptResults(Store* store, ArtifactStore* artifacts,
                                                     const AttemptContext& attempt,
                                                     const v1::TaskEvent& event,
                                                     const std::set<std::string>& quarantined);

}  // namespace arena

#endif  // ARENA_CONTROLLER_RESULTS_RECORDER_H_
