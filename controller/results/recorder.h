// What the controller keeps when an attempt ends: its files (artifacts and
// JUnit reports, checked complete and synced), and its per-test results
// (parsed from the JUnit reports; for a test-queue task without a report,
// one result from the exit status).
// Owner: the Scheduler. Called on the scheduler's thread; holds no state of
// its own.
#ifndef ARENA_CONTROLLER_RESULTS_RECORDER_H_
#define ARENA_CONTROLLER_RESULTS_RECORDER_H_

#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "arena/v1/agent.pb.h"
#include "arena/v1/jobs.pb.h"

namespace arena {

class ArtifactStore;
class Store;

struct AttemptContext {
  std::string job_id;
  std::string attempt_id;
  int attempt_number = 1;
  std::string agent_id;
  const v1::Task* task = nullptr;
  v1::State state = v1::FAILED;  // how the attempt ended
  int64_t duration_ms = 0;
  std::string reason;
};

struct RecordedResults {
  int count = 0;
  // Test keys that failed or errored in this attempt.
  std::vector<std::string> failed_keys;
  // Why a JUnit report could not be used (malformed, too big); empty if fine.
  std::string junit_error;
};

// The notes of an agent's terminal event as the attempt's record keeps them:
// at most 50 (then one line saying how many more), each cut at 1,000 bytes,
// control characters escaped so each is one printable line.
std::vector<std::string> AttemptNotes(const v1::TaskEvent& event);

// FailedPrecondition when a file the event lists is not completely stored
// yet (the agent resends it); other errors are storage failures.
absl::StatusOr<RecordedResults> RecordAttemptResults(Store* store, ArtifactStore* artifacts,
                                                     const AttemptContext& attempt,
                                                     const v1::TaskEvent& event,
                                                     const std::set<std::string>& quarantined);

}  // namespace arena

#endif  // ARENA_CONTROLLER_RESULTS_RECORDER_H_
