// JobTable: jobs, their tasks and the tasks' attempts. A job's spec is
// stored whole; its tasks keep their creation order (a sequence number per
// job, which pages of tasks follow); attempts are listed oldest first.
//
// GetJob keeps finished jobs (the job and all its tasks terminal) in a
// ReadCache that each write to the job invalidates once it has committed:
// every write to jobs, tasks and attempts goes through this table.
//
// Owner: the Store, over its StoreConnection; callers use it through
// `store->jobs()`. Thread-safe (the connection serialises the statements;
// writes take their turn at the write gate; the cache has its own lock).
#ifndef ARENA_CONTROLLER_STORE_JOB_TABLE_H_
#define ARENA_CONTROLLER_STORE_JOB_TABLE_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "arena/v1/jobs.pb.h"
#include "common/states.h"
#include "controller/store/read_cache.h"
#include "controller/store/records.h"
#include "controller/store/store_connection.h"

namespace arena {

class JobTable {
 public:
  explicit JobTable(StoreConnection* connection) : connection_(connection) {}

  // Inserts the job and its tasks in one transaction. A non-empty
  // idempotency key already in use fails with AlreadyExists, as does a job
  // id in use.
  absl::Status InsertJob(const v1::Job& job, const std::string& idempotency_key = "");
  // NotFound when no job has the key.
  absl::StatusOr<std::string> FindJobByIdempotencyKey(const std::string& key);
  // The job with one page of its tasks in creation order (`page.after` is
  // the first sequence number to include; the job's next_task_page_token
  // names the next page), their attempts, the job's task counts by state
  // and the jobs rerunning it (Job.reruns, oldest first). NotFound for an
  // unknown id.
  absl::StatusOr<v1::Job> GetJob(const std::string& id, const RowPage& page = {});
  // The job without its tasks (spec, state, owner, times): what the
  // scheduler needs per event, at a cost that does not grow with the job.
  absl::StatusOr<v1::Job> GetJobHeader(const std::string& id);
  // One task with its attempts (oldest first).
  absl::StatusOr<v1::Task> GetTask(const std::string& task_id);
  // The job's tasks counted by state and quarantine mark.
  absl::StatusOr<std::vector<TaskStateCount>> CountJobTasks(const std::string& job_id);
  // A page of jobs, newest first, each with its first tasks.
  absl::StatusOr<JobPage> ListJobs(const JobQuery& query);
  // Ids of jobs not yet in a terminal state, oldest first.
  absl::StatusOr<std::vector<std::string>> ListActiveJobIds();

  // Appends tasks to an existing job (tests found by a list task), after its
  // last one.
  absl::Status AddTasks(const std::string& job_id, const std::vector<v1::Task>& tasks);
  // Writes the task's state, result, placement and marks. `job_id` is the
  // task's job (a task of another job is not written).
  absl::Status UpdateTask(const std::string& job_id, const v1::Task& task);
  // Number of tasks in each state, over every job.
  absl::StatusOr<std::map<int, int64_t>> CountTasksByState();
  absl::Status UpdateJobState(const std::string& job_id, v1::State state, const std::string& reason,
                              int64_t finished_ms);

  absl::Status InsertAttempt(const AttemptRecord& attempt);
  // Writes the attempt's outcome (state, result, times, notes, image);
  // `attempt.job_id` names its job (an attempt of another job is not written).
  absl::Status UpdateAttempt(const AttemptRecord& attempt);
  // NotFound for an unknown id.
  absl::StatusOr<AttemptRecord> GetAttempt(const std::string& id);

 private:
  // Invalidates the job's cached reads when it goes out of scope, that is
  // after the write it guards has committed (or failed).
  class Invalidation {
   public:
    Invalidation(JobTable* table, const std::string& job_id) : table_(table), job_id_(job_id) {}
    ~Invalidation() { table_->finished_jobs_.Invalidate(job_id_); }
    Invalidation(const Invalidation&) = delete;
    Invalidation& operator=(const Invalidation&) = delete;

   private:
    JobTable* const table_;
    const std::string& job_id_;
  };

  StoreConnection* const connection_;
  ReadCache<v1::Job> finished_jobs_;
};

}  // namespace arena

#endif  // ARENA_CONTROLLER_STORE_JOB_TABLE_H_
