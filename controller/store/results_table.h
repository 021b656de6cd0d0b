// ResultsTable: test intelligence — each attempt's per-test results, the
// files attempts stored (artifacts and JUnit reports), and the quarantine
// list; with the queries built on them (a job's outcomes, recent durations
// for ordering, recent runs for flake ranking).
//
// Owner: the Store, over its StoreConnection; callers use it through
// `store->results()`. Thread-safe (the connection serialises the statements;
// writes take their turn at the write gate).
#ifndef ARENA_CONTROLLER_STORE_RESULTS_TABLE_H_
#define ARENA_CONTROLLER_STORE_RESULTS_TABLE_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "arena/v1/results.pb.h"
#include "controller/store/records.h"
#include "controller/store/store_connection.h"

namespace arena {

class ResultsTable {
 public:
  explicit ResultsTable(StoreConnection* connection) : connection_(connection) {}

  // Stores `results` in one transaction, first removing what their
  // attempts stored before (a result event resent after a crash replaces).
  absl::Status InsertTestResults(const std::string& job_id,
                                 const std::vector<v1::TestResult>& results);
  absl::StatusOr<std::vector<v1::TestResult>> ListTestResults(const std::string& job_id);
  // A page of the job's results in the order recorded (`page.after` is a
  // row id).
  absl::StatusOr<Page<v1::TestResult>> ListTestResultsPage(const std::string& job_id,
                                                           const RowPage& page);
  // Every (task id, test key) of the job with how it went: one pass over the
  // job's rows, however many pages they fill.
  absl::StatusOr<std::map<std::pair<std::string, std::string>, TestOutcome>> TestOutcomes(
      const std::string& job_id);
  // Mean time of each of `keys` over its last five passing runs on `arch`:
  // its share of its run's wall time (TestResult.share_ms), its duration
  // in rows recorded before shares were. A key with no rows of its own that names a file or a class
  // (a queued unit whose rows are its tests', "KEY::test") takes the sum of
  // its tests' passing rows in the newest job that has any. Keys without
  // either are absent.
  absl::StatusOr<std::map<std::string, int64_t>> TestDurations(
      const std::string& arch, const std::vector<std::string>& keys);
  // The last `limit` results of `test_key` (on `arch` when set; in jobs of
  // `owner` when set), newest first.
  absl::StatusOr<std::vector<v1::TestHistoryRun>> TestHistoryRuns(const std::string& test_key,
                                                                  const std::string& arch,
                                                                  int limit,
                                                                  const std::string& owner = "");
  // Per (test, arch, job) outcomes, newest jobs first, from the latest
  // `max_rows` results; only runs in jobs of `owner` when it is set.
  absl::StatusOr<std::vector<TestRun>> RecentTestRuns(int64_t max_rows,
                                                      const std::string& owner = "");

  // Inserts each artifact, replacing one the attempt stored at the same path
  // and kind.
  absl::Status UpsertArtifacts(const std::vector<ArtifactRecord>& artifacts);
  absl::StatusOr<std::vector<ArtifactRecord>> ListArtifacts(const std::string& job_id);
  // The artifact and the JUnit report (either may be absent) an attempt
  // stored at `path`.
  absl::StatusOr<std::vector<ArtifactRecord>> FindArtifacts(const std::string& job_id,
                                                            const std::string& attempt_id,
                                                            const std::string& path);
  // A page of the job's artifacts (`page.after` is a row id; `task_id`
  // empty for all tasks).
  absl::StatusOr<Page<ArtifactRecord>> ListArtifactsPage(const std::string& job_id,
                                                         const std::string& task_id,
                                                         const RowPage& page);

  // Adds the test, or replaces its entry.
  absl::Status AddQuarantine(const v1::QuarantineEntry& entry);
  // NotFound when the test is not quarantined.
  absl::Status RemoveQuarantine(const std::string& test_key);
  // By test key.
  absl::StatusOr<std::vector<v1::QuarantineEntry>> ListQuarantine();

 private:
  StoreConnection* const connection_;
};

}  // namespace arena

#endif  // ARENA_CONTROLLER_STORE_RESULTS_TABLE_H_
