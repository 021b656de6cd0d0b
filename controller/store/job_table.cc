#include "controller/store/job_table.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"
#include "controller/store/page_filler.h"
#include "controller/store/sql_query.h"

namespace arena {
namespace {

constexpr const char* kJobColumns =
    "id, spec, state, reason, created_ms, finished_ms, owner, rerun_of";

constexpr const char* kTaskColumns =
    "id, arch, state, exit_code, reason, agent_id, attempt_id, started_ms, "
    "finished_ms, log_bytes, image, emulated, kind, suite, test_id, serial, flaky, quarantined, "
    "command, seq";

constexpr const char* kAttemptColumns =
    "id, agent_id, state, exit_code, reason, started_ms, finished_ms, log_bytes, emulated, "
    "exited_ms, notes, image_digest, batch_attempt_id";

// A task's command is stored as a serialized Task holding only the command.
std::string EncodeCommand(const v1::Task& task) {
  v1::Task holder;
  *holder.mutable_command() = task.command();
  return holder.SerializeAsString();
}

// Reads kAttemptColumns starting at column `first` of the row.
void ReadAttempt(const Statement& row, int first, v1::Attempt* a) {
  ColumnReader in(row, first);
  a->set_id(in.Text());
  a->set_agent_id(in.Text());
  a->set_state(in.As<v1::State>());
  a->set_exit_code(in.As<int32_t>());
  a->set_reason(in.Text());
  a->set_started_unix_ms(in.Int());
  a->set_finished_unix_ms(in.Int());
  a->set_log_bytes(in.Int());
  a->set_emulated(in.Bool());
  a->set_exited_unix_ms(in.Int());
  for (absl::string_view note : absl::StrSplit(in.Text(), '\n', absl::SkipEmpty())) {
    a->add_notes(std::string(note));
  }
  a->set_image_digest(in.Text());
  a->set_batch_attempt_id(in.Text());
}

// Reads kTaskColumns.
v1::Task ReadTask(const Statement& row) {
  ColumnReader in(row);
  v1::Task task;
  task.set_id(in.Text());
  task.set_arch(in.Text());
  task.set_state(in.As<v1::State>());
  task.set_exit_code(in.As<int32_t>());
  task.set_reason(in.Text());
  task.set_agent_id(in.Text());
  task.set_attempt_id(in.Text());
  task.set_started_unix_ms(in.Int());
  task.set_finished_unix_ms(in.Int());
  task.set_log_bytes(in.Int());
  task.set_image(in.Text());
  task.set_emulated(in.Bool());
  task.set_kind(in.As<v1::TaskKind>());
  task.set_suite(in.Text());
  task.set_test_id(in.Text());
  task.set_serial(in.Bool());
  task.set_flaky(in.Bool());
  task.set_quarantined(in.Bool());
  v1::Task holder;
  if (holder.ParseFromString(in.Text())) *task.mutable_command() = holder.command();
  if (task.started_unix_ms() > 0 && task.finished_unix_ms() >= task.started_unix_ms()) {
    task.set_duration_ms(task.finished_unix_ms() - task.started_unix_ms());
  }
  return task;
}

AttemptRecord ReadAttemptRecord(const Statement& row) {
  AttemptRecord a;
  ColumnReader(row).Into(&a.id, &a.task_id, &a.job_id, &a.agent_id, &a.state, &a.exit_code,
                         &a.reason, &a.started_ms, &a.finished_ms, &a.log_bytes, &a.exited_ms);
  return a;
}

// Inserts `tasks` with sequence numbers from `first_seq` on.
absl::Status InsertTasks(Database& db, const std::string& job_id,
                         const std::vector<v1::Task>& tasks, int64_t first_seq) {
  SqlQuery insert(db,
                  "INSERT INTO tasks(id, job_id, seq, arch, state, image, kind, suite, test_id, "
                  "serial, command) VALUES(?,?,?,?,?,?,?,?,?,?,?)");
  int64_t seq = first_seq;
  for (const v1::Task& task : tasks) {
    RETURN_IF_ERROR(insert
                        .Bind(task.id(), job_id, seq++, task.arch(), task.state(), task.image(),
                              task.kind(), task.suite(), task.test_id(), task.serial(),
                              Blob{EncodeCommand(task)})
                        .Run()
                        .status());
  }
  return absl::OkStatus();
}

// A job row: the job without its spec, and the spec's bytes.
struct JobRow {
  v1::Job job;
  std::string spec;
};

// Reads kJobColumns.
JobRow ReadJobRow(const Statement& row) {
  ColumnReader in(row);
  JobRow read;
  read.job.set_id(in.Text());
  read.spec = in.Text();
  read.job.set_state(in.As<v1::State>());
  read.job.set_reason(in.Text());
  read.job.set_created_unix_ms(in.Int());
  read.job.set_finished_unix_ms(in.Int());
  read.job.set_owner(in.Text());
  read.job.set_rerun_of(in.Text());
  return read;
}

absl::StatusOr<v1::Job> LoadJobHeader(Database& db, const std::string& id) {
  ASSIGN_OR_RETURN(std::optional<JobRow> row,
                   SqlQuery(db, absl::StrCat("SELECT ", kJobColumns, " FROM jobs WHERE id = ?"))
                       .Bind(id)
                       .One(ReadJobRow));
  if (!row) return absl::NotFoundError(absl::StrCat("job ", id, " not found"));
  if (!row->job.mutable_spec()->ParseFromString(row->spec)) {
    return absl::DataLossError(absl::StrCat("job ", id, " has a corrupt spec"));
  }
  return std::move(row->job);
}

// One page of the job's tasks (`page.after` is a sequence number).
absl::StatusOr<Page<v1::Task>> LoadTasks(Database& db, const std::string& job_id,
                                         const RowPage& page) {
  PageFiller<v1::Task> filler(page);
  RETURN_IF_ERROR(SqlQuery(db, absl::StrCat("SELECT ", kTaskColumns,
                                            " FROM tasks WHERE job_id = ? AND seq >= ? "
                                            "ORDER BY seq LIMIT ?"))
                      .Bind(job_id, page.after, PageFiller<v1::Task>::LimitFor(page))
                      .Each([&](const Statement& row) {
                        if (filler.Full()) return false;
                        v1::Task task = ReadTask(row);
                        // Attempts come later: count each task as if it had a few.
                        int64_t bytes = 4 * static_cast<int64_t>(task.ByteSizeLong());
                        filler.Add(std::move(task), bytes, row.Int(19) + 1);
                        return true;
                      }));
  return std::move(filler).Take();
}

// Adds the job's attempts to those of `tasks` that are listed.
absl::Status LoadAttempts(Database& db, const std::string& job_id, std::vector<v1::Task>* tasks) {
  std::map<std::string, v1::Task*> by_id;
  for (v1::Task& task : *tasks) by_id[task.id()] = &task;
  return SqlQuery(db, absl::StrCat("SELECT task_id, ", kAttemptColumns,
                                   " FROM attempts WHERE job_id = ? ORDER BY started_ms, rowid"))
      .Bind(job_id)
      .Each([&](const Statement& row) {
        auto task = by_id.find(row.Text(0));
        if (task != by_id.end()) ReadAttempt(row, 1, task->second->add_attempts());
      });
}

// Sets the job's task counts by state and its task total.
absl::Status LoadTaskCounts(Database& db, v1::Job* job) {
  return SqlQuery(db,
                  "SELECT state, count(*) FROM tasks WHERE job_id = ? GROUP BY state ORDER BY "
                  "state")
      .Bind(job->id())
      .Each([&](const Statement& row) {
        v1::TaskCount* count = job->add_task_counts();
        count->set_state(static_cast<v1::State>(row.Int(0)));
        count->set_count(row.Int(1));
        job->set_task_total(job->task_total() + row.Int(1));
      });
}

// Sets the ids of the jobs rerunning the job, oldest first.
absl::Status LoadReruns(Database& db, v1::Job* job) {
  return SqlQuery(db, "SELECT id FROM jobs WHERE rerun_of = ? AND rerun_of != '' ORDER BY rowid")
      .Bind(job->id())
      .Each([&](const Statement& row) { job->add_reruns(row.Text(0)); });
}

// Whether nothing of the job will change but by a write this table sees:
// the job and every one of its tasks are in a terminal state.
bool Finished(const v1::Job& job) {
  if (!IsTerminal(job.state())) return false;
  for (const v1::TaskCount& count : job.task_counts()) {
    if (!IsTerminal(count.state())) return false;
  }
  return true;
}

}  // namespace

absl::Status JobTable::InsertJob(const v1::Job& job, const std::string& idempotency_key) {
  Invalidation after(this, job.id());
  Invalidation rerun(this, job.rerun_of());  // its list of reruns grows
  return connection_->Transaction([&](Database& db) -> absl::Status {
    RETURN_IF_ERROR(SqlQuery(db,
                             "INSERT INTO jobs(id, spec, state, reason, created_ms, "
                             "idempotency_key, owner, rerun_of) VALUES(?,?,?,?,?,NULLIF(?,''),?,?)")
                        .Bind(job.id(), Blob{job.spec().SerializeAsString()}, job.state(),
                              job.reason(), job.created_unix_ms(), idempotency_key, job.owner(),
                              job.rerun_of())
                        .Run()
                        .status());
    return InsertTasks(db, job.id(), {job.tasks().begin(), job.tasks().end()}, 0);
  });
}

absl::StatusOr<std::string> JobTable::FindJobByIdempotencyKey(const std::string& key) {
  return connection_->Read([&](Database& db) -> absl::StatusOr<std::string> {
    ASSIGN_OR_RETURN(std::optional<std::string> id,
                     SqlQuery(db, "SELECT id FROM jobs WHERE idempotency_key = ?")
                         .Bind(key)
                         .One([](const Statement& row) { return row.Text(0); }));
    if (!id) return absl::NotFoundError("no job with that idempotency key");
    return *std::move(id);
  });
}

absl::StatusOr<v1::Job> JobTable::GetJob(const std::string& id, const RowPage& page) {
  auto load = [&] {
    return connection_->Read([&](Database& db) -> absl::StatusOr<v1::Job> {
      ASSIGN_OR_RETURN(v1::Job job, LoadJobHeader(db, id));
      ASSIGN_OR_RETURN(Page<v1::Task> tasks, LoadTasks(db, id, page));
      if (tasks.next_after > 0) job.set_next_task_page_token(absl::StrCat(tasks.next_after));
      RETURN_IF_ERROR(LoadAttempts(db, id, &tasks.rows));
      for (v1::Task& task : tasks.rows) *job.add_tasks() = std::move(task);
      RETURN_IF_ERROR(LoadTaskCounts(db, &job));
      RETURN_IF_ERROR(LoadReruns(db, &job));
      return job;
    });
  };
  return finished_jobs_.GetOrLoad(id,
                                  absl::StrCat(page.after, "/", page.limit, "/", page.max_bytes),
                                  absl::Now(), load, Finished);
}

absl::StatusOr<v1::Job> JobTable::GetJobHeader(const std::string& id) {
  return connection_->Read([&](Database& db) { return LoadJobHeader(db, id); });
}

absl::StatusOr<v1::Task> JobTable::GetTask(const std::string& task_id) {
  return connection_->Read([&](Database& db) -> absl::StatusOr<v1::Task> {
    ASSIGN_OR_RETURN(std::optional<v1::Task> task,
                     SqlQuery(db, absl::StrCat("SELECT ", kTaskColumns, " FROM tasks WHERE id = ?"))
                         .Bind(task_id)
                         .One(ReadTask));
    if (!task) return absl::NotFoundError(absl::StrCat("task ", task_id, " not found"));
    RETURN_IF_ERROR(
        SqlQuery(db, absl::StrCat("SELECT ", kAttemptColumns,
                                  " FROM attempts WHERE task_id = ? "
                                  "ORDER BY started_ms, rowid"))
            .Bind(task_id)
            .Each([&](const Statement& row) { ReadAttempt(row, 0, task->add_attempts()); }));
    return *std::move(task);
  });
}

absl::StatusOr<std::vector<TaskStateCount>> JobTable::CountJobTasks(const std::string& job_id) {
  return connection_->Read([&](Database& db) {
    return SqlQuery(db,
                    "SELECT state, quarantined, count(*) FROM tasks WHERE job_id = ? "
                    "GROUP BY state, quarantined")
        .Bind(job_id)
        .All([](const Statement& row) {
          return TaskStateCount{static_cast<v1::State>(row.Int(0)), row.Int(1) != 0, row.Int(2)};
        });
  });
}

absl::StatusOr<JobPage> JobTable::ListJobs(const JobQuery& query) {
  std::vector<std::pair<std::string, int64_t>> ids;  // with rowids
  RETURN_IF_ERROR(connection_->Read([&](Database& db) {
    return SqlQuery(db,
                    "SELECT id, rowid FROM jobs WHERE (?1 = 0 OR rowid < ?1) "
                    "AND (?2 = 0 OR state = ?2) AND (?4 = '' OR owner = ?4) "
                    "AND (?5 = '' OR EXISTS (SELECT 1 FROM tasks "
                    "WHERE tasks.job_id = jobs.id AND tasks.arch = ?5)) "
                    "ORDER BY rowid DESC LIMIT ?3")
        .Bind(query.before_rowid, query.state, query.limit + 1, query.owner, query.arch)
        .Each([&](const Statement& row) { ids.emplace_back(row.Text(0), row.Int(1)); });
  }));
  JobPage page;
  if (static_cast<int>(ids.size()) > query.limit) {
    ids.pop_back();
    page.more = true;
  }
  for (const auto& [id, rowid] : ids) {
    ASSIGN_OR_RETURN(v1::Job job, GetJob(id, RowPage{0, query.tasks_per_job}));
    page.jobs.push_back(std::move(job));
  }
  if (page.more) page.next_before_rowid = ids.back().second;
  return page;
}

absl::StatusOr<std::vector<std::string>> JobTable::ListActiveJobIds() {
  return connection_->Read([&](Database& db) {
    return SqlQuery(db, "SELECT id FROM jobs WHERE state IN (?, ?) ORDER BY created_ms, rowid")
        .Bind(v1::QUEUED, v1::RUNNING)
        .All([](const Statement& row) { return row.Text(0); });
  });
}

absl::Status JobTable::AddTasks(const std::string& job_id, const std::vector<v1::Task>& tasks) {
  Invalidation after(this, job_id);
  return connection_->Transaction([&](Database& db) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<int64_t> last,
                     SqlQuery(db, "SELECT coalesce(max(seq), -1) FROM tasks WHERE job_id = ?")
                         .Bind(job_id)
                         .One([](const Statement& row) { return row.Int(0); }));
    return InsertTasks(db, job_id, tasks, last ? *last + 1 : 0);
  });
}

absl::Status JobTable::UpdateTask(const std::string& job_id, const v1::Task& task) {
  Invalidation after(this, job_id);
  return connection_->Write([&](Database& db) {
    return SqlQuery(db,
                    "UPDATE tasks SET state=?, exit_code=?, reason=?, agent_id=?, attempt_id=?, "
                    "started_ms=?, finished_ms=?, log_bytes=?, emulated=?, flaky=?, "
                    "quarantined=? WHERE id=? AND job_id=?")
        .Bind(task.state(), task.exit_code(), task.reason(), task.agent_id(), task.attempt_id(),
              task.started_unix_ms(), task.finished_unix_ms(), task.log_bytes(), task.emulated(),
              task.flaky(), task.quarantined(), task.id(), job_id)
        .Run()
        .status();
  });
}

absl::StatusOr<std::map<int, int64_t>> JobTable::CountTasksByState() {
  std::map<int, int64_t> counts;
  RETURN_IF_ERROR(connection_->Read([&](Database& db) {
    return SqlQuery(db, "SELECT state, count(*) FROM tasks GROUP BY state")
        .Each([&](const Statement& row) { counts[static_cast<int>(row.Int(0))] = row.Int(1); });
  }));
  return counts;
}

absl::Status JobTable::UpdateJobState(const std::string& job_id, v1::State state,
                                      const std::string& reason, int64_t finished_ms) {
  Invalidation after(this, job_id);
  return connection_->Write([&](Database& db) {
    return SqlQuery(db, "UPDATE jobs SET state=?, reason=?, finished_ms=? WHERE id=?")
        .Bind(state, reason, finished_ms, job_id)
        .Run()
        .status();
  });
}

absl::Status JobTable::InsertAttempt(const AttemptRecord& a) {
  Invalidation after(this, a.job_id);
  return connection_->Write([&](Database& db) {
    return SqlQuery(db,
                    "INSERT INTO attempts(id, task_id, job_id, agent_id, state, started_ms, "
                    "emulated, batch_attempt_id) VALUES(?,?,?,?,?,?,?,?)")
        .Bind(a.id, a.task_id, a.job_id, a.agent_id, a.state, a.started_ms, a.emulated,
              a.batch_attempt_id)
        .Run()
        .status();
  });
}

absl::Status JobTable::UpdateAttempt(const AttemptRecord& a) {
  // Notes hold no newline (the recorder escapes them): one a line.
  Invalidation after(this, a.job_id);
  return connection_->Write([&](Database& db) {
    return SqlQuery(db,
                    "UPDATE attempts SET state=?, exit_code=?, reason=?, finished_ms=?, "
                    "log_bytes=?, exited_ms=?, notes=?, image_digest=? WHERE id=? AND job_id=?")
        .Bind(a.state, a.exit_code, a.reason, a.finished_ms, a.log_bytes, a.exited_ms,
              absl::StrJoin(a.notes, "\n"), a.image_digest, a.id, a.job_id)
        .Run()
        .status();
  });
}

absl::StatusOr<AttemptRecord> JobTable::GetAttempt(const std::string& id) {
  return connection_->Read([&](Database& db) -> absl::StatusOr<AttemptRecord> {
    ASSIGN_OR_RETURN(std::optional<AttemptRecord> attempt,
                     SqlQuery(db,
                              "SELECT id, task_id, job_id, agent_id, state, exit_code, reason, "
                              "started_ms, finished_ms, log_bytes, exited_ms FROM attempts "
                              "WHERE id = ?")
                         .Bind(id)
                         .One(ReadAttemptRecord));
    if (!attempt) return absl::NotFoundError(absl::StrCat("unknown attempt ", id));
    return *std::move(attempt);
  });
}

}  // namespace arena
