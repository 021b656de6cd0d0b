// The scheduler's part in private repositories: a host's credential goes
// only into the Assign of a job whose repo is on that host, and an error
// the agent reports as permanent (git refused the credentials) is not
// retried.
#include <gtest/gtest.h>

#include "controller/auth/secret_box.h"
#include "tests/unit/controller/scheduler_fixture.h"

namespace arena {
namespace {

class GitAccessTest : public SchedulerTest {
 protected:
  void StoreCredential(const std::string& host, const std::string& password) {
    v1::GitAccess access;
    access.set_username("bot");
    access.set_password(password);
    CredentialRecord record{
        host, "https-token", "bot", false, *box_.Seal(access.SerializeAsString()), 1};
    ASSERT_TRUE(store_->access().PutCredential(CredentialScope::kGit, record).ok());
  }
  // The git access the agent is given for a job cloning `repo`.
  v1::GitAccess AccessFor(const std::string& repo) {
    auto link = Connect(absl::StrCat("agent-", ++agents_), 1);
    v1::JobSpec spec;
    spec.add_command("true");
    spec.set_repo(repo);
    SubmitSpec(absl::StrCat("job-", agents_), spec);
    EXPECT_EQ(link->Assigns().size(), 1u) << repo;
    return link->Assigns().empty() ? v1::GitAccess() : link->Assigns()[0].git_access();
  }

  SecretBox box_{std::string(32, 'k')};
  int agents_ = 0;
};

TEST_F(GitAccessTest, CredentialGoesOnlyToJobsOnItsHostAndPort) {
  SchedulerOptions options;
  options.secrets = &box_;
  UseOptions(options);
  StoreCredential("git.example:8443", "port-token");
  StoreCredential("plain.example", "host-token");
  v1::GitAccess on_port = AccessFor("https://git.example:8443/o/r.git");
  EXPECT_EQ(on_port.password(), "port-token");
  EXPECT_EQ(on_port.host(), "git.example:8443");
  EXPECT_EQ(AccessFor("https://plain.example:9000/r.git").password(), "host-token");
  EXPECT_EQ(AccessFor("git@plain.example:o/r.git").password(), "host-token");
  EXPECT_TRUE(AccessFor("https://git.example/o/r.git").password().empty());
  EXPECT_TRUE(AccessFor("https://git.example:9443/o/r.git").password().empty());
  EXPECT_TRUE(AccessFor("https://git.example.evil:8443/o/r.git").password().empty());
}

TEST_F(GitAccessTest, PermanentErrorsAreNotRetried) {
  auto link = Connect("agent-1", 4);
  Submit("job-1", /*retries=*/3);
  v1::AgentMessage error;
  error.mutable_event()->set_kind(v1::TASK_EVENT_ERROR);
  error.mutable_event()->set_reason("git h refused credentials for https://h/r");
  error.mutable_event()->set_permanent(true);
  error.mutable_event()->set_attempt_id(link->Assigns()[0].attempt_id());
  Send("agent-1", error);
  v1::Job job = *store_->jobs().GetJob("job-1");
  EXPECT_EQ(job.state(), v1::ERROR);
  EXPECT_EQ(job.tasks(0).attempts_size(), 1);
  EXPECT_EQ(job.tasks(0).reason(), "git h refused credentials for https://h/r");
  EXPECT_EQ(link->Assigns().size(), 1u);
}

}  // namespace
}  // namespace arena
