#include "controller/store/store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "absl/time/clock.h"
#include "common/ids.h"
#include "controller/results/recorder.h"
#include "controller/store/schema.h"
#include "tests/unit/test_dir.h"

namespace arena {
namespace {

v1::Job NewJob(const std::string& id, int tasks) {
  v1::Job job;
  job.set_id(id);
  job.mutable_spec()->set_image("img");
  job.mutable_spec()->add_command("true");
  job.set_state(v1::QUEUED);
  job.set_created_unix_ms(1000);
  for (int i = 0; i < tasks; ++i) {
    v1::Task* task = job.add_tasks();
    task->set_id(id + "-t" + std::to_string(i));
    task->set_arch(i == 0 ? "amd64" : "arm64");
    task->set_state(v1::QUEUED);
  }
  return job;
}

TEST(Store, KeepsOneSealedGitCredentialPerHost) {
  TestDir dir;
  auto store = Store::Open(dir.File("arena.db"));
  ASSERT_TRUE(store.ok()) << store.status();
  CredentialRecord record{
      "127.0.0.1:8443", "https-token", "bot", false, std::string("\0sealed\xff", 8), 5};
  ASSERT_TRUE((*store)->access().PutCredential(CredentialScope::kGit, record).ok());
  record.username = "bot2";
  ASSERT_TRUE((*store)->access().PutCredential(CredentialScope::kGit, record).ok());  // replaces
  auto listed = (*store)->access().ListCredentials(CredentialScope::kGit);
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].username, "bot2");
  EXPECT_EQ((*listed)[0].sealed, record.sealed);
  EXPECT_TRUE(absl::IsNotFound(
      (*store)->access().GetCredential(CredentialScope::kGit, "127.0.0.1").status()));
  ASSERT_TRUE((*store)->access().DeleteCredential(CredentialScope::kGit, "127.0.0.1:8443").ok());
  EXPECT_TRUE(absl::IsNotFound(
      (*store)->access().DeleteCredential(CredentialScope::kGit, "127.0.0.1:8443").status()));
}

TEST(Store, KeepsGitAndRegistryCredentialsApart) {
  TestDir dir;
  auto store = Store::Open(dir.File("arena.db"));
  ASSERT_TRUE(store.ok()) << store.status();
  CredentialRecord git{"127.0.0.1:5000", "https-token", "git-bot", false, "sealed-git", 1};
  CredentialRecord registry{"127.0.0.1:5000", "basic", "reg-bot", false, "sealed-reg", 2};
  ASSERT_TRUE((*store)->access().PutCredential(CredentialScope::kGit, git).ok());
  ASSERT_TRUE((*store)->access().PutCredential(CredentialScope::kRegistry, registry).ok());
  auto got = (*store)->access().GetCredential(CredentialScope::kRegistry, "127.0.0.1:5000");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->username, "reg-bot");
  EXPECT_EQ(got->sealed, "sealed-reg");
  ASSERT_TRUE(
      (*store)->access().DeleteCredential(CredentialScope::kRegistry, "127.0.0.1:5000").ok());
  EXPECT_TRUE((*store)->access().GetCredential(CredentialScope::kGit, "127.0.0.1:5000").ok());
  EXPECT_TRUE((*store)->access().ListCredentials(CredentialScope::kRegistry)->empty());
}

TEST(Store, MigratesToLatestVersionAndReopens) {
  TestDir dir;
  {
    auto store = Store::Open(dir.File("arena.db"));
    ASSERT_TRUE(store.ok()) << store.status();
    EXPECT_EQ(*(*store)->SchemaVersion(), LatestSchemaVersion());
    ASSERT_TRUE((*store)->jobs().InsertJob(NewJob("job-a", 2)).ok());
  }
  auto reopened = Store::Open(dir.File("arena.db"));
  ASSERT_TRUE(reopened.ok());
  auto job = (*reopened)->jobs().GetJob("job-a");
  ASSERT_TRUE(job.ok()) << job.status();
  ASSERT_EQ(job->tasks_size(), 2);
  EXPECT_EQ(job->tasks(1).arch(), "arm64");
  EXPECT_EQ(job->spec().command(0), "true");
}

TEST(Store, KeepsAnAttemptsNotesInItsRecord) {
  TestDir dir;
  auto store = *Store::Open(dir.File("arena.db"));
  ASSERT_TRUE(store->jobs().InsertJob(NewJob("job-n", 1)).ok());
  AttemptRecord attempt;
  attempt.id = "att-1";
  attempt.task_id = "job-n-t0";
  attempt.job_id = "job-n";
  attempt.agent_id = "agent-1";
  attempt.state = v1::RUNNING;
  ASSERT_TRUE(store->jobs().InsertAttempt(attempt).ok());
  attempt.state = v1::PASSED;
  attempt.notes = {"artifact big: skipped", "artifact /: not copied"};
  ASSERT_TRUE(store->jobs().UpdateAttempt(attempt).ok());
  auto job = store->jobs().GetJob("job-n");
  ASSERT_TRUE(job.ok()) << job.status();
  ASSERT_EQ(job->tasks(0).attempts_size(), 1);
  const v1::Attempt& read = job->tasks(0).attempts(0);
  ASSERT_EQ(read.notes_size(), 2);
  EXPECT_EQ(read.notes(0), "artifact big: skipped");
  EXPECT_EQ(read.notes(1), "artifact /: not copied");
}

TEST(AttemptNotes, EscapesControlCharactersAndCapsTheCount) {
  v1::TaskEvent event;
  event.add_notes("name\nwith\x1b[8m escapes");
  for (int i = 0; i < 60; ++i) event.add_notes(std::string(5000, 'n'));
  std::vector<std::string> notes = AttemptNotes(event);
  ASSERT_EQ(notes.size(), 51u);
  EXPECT_EQ(notes[0], "name\\nwith\\033[8m escapes");
  EXPECT_EQ(notes[1].size(), 1000u);
  EXPECT_EQ(notes[50], "... and 11 more notes");
}

TEST(Store, BatchCommitsOnceAndOtherWritersWaitTheirTurn) {
  TestDir dir;
  auto store = *Store::Open(dir.File("arena.db"));
  auto other = *store->Connect();
  ASSERT_TRUE(store->BeginBatch().ok());
  ASSERT_TRUE(store->jobs().InsertJob(NewJob("job-in-batch", 1)).ok());
  EXPECT_TRUE(store->jobs().GetJob("job-in-batch").ok());  // its own connection sees it
  EXPECT_TRUE(absl::IsNotFound(other->jobs().GetJob("job-in-batch").status()));
  std::atomic<bool> written{false};
  std::thread writer([&] {
    EXPECT_TRUE(other->jobs().InsertJob(NewJob("job-after", 1)).ok());
    written = true;
  });
  // That the writer waits at the gate (rather than not having started) is
  // shown where the gate is at hand: StoreConnectionTest's
  // AnotherConnectionsWriterWaitsForTheOpenBatchThenGoesThrough.
  EXPECT_FALSE(written) << "a write from another thread went ahead of the open batch";
  ASSERT_TRUE(store->CommitBatch().ok());
  writer.join();
  EXPECT_TRUE(written);
  EXPECT_TRUE(other->jobs().GetJob("job-in-batch").ok());
  EXPECT_TRUE(store->jobs().GetJob("job-after").ok());
  EXPECT_FALSE(store->CommitBatch().ok());  // nothing open
}

TEST(Store, TaskAndJobUpdatesPersist) {
  TestDir dir;
  auto store = *Store::Open(dir.File("arena.db"));
  ASSERT_TRUE(store->jobs().InsertJob(NewJob("job-b", 1)).ok());
  v1::Task task = store->jobs().GetJob("job-b")->tasks(0);
  task.set_state(v1::FAILED);
  task.set_exit_code(7);
  task.set_reason("exited with code 7");
  ASSERT_TRUE(store->jobs().UpdateTask("job-b", task).ok());
  ASSERT_TRUE(store->jobs().UpdateJobState("job-b", v1::FAILED, "", 2000).ok());
  auto job = store->jobs().GetJob("job-b");
  EXPECT_EQ(job->state(), v1::FAILED);
  EXPECT_EQ(job->tasks(0).exit_code(), 7);
  EXPECT_EQ(job->finished_unix_ms(), 2000);
  EXPECT_TRUE(store->jobs().ListActiveJobIds()->empty());
}

TEST(Store, UnknownJobIsNotFoundAndDuplicateIdIsRefused) {
  TestDir dir;
  auto store = *Store::Open(dir.File("arena.db"));
  EXPECT_TRUE(absl::IsNotFound(store->jobs().GetJob("job-nope").status()));
  ASSERT_TRUE(store->jobs().InsertJob(NewJob("job-c", 1)).ok());
  EXPECT_FALSE(store->jobs().InsertJob(NewJob("job-c", 1)).ok());
  // The failed insert rolled back and left the first job intact.
  EXPECT_EQ(store->jobs().GetJob("job-c")->tasks_size(), 1);
}

TEST(Store, IdempotencyKeyIsUnique) {
  TestDir dir;
  auto store = *Store::Open(dir.File("arena.db"));
  ASSERT_TRUE(store->jobs().InsertJob(NewJob("job-a", 1), "key-1").ok());
  EXPECT_TRUE(absl::IsAlreadyExists(store->jobs().InsertJob(NewJob("job-b", 1), "key-1")));
  EXPECT_TRUE(store->jobs().InsertJob(NewJob("job-c", 1), "").ok());
  EXPECT_TRUE(store->jobs().InsertJob(NewJob("job-d", 1), "").ok());  // no key: no constraint
  EXPECT_EQ(*store->jobs().FindJobByIdempotencyKey("key-1"), "job-a");
  EXPECT_TRUE(absl::IsNotFound(store->jobs().FindJobByIdempotencyKey("key-2").status()));
  EXPECT_TRUE(absl::IsNotFound(store->jobs().GetJob("job-b").status()));
}

TEST(Store, JoinTokenIsSingleUseAndExpires) {
  TestDir dir;
  auto store = *Store::Open(dir.File("arena.db"));
  ASSERT_TRUE(store->access().InsertJoinToken(Sha256Hex("tok"), /*expires_ms=*/5000, 1, 0).ok());
  EXPECT_TRUE(absl::IsPermissionDenied(store->access().ConsumeJoinToken(Sha256Hex("other"), 100)));
  EXPECT_TRUE(absl::IsPermissionDenied(store->access().ConsumeJoinToken(Sha256Hex("tok"), 6000)));
  EXPECT_TRUE(store->access().ConsumeJoinToken(Sha256Hex("tok"), 100).ok());
  EXPECT_TRUE(absl::IsPermissionDenied(store->access().ConsumeJoinToken(Sha256Hex("tok"), 100)));
}

TEST(Store, ApiTokensAreLookedUpByHashAndRevocable) {
  TestDir dir;
  auto store = *Store::Open(dir.File("arena.db"));
  ApiToken token{"tok-1", "ci", "submitter", 5, 0, false};
  ASSERT_TRUE(store->access().InsertApiToken(Sha256Hex("secret"), token).ok());
  EXPECT_EQ(store->access().LookupApiToken(Sha256Hex("secret"))->role, "submitter");
  EXPECT_TRUE(absl::IsNotFound(store->access().LookupApiToken("secret").status()));
  EXPECT_TRUE(store->access().RevokeApiToken("ci")->revoked);
  EXPECT_TRUE(store->access().LookupApiToken(Sha256Hex("secret"))->revoked);
  EXPECT_TRUE(absl::IsNotFound(store->access().RevokeApiToken("nobody").status()));
  ASSERT_TRUE(store->access().AppendAudit({1, "admin", "token.revoke", "tok-1", "ci"}).ok());
  auto audit = store->access().ListAudit(10);
  ASSERT_EQ(audit->size(), 1u);
  EXPECT_EQ((*audit)[0].action, "token.revoke");
}

TEST(Store, ListJobsNewestFirst) {
  TestDir dir;
  auto store = *Store::Open(dir.File("arena.db"));
  v1::Job older = NewJob("job-old", 1);
  v1::Job newer = NewJob("job-new", 1);
  newer.set_created_unix_ms(9000);
  ASSERT_TRUE(store->jobs().InsertJob(older).ok());
  ASSERT_TRUE(store->jobs().InsertJob(newer).ok());
  auto page = store->jobs().ListJobs(JobQuery{10, 0, 0});
  ASSERT_EQ(page->jobs.size(), 2u);
  EXPECT_EQ(page->jobs[0].id(), "job-new");
  EXPECT_FALSE(page->more);
}

TEST(Store, ListJobsPagesAndFiltersByState) {
  TestDir dir;
  auto store = *Store::Open(dir.File("arena.db"));
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(store->jobs().InsertJob(NewJob("job-" + std::to_string(i), 1)).ok());
  ASSERT_TRUE(store->jobs().UpdateJobState("job-1", v1::PASSED, "", 1).ok());
  auto first = store->jobs().ListJobs(JobQuery{2, 0, 0});
  ASSERT_EQ(first->jobs.size(), 2u);
  EXPECT_EQ(first->jobs[0].id(), "job-4");
  ASSERT_TRUE(first->more);
  auto second = store->jobs().ListJobs(JobQuery{2, first->next_before_rowid, 0});
  ASSERT_EQ(second->jobs.size(), 2u);
  EXPECT_EQ(second->jobs[0].id(), "job-2");
  auto third = store->jobs().ListJobs(JobQuery{2, second->next_before_rowid, 0});
  ASSERT_EQ(third->jobs.size(), 1u);
  EXPECT_FALSE(third->more);
  auto passed = store->jobs().ListJobs(JobQuery{10, 0, v1::PASSED});
  ASSERT_EQ(passed->jobs.size(), 1u);
  EXPECT_EQ(passed->jobs[0].id(), "job-1");
}

}  // namespace
}  // namespace arena
