#include "agent/session/attempt_request.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace arena {
namespace {

v1::Assign SomeAssign() {
  v1::Assign assign;
  assign.set_attempt_id("att-1");
  assign.set_task_id("task-1");
  assign.set_job_id("job-1");
  assign.set_attempt_number(2);
  assign.set_arch("arm64");
  assign.set_image("busybox");
  assign.add_command("make");
  assign.add_command("test");
  (*assign.mutable_env())["ARENA_ARCH"] = "spoofed";
  (*assign.mutable_env())["MODE"] = "ci";
  (*assign.mutable_secrets())["TOKEN"] = "t0ken";
  assign.mutable_git_access()->set_password("gitpw");
  assign.add_registry_auths()->set_password("regpw");
  assign.set_timeout_ms(1500);
  assign.set_session("job-1/arm64");
  return assign;
}

TEST(AttemptRequest, CarriesTheAssignWithArenasVariablesLast) {
  RunRequestContext context;
  context.max_file_bytes = 1234;
  RunRequest request = RunRequestFor(SomeAssign(), context);
  EXPECT_EQ(request.attempt_id, "att-1");
  EXPECT_THAT(request.command, ::testing::ElementsAre("make", "test"));
  EXPECT_EQ(request.env["ARENA_ARCH"], "arm64");  // Arena's win
  EXPECT_EQ(request.env["ARENA_ATTEMPT"], "2");
  EXPECT_EQ(request.env["MODE"], "ci");
  EXPECT_EQ(request.env["TOKEN"], "t0ken");
  EXPECT_EQ(request.timeout, absl::Milliseconds(1500));
  EXPECT_EQ(request.pull_policy, PullPolicy::kNever);  // none sent: present images only
  EXPECT_EQ(request.warm_key, "job-1/arm64");
  EXPECT_EQ(request.max_file_bytes, 1234);
  EXPECT_EQ(request.network, "none");
  EXPECT_FALSE(request.make_workspace);  // no repo
  EXPECT_FALSE(request.build.enabled);
  EXPECT_FALSE(request.fetch_base_logins);
}

TEST(AttemptRequest, ABuildGetsDefaultsAndTheBaseLoginQuestion) {
  v1::Assign assign = SomeAssign();
  assign.mutable_build()->set_target("test");
  assign.set_repo("https://example.com/r.git");
  RunRequestContext context;
  context.fetch_base_logins = [](const std::vector<std::string>&) {
    return std::vector<RegistryLogin>();
  };
  RunRequest request = RunRequestFor(assign, context);
  EXPECT_TRUE(request.build.enabled);
  EXPECT_EQ(request.build.dockerfile, "Dockerfile");
  EXPECT_EQ(request.build.context, ".");
  EXPECT_EQ(request.build.target, "test");
  EXPECT_TRUE(request.fetch_base_logins);
  EXPECT_TRUE(request.make_workspace);
}

TEST(AttemptRequest, ServicesCarryTheirProbesAndPolicies) {
  v1::Assign assign = SomeAssign();
  v1::Service* db = assign.add_services();
  db->set_name("db");
  db->set_image("reg.example/db:15");
  db->set_pull_policy("if-not-present");
  db->add_command("postgres");
  (*db->mutable_env())["POSTGRES_PASSWORD"] = "pw";
  db->mutable_ready()->set_tcp(5432);
  db->set_ready_timeout_ms(2500);
  v1::Service* web = assign.add_services();
  web->set_name("web");
  web->set_image("web");
  web->mutable_ready()->set_http("8080/health");
  v1::Service* mq = assign.add_services();
  mq->set_name("mq");
  mq->mutable_ready()->set_exec("mqctl ping");
  assign.add_services()->set_name("plain");
  RunRequest request = RunRequestFor(assign, RunRequestContext());
  ASSERT_EQ(request.services.size(), 4u);
  const ServiceRequest& first = request.services[0];
  EXPECT_EQ(first.name, "db");
  EXPECT_EQ(first.pull_policy, PullPolicy::kIfNotPresent);
  EXPECT_THAT(first.command, ::testing::ElementsAre("postgres"));
  EXPECT_EQ(first.env.at("POSTGRES_PASSWORD"), "pw");
  EXPECT_EQ(first.probe, ServiceRequest::Probe::kTcp);
  EXPECT_EQ(first.port, 5432);
  EXPECT_EQ(first.ready_timeout, absl::Milliseconds(2500));
  EXPECT_EQ(request.services[1].probe, ServiceRequest::Probe::kHttp);
  EXPECT_EQ(request.services[1].port, 8080);
  EXPECT_EQ(request.services[1].http_path, "/health");
  EXPECT_EQ(request.services[1].ready_timeout, absl::Seconds(60));
  EXPECT_EQ(request.services[2].probe, ServiceRequest::Probe::kExec);
  EXPECT_EQ(request.services[2].exec, "mqctl ping");
  EXPECT_EQ(request.services[3].probe, ServiceRequest::Probe::kNone);
  EXPECT_EQ(request.services[3].pull_policy, PullPolicy::kNever);
}

TEST(AttemptRequest, FilesGoBelowTheSpoolOnlyWhenAsked) {
  v1::Assign assign = SomeAssign();
  EXPECT_EQ(FilesDirFor(assign, "/s"), "");
  assign.add_junit("out/junit");
  EXPECT_EQ(FilesDirFor(assign, "/s"), "/s/att-1.files");
}

TEST(AttemptRequest, MasksSecretsAndPasswords) {
  EXPECT_THAT(MaskedValues(SomeAssign()), ::testing::ElementsAre("t0ken", "gitpw", "regpw"));
}

}  // namespace
}  // namespace arena
