// What history expects of each running job's tests: per job and
// architecture, the expected time of the tests not finished and of those
// finished, so `arenactl run` can say how long the rest should take from
// the tests' own history rather than from a count. Live only: kept in
// memory, filled when tests are queued, dropped when their job ends.
// Owned by the scheduler, which writes it; the job API copies it into
// answers. Thread-safe.
#ifndef ARENA_CONTROLLER_SCHEDULER_WORK_BOARD_H_
#define ARENA_CONTROLLER_SCHEDULER_WORK_BOARD_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "arena/v1/jobs.pb.h"

namespace arena {

struct ExpectedTest {
  std::string task_id;
  std::string arch;
  int64_t ms = 0;  // what history expects it to take
};

class WorkBoard {
 public:
  // Adds the tests of `job_id` not on the board yet (a requeued or
  // recovered test is counted once).
  void Expect(const std::string& job_id, const std::vector<ExpectedTest>& tests);
  // Moves a finished test's time from left to done; no-op for one not on
  // the board.
  void Done(const std::string& job_id, const std::string& task_id);
  void Forget(const std::string& job_id);
  void Clear();
  // Sets `job->estimates` when the board holds any of its tests.
  void Fill(v1::Job* job) const;

 private:
  struct Times {
    int64_t left_ms = 0;
    int64_t done_ms = 0;
  };
  struct JobWork {
    std::map<std::string, ExpectedTest> left;  // by task id
    std::map<std::string, Times> by_arch;
  };
  mutable absl::Mutex mu_;
  std::map<std::string, JobWork> jobs_ ABSL_GUARDED_BY(mu_);
};

}  // namespace arena

#endif  // ARENA_CONTROLLER_SCHEDULER_WORK_BOARD_H_
