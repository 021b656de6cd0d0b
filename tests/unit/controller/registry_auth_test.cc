// The scheduler's part in registry credentials: a registry's credential goes
// only into the Assign of a task whose image is on that registry.
#include <gtest/gtest.h>

#include "controller/auth/secret_box.h"
#include "tests/unit/controller/scheduler_fixture.h"

namespace arena {
namespace {

class RegistryAuthTest : public SchedulerTest {
 protected:
  void SetUp() override {
    SchedulerTest::SetUp();
    SchedulerOptions options;
    options.secrets = &box_;
    UseOptions(options);
  }
  void StoreCredential(const std::string& host, const std::string& password) {
    v1::RegistryAuth auth;
    auth.set_username("puller");
    auth.set_password(password);
    CredentialRecord record{host, "basic", "puller", false, *box_.Seal(auth.SerializeAsString()),
                            1};
    ASSERT_TRUE(store_->access().PutCredential(CredentialScope::kRegistry, record).ok());
  }
  // The registry credentials the agent is given for a task running `image`.
  std::vector<v1::RegistryAuth> AuthsFor(const std::string& image,
                                         const std::string& pull_policy = "") {
    auto link = Connect(absl::StrCat("agent-", ++agents_), 1);
    v1::Job job;
    job.set_id(absl::StrCat("job-", agents_));
    job.set_state(v1::QUEUED);
    v1::JobSpec* spec = job.mutable_spec();
    spec->add_command("true");
    spec->add_architectures("amd64");
    spec->set_image(image);
    spec->set_pull_policy(pull_policy);
    for (v1::Task& task : FanOut(*spec, {{"amd64", image}})) {
      task.set_id(absl::StrCat(job.id(), "-t0"));
      *job.add_tasks() = task;
    }
    EXPECT_TRUE(store_->jobs().InsertJob(job).ok());
    scheduler_->JobSubmitted(job.id());
    scheduler_->Flush();
    EXPECT_EQ(link->Assigns().size(), 1u) << image;
    std::vector<v1::Assign> assigns = link->Assigns();
    if (assigns.empty()) return {};
    return {assigns[0].registry_auths().begin(), assigns[0].registry_auths().end()};
  }

  SecretBox box_{std::string(32, 'k')};
  int agents_ = 0;
};

TEST_F(RegistryAuthTest, CredentialGoesOnlyToTasksWhoseImageIsOnItsHost) {
  StoreCredential("registry.example:5000", "port-pass");
  StoreCredential("docker.io", "hub-pass");
  std::vector<v1::RegistryAuth> on_port = AuthsFor("registry.example:5000/team/app:1");
  ASSERT_EQ(on_port.size(), 1u);
  EXPECT_EQ(on_port[0].host(), "registry.example:5000");
  EXPECT_EQ(on_port[0].username(), "puller");
  EXPECT_EQ(on_port[0].password(), "port-pass");
  EXPECT_TRUE(AuthsFor("registry.example/team/app:1").empty());
  EXPECT_TRUE(AuthsFor("registry.example:5001/team/app:1").empty());
  EXPECT_TRUE(AuthsFor("registry.example.evil:5000/team/app:1").empty());
  // Docker Hub names pull (and need the credential) only under a policy
  // that pulls: their default is never.
  EXPECT_TRUE(AuthsFor("busybox:1").empty());
  EXPECT_EQ(AuthsFor("busybox:1", "if-not-present").at(0).password(), "hub-pass");
}

TEST_F(RegistryAuthTest, ANewLoginReplacesTheOldOneForTheNextTask) {
  StoreCredential("registry.example:5000", "wrong");
  EXPECT_EQ(AuthsFor("registry.example:5000/team/app:1").at(0).password(), "wrong");
  StoreCredential("registry.example:5000", "right");
  EXPECT_EQ(AuthsFor("registry.example:5000/team/app:1").at(0).password(), "right");
}

TEST_F(RegistryAuthTest, NoCredentialMeansNoAuthInTheAssign) {
  EXPECT_TRUE(AuthsFor("registry.example:5000/team/app:1").empty());
}

}  // namespace
}  // namespace arena
