// Registry credentials for a build's base images: the assignment has none
// (its "build:" image names no registry); the building agent asks for the
// hosts of its FROM lines and gets what the controller holds for exactly
// those, for a current attempt of a job with a build only.
#include <gtest/gtest.h>

#include "controller/auth/secret_box.h"
#include "tests/unit/controller/scheduler_fixture.h"

namespace arena {
namespace {

class BuildCredentialsTest : public SchedulerTest {
 protected:
  void SetUp() override {
    SchedulerTest::SetUp();
    SchedulerOptions options;
    options.secrets = &box_;
    UseOptions(options);
    for (const char* host : {"registry.example:5000", "docker.io", "other.example"}) {
      v1::RegistryAuth auth;
      auth.set_username("puller");
      auth.set_password(absl::StrCat("pass-", host));
      CredentialRecord record{host, "basic", "puller", false, *box_.Seal(auth.SerializeAsString()),
                              1};
      ASSERT_TRUE(store_->access().PutCredential(CredentialScope::kRegistry, record).ok());
    }
  }
  // Starts a job on a new agent; returns its assignment.
  v1::Assign Start(bool build, std::shared_ptr<FakeLink>* link) {
    *link = Connect(absl::StrCat("agent-", ++agents_), 1);
    v1::Job job;
    job.set_id(absl::StrCat("job-", agents_));
    job.set_state(v1::QUEUED);
    v1::JobSpec* spec = job.mutable_spec();
    spec->add_command("true");
    spec->add_architectures("amd64");
    spec->set_repo("https://git.example/app.git");
    spec->set_pull_policy("if-not-present");
    std::string image = build ? "build:Dockerfile" : "busybox:1";
    if (build) spec->mutable_build()->set_dockerfile("Dockerfile");
    spec->set_image(build ? "" : image);
    for (v1::Task& task : FanOut(*spec, {{"amd64", image}})) {
      task.set_id(absl::StrCat(job.id(), "-t0"));
      *job.add_tasks() = task;
    }
    EXPECT_TRUE(store_->jobs().InsertJob(job).ok());
    scheduler_->JobSubmitted(job.id());
    scheduler_->Flush();
    EXPECT_EQ((*link)->Assigns().size(), 1u);
    return (*link)->Assigns().at(0);
  }
  // The controller's answer to `agent` asking for `hosts` for `attempt`.
  std::optional<v1::BaseImageCredentials> Ask(const std::string& agent, const std::string& attempt,
                                              const std::shared_ptr<FakeLink>& link,
                                              std::vector<std::string> hosts) {
    v1::AgentMessage ask;
    ask.mutable_base_credentials()->set_attempt_id(attempt);
    for (const std::string& host : hosts) ask.mutable_base_credentials()->add_registry_hosts(host);
    Send(agent, ask);
    for (const v1::ControllerMessage& m : link->Sent()) {
      if (m.has_base_credentials()) return m.base_credentials();
    }
    return std::nullopt;
  }

  SecretBox box_{std::string(32, 'k')};
  int agents_ = 0;
};

TEST_F(BuildCredentialsTest, ABuildGetsTheCredentialsOfTheHostsItNamesOnly) {
  std::shared_ptr<FakeLink> link;
  v1::Assign assign = Start(/*build=*/true, &link);
  EXPECT_EQ(assign.registry_auths_size(), 0);  // not Docker Hub's for "build:Dockerfile"
  std::optional<v1::BaseImageCredentials> answer =
      Ask("agent-1", assign.attempt_id(), link, {"registry.example:5000", "unknown.example"});
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->attempt_id(), assign.attempt_id());
  ASSERT_EQ(answer->registry_auths_size(), 1);
  EXPECT_EQ(answer->registry_auths(0).host(), "registry.example:5000");
  EXPECT_EQ(answer->registry_auths(0).password(), "pass-registry.example:5000");
}

TEST_F(BuildCredentialsTest, AJobWithoutABuildGetsNone) {
  std::shared_ptr<FakeLink> link;
  v1::Assign assign = Start(/*build=*/false, &link);
  std::optional<v1::BaseImageCredentials> answer =
      Ask("agent-1", assign.attempt_id(), link, {"registry.example:5000", "other.example"});
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->registry_auths_size(), 0);
}

TEST_F(BuildCredentialsTest, AnotherAgentsAttemptGetsNothingButAFencedCancel) {
  std::shared_ptr<FakeLink> link;
  v1::Assign assign = Start(/*build=*/true, &link);
  std::shared_ptr<FakeLink> other = Connect("agent-9", 0);
  EXPECT_FALSE(Ask("agent-9", assign.attempt_id(), other, {"registry.example:5000"}).has_value());
  bool fenced = false;
  for (const v1::ControllerMessage& m : other->Sent())
    fenced |= m.has_cancel() && m.cancel().fenced();
  EXPECT_TRUE(fenced);
}

}  // namespace
}  // namespace arena
