#include "controller/store/job_table.h"

#include <gtest/gtest.h>

#include "controller/store/sql_query.h"
#include "tests/unit/controller/store/table_fixture.h"

namespace arena {
namespace {

v1::Job NewJob(const std::string& id, int tasks, const std::string& arch = "amd64") {
  v1::Job job;
  job.set_id(id);
  job.set_owner("ci");
  job.mutable_spec()->set_image("img");
  job.set_state(v1::QUEUED);
  job.set_created_unix_ms(1000);
  for (int i = 0; i < tasks; ++i) {
    v1::Task* task = job.add_tasks();
    task->set_id(id + "-t" + std::to_string(i));
    task->set_arch(arch);
    task->set_state(v1::QUEUED);
    task->add_command("echo");
    task->add_command(std::to_string(i));
  }
  return job;
}

AttemptRecord NewAttempt(const std::string& id, const std::string& task, int64_t started_ms) {
  AttemptRecord a;
  a.id = id;
  a.task_id = task;
  a.job_id = "job-a";
  a.agent_id = "agent-1";
  a.state = v1::RUNNING;
  a.started_ms = started_ms;
  return a;
}

class JobTableTest : public TableTest {
 protected:
  void SetUp() override {
    TableTest::SetUp();
    jobs_ = std::make_unique<JobTable>(connection_.get());
  }
  // Changes the job's reason behind the table's back (as another process
  // on the same file would): only a read that reaches SQLite sees it.
  void SetReasonDirectly(const std::string& job_id, const std::string& reason) {
    ASSERT_TRUE(connection_
                    ->Write([&](Database& db) {
                      return SqlQuery(db, "UPDATE jobs SET reason = ? WHERE id = ?")
                          .Bind(reason, job_id)
                          .Run()
                          .status();
                    })
                    .ok());
  }
  // Finishes job-a's one task and then the job.
  void FinishJobA() {
    v1::Task task = *jobs_->GetTask("job-a-t0");
    task.set_state(v1::PASSED);
    ASSERT_TRUE(jobs_->UpdateTask("job-a", task).ok());
    ASSERT_TRUE(jobs_->UpdateJobState("job-a", v1::PASSED, "done", 500).ok());
  }
  std::unique_ptr<JobTable> jobs_;
};

TEST_F(JobTableTest, PagesTasksInCreationOrderWithTheirAttempts) {
  ASSERT_TRUE(jobs_->InsertJob(NewJob("job-a", 5), "").ok());
  ASSERT_TRUE(jobs_->InsertAttempt(NewAttempt("att-2", "job-a-t3", 20)).ok());
  ASSERT_TRUE(jobs_->InsertAttempt(NewAttempt("att-1", "job-a-t3", 10)).ok());
  auto first = jobs_->GetJob("job-a", RowPage{0, 2});
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->tasks_size(), 2);
  EXPECT_EQ(first->tasks(1).id(), "job-a-t1");
  EXPECT_EQ(first->tasks(0).command(1), "0");
  EXPECT_EQ(first->next_task_page_token(), "2");
  EXPECT_EQ(first->task_total(), 5);
  auto second = jobs_->GetJob("job-a", RowPage{2, 2});
  ASSERT_EQ(second->tasks_size(), 2);
  const v1::Task& with_attempts = second->tasks(1);
  EXPECT_EQ(with_attempts.id(), "job-a-t3");
  ASSERT_EQ(with_attempts.attempts_size(), 2);
  EXPECT_EQ(with_attempts.attempts(0).id(), "att-1");  // oldest first
  auto last = jobs_->GetJob("job-a", RowPage{4, 2});
  ASSERT_EQ(last->tasks_size(), 1);
  EXPECT_EQ(last->next_task_page_token(), "");
}

TEST_F(JobTableTest, APageOfTasksStopsAtItsByteBoundButHoldsOne) {
  ASSERT_TRUE(jobs_->InsertJob(NewJob("job-a", 3), "").ok());
  auto page = jobs_->GetJob("job-a", RowPage{0, 0, 1});
  ASSERT_EQ(page->tasks_size(), 1);
  EXPECT_EQ(page->next_task_page_token(), "1");
}

TEST_F(JobTableTest, AddedTasksFollowTheLastOne) {
  ASSERT_TRUE(jobs_->InsertJob(NewJob("job-a", 2), "").ok());
  v1::Task found;
  found.set_id("job-a-found");
  found.set_arch("amd64");
  found.set_kind(v1::TASK_KIND_TEST);
  found.set_test_id("test_x");
  ASSERT_TRUE(jobs_->AddTasks("job-a", {found}).ok());
  auto page = jobs_->GetJob("job-a", RowPage{2, 10});
  ASSERT_EQ(page->tasks_size(), 1);
  EXPECT_EQ(page->tasks(0).id(), "job-a-found");
  EXPECT_EQ(page->tasks(0).test_id(), "test_x");
  EXPECT_EQ(page->tasks(0).kind(), v1::TASK_KIND_TEST);
}

TEST_F(JobTableTest, AJobWithADuplicateTaskIdIsNotStoredAtAll) {
  v1::Job job = NewJob("job-a", 2);
  job.mutable_tasks(1)->set_id("job-a-t0");
  EXPECT_TRUE(absl::IsAlreadyExists(jobs_->InsertJob(job, "")));
  EXPECT_TRUE(absl::IsNotFound(jobs_->GetJobHeader("job-a").status()));
  EXPECT_TRUE(absl::IsNotFound(jobs_->GetTask("job-a-t0").status()));
}

TEST_F(JobTableTest, TheHeaderCarriesNoTasks) {
  ASSERT_TRUE(jobs_->InsertJob(NewJob("job-a", 3), "").ok());
  auto header = jobs_->GetJobHeader("job-a");
  ASSERT_TRUE(header.ok()) << header.status();
  EXPECT_EQ(header->tasks_size(), 0);
  EXPECT_EQ(header->owner(), "ci");
  EXPECT_EQ(header->spec().image(), "img");
}

TEST_F(JobTableTest, ACorruptSpecIsDataLossNotAnEmptyJob) {
  ASSERT_TRUE(jobs_->InsertJob(NewJob("job-a", 1), "").ok());
  ASSERT_TRUE(connection_
                  ->Write([](Database& db) {
                    return db.Exec("UPDATE jobs SET spec = x'ff' WHERE id = 'job-a'");
                  })
                  .ok());
  EXPECT_TRUE(absl::IsDataLoss(jobs_->GetJobHeader("job-a").status()));
  EXPECT_TRUE(absl::IsDataLoss(jobs_->GetJob("job-a", RowPage{}).status()));
}

TEST_F(JobTableTest, CountsTasksByStateAndQuarantineMark) {
  ASSERT_TRUE(jobs_->InsertJob(NewJob("job-a", 3), "").ok());
  ASSERT_TRUE(jobs_->InsertJob(NewJob("job-b", 1), "").ok());
  v1::Task task = *jobs_->GetTask("job-a-t0");
  task.set_state(v1::FAILED);
  task.set_quarantined(true);
  ASSERT_TRUE(jobs_->UpdateTask("job-a", task).ok());
  auto counts = jobs_->CountJobTasks("job-a");
  ASSERT_TRUE(counts.ok()) << counts.status();
  std::map<std::pair<int, bool>, int64_t> by_key;
  for (const TaskStateCount& c : *counts) by_key[{c.state, c.quarantined}] = c.count;
  EXPECT_EQ(by_key, (std::map<std::pair<int, bool>, int64_t>{{{v1::QUEUED, false}, 2},
                                                             {{v1::FAILED, true}, 1}}));
  EXPECT_EQ(*jobs_->CountTasksByState(),
            (std::map<int, int64_t>{{v1::QUEUED, 3}, {v1::FAILED, 1}}));
}

TEST_F(JobTableTest, ATaskUpdateAndAnAttemptsOutcomeAreReadBack) {
  ASSERT_TRUE(jobs_->InsertJob(NewJob("job-a", 1), "").ok());
  AttemptRecord attempt = NewAttempt("att-1", "job-a-t0", 100);
  attempt.emulated = true;
  ASSERT_TRUE(jobs_->InsertAttempt(attempt).ok());
  attempt.state = v1::FAILED;
  attempt.exit_code = 3;
  attempt.finished_ms = 400;
  attempt.exited_ms = 390;
  attempt.image_digest = "img@sha256:abc";
  ASSERT_TRUE(jobs_->UpdateAttempt(attempt).ok());
  auto read = jobs_->GetAttempt("att-1");
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->state, v1::FAILED);
  EXPECT_EQ(read->exit_code, 3);
  EXPECT_EQ(read->exited_ms, 390);
  EXPECT_EQ(read->job_id, "job-a");
  v1::Task task = *jobs_->GetTask("job-a-t0");
  ASSERT_EQ(task.attempts_size(), 1);
  EXPECT_TRUE(task.attempts(0).emulated());
  EXPECT_EQ(task.attempts(0).image_digest(), "img@sha256:abc");
  task.set_started_unix_ms(100);
  task.set_finished_unix_ms(400);
  task.set_agent_id("agent-1");
  ASSERT_TRUE(jobs_->UpdateTask("job-a", task).ok());
  v1::Task updated = *jobs_->GetTask("job-a-t0");
  EXPECT_EQ(updated.agent_id(), "agent-1");
  EXPECT_EQ(updated.duration_ms(), 300);
  EXPECT_TRUE(absl::IsNotFound(jobs_->GetAttempt("att-none").status()));
}

TEST_F(JobTableTest, AFinishedJobIsReadOnceAndEachWriteToItIsSeenAtOnce) {
  ASSERT_TRUE(jobs_->InsertJob(NewJob("job-a", 1), "").ok());
  SetReasonDirectly("job-a", "running, read each time");
  EXPECT_EQ(jobs_->GetJob("job-a")->reason(), "running, read each time");
  FinishJobA();
  EXPECT_EQ(jobs_->GetJob("job-a")->reason(), "done");
  SetReasonDirectly("job-a", "behind the table's back");
  EXPECT_EQ(jobs_->GetJob("job-a")->reason(), "done");  // kept: no query ran
  v1::Job rerun = NewJob("job-r", 1);
  rerun.set_rerun_of("job-a");
  ASSERT_TRUE(jobs_->InsertJob(rerun).ok());  // job-a's reruns grow
  auto with_rerun = jobs_->GetJob("job-a");
  ASSERT_EQ(with_rerun->reruns_size(), 1);
  EXPECT_EQ(with_rerun->reruns(0), "job-r");
  EXPECT_EQ(jobs_->GetJob("job-r")->rerun_of(), "job-a");
  // Each write through the table is seen by the next read.
  ASSERT_TRUE(jobs_->InsertAttempt(NewAttempt("att-late", "job-a-t0", 600)).ok());
  auto read = jobs_->GetJob("job-a");
  EXPECT_EQ(read->reason(), "behind the table's back");
  ASSERT_EQ(read->tasks(0).attempts_size(), 1);
  AttemptRecord late = NewAttempt("att-late", "job-a-t0", 600);
  late.state = v1::CANCELLED;
  ASSERT_TRUE(jobs_->UpdateAttempt(late).ok());
  EXPECT_EQ(jobs_->GetJob("job-a")->tasks(0).attempts(0).state(), v1::CANCELLED);
  late.job_id = "job-b";  // not its job: nothing written
  late.state = v1::LOST;
  ASSERT_TRUE(jobs_->UpdateAttempt(late).ok());
  EXPECT_EQ(jobs_->GetAttempt("att-late")->state, v1::CANCELLED);
  v1::Task task = *jobs_->GetTask("job-a-t0");
  task.set_flaky(true);
  ASSERT_TRUE(jobs_->UpdateTask("job-a", task).ok());
  EXPECT_TRUE(jobs_->GetJob("job-a")->tasks(0).flaky());
  v1::Task added = NewJob("job-a", 1).tasks(0);
  added.set_id("job-a-extra");
  ASSERT_TRUE(jobs_->AddTasks("job-a", {added}).ok());
  read = jobs_->GetJob("job-a");
  EXPECT_EQ(read->task_total(), 2);  // a queued task: not kept any more
  SetReasonDirectly("job-a", "read again");
  EXPECT_EQ(jobs_->GetJob("job-a")->reason(), "read again");
  ASSERT_TRUE(jobs_->UpdateJobState("job-a", v1::FAILED, "rerun", 700).ok());
  EXPECT_EQ(jobs_->GetJob("job-a")->state(), v1::FAILED);
  // Another page of the same job is its own entry, invalidated with it.
  EXPECT_EQ(jobs_->GetJob("job-a", RowPage{1, 1})->tasks(0).id(), "job-a-extra");
}

TEST_F(JobTableTest, ListsJobsByOwnerAndArchitecture) {
  ASSERT_TRUE(jobs_->InsertJob(NewJob("job-a", 1, "amd64"), "").ok());
  v1::Job other = NewJob("job-b", 1, "arm64");
  other.set_owner("alice");
  ASSERT_TRUE(jobs_->InsertJob(other, "").ok());
  JobQuery by_owner;
  by_owner.owner = "alice";
  auto alice = jobs_->ListJobs(by_owner);
  ASSERT_EQ(alice->jobs.size(), 1u);
  EXPECT_EQ(alice->jobs[0].id(), "job-b");
  JobQuery by_arch;
  by_arch.arch = "amd64";
  auto amd64 = jobs_->ListJobs(by_arch);
  ASSERT_EQ(amd64->jobs.size(), 1u);
  EXPECT_EQ(amd64->jobs[0].id(), "job-a");
  JobQuery one;
  one.limit = 1;
  auto page = jobs_->ListJobs(one);
  ASSERT_TRUE(page->more);
  EXPECT_EQ(page->jobs[0].id(), "job-b");
  one.before_rowid = page->next_before_rowid;
  auto next = jobs_->ListJobs(one);
  ASSERT_EQ(next->jobs.size(), 1u);
  EXPECT_EQ(next->jobs[0].id(), "job-a");
  EXPECT_FALSE(next->more);
}

TEST_F(JobTableTest, ActiveJobsAreTheQueuedAndRunningOnesOldestFirst) {
  for (const char* id : {"job-a", "job-b", "job-c"}) {
    ASSERT_TRUE(jobs_->InsertJob(NewJob(id, 1), "").ok());
  }
  ASSERT_TRUE(jobs_->UpdateJobState("job-a", v1::RUNNING, "", 0).ok());
  ASSERT_TRUE(jobs_->UpdateJobState("job-b", v1::CANCELLED, "by me", 5).ok());
  EXPECT_EQ(*jobs_->ListActiveJobIds(), (std::vector<std::string>{"job-a", "job-c"}));
  EXPECT_EQ(jobs_->GetJobHeader("job-b")->reason(), "by me");
}

}  // namespace
}  // namespace arena
