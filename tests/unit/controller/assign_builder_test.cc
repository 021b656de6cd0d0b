#include "controller/scheduler/assign_builder.h"

#include <gtest/gtest.h>

#include "controller/auth/secret_box.h"

namespace arena {
namespace {

v1::Job JobWithSpec() {
  v1::Job job;
  job.set_id("job-1");
  v1::JobSpec* spec = job.mutable_spec();
  spec->set_image("registry.example:5000/app:1");
  spec->add_command("make");
  spec->add_command("test");
  (*spec->mutable_env())["MODE"] = "ci";
  spec->set_repo("https://git.example.com/app.git");
  spec->set_commit("abc123");
  spec->set_timeout_ms(60000);
  spec->mutable_resources()->set_memory_mb(512);
  spec->mutable_resources()->set_disk_mb(1024);
  spec->mutable_resources()->set_cpus(1.5);
  spec->mutable_resources()->set_pids(100);
  spec->set_network("none");
  spec->set_user("1000");
  spec->add_artifacts("out/**");
  spec->add_junit("reports/*.xml");
  return job;
}

v1::Task CommandTask() {
  v1::Task task;
  task.set_id("task-1");
  task.set_arch("arm64");
  task.add_attempts()->set_id("att-old");
  return task;
}

TEST(BuildAssign, CarriesTheJobsSpecAndTheTasksIdentity) {
  v1::Assign assign = BuildAssign(JobWithSpec(), CommandTask(), {"att-new", 4096}, nullptr);
  EXPECT_EQ(assign.attempt_id(), "att-new");
  EXPECT_EQ(assign.task_id(), "task-1");
  EXPECT_EQ(assign.job_id(), "job-1");
  EXPECT_EQ(assign.arch(), "arm64");
  EXPECT_EQ(assign.image(), "registry.example:5000/app:1");
  EXPECT_EQ(assign.pull_policy(), "if-not-present");  // a tagged image on a registry host
  ASSERT_EQ(assign.command_size(), 2);
  EXPECT_EQ(assign.command(1), "test");
  EXPECT_EQ(assign.env().at("MODE"), "ci");
  EXPECT_EQ(assign.env().count("ARENA_SUITE"), 0u);
  EXPECT_EQ(assign.repo(), "https://git.example.com/app.git");
  EXPECT_EQ(assign.commit(), "abc123");
  EXPECT_EQ(assign.timeout_ms(), 60000);
  EXPECT_EQ(assign.max_log_bytes(), 4096);
  EXPECT_EQ(assign.attempt_number(), 2);  // after one earlier attempt
  EXPECT_EQ(assign.memory_mb(), 512);
  EXPECT_EQ(assign.disk_mb(), 1024);
  EXPECT_EQ(assign.cpus(), 1.5);
  EXPECT_EQ(assign.pids(), 100);
  EXPECT_EQ(assign.network(), "none");
  EXPECT_EQ(assign.user(), "1000");
  EXPECT_EQ(assign.artifacts(0), "out/**");
  EXPECT_EQ(assign.junit(0), "reports/*.xml");
  EXPECT_TRUE(assign.session().empty()) << "only test tasks name a warm container";
  EXPECT_FALSE(assign.has_build());
}

TEST(BuildAssign, TheTasksOwnImageAndCommandWinAndItsSuiteIsInTheEnvironment) {
  v1::Task task = CommandTask();
  task.set_image("local-image");
  task.add_command("run-suite");
  task.set_kind(v1::TASK_KIND_SUITE);
  task.set_suite("db");
  v1::Assign assign = BuildAssign(JobWithSpec(), task, {"att", 1}, nullptr);
  EXPECT_EQ(assign.image(), "local-image");
  EXPECT_EQ(assign.pull_policy(), "never");  // no registry host: only what the agent has
  ASSERT_EQ(assign.command_size(), 1);
  EXPECT_EQ(assign.command(0), "run-suite");
  EXPECT_EQ(assign.env().at("ARENA_SUITE"), "db");
  EXPECT_EQ(assign.env().at("MODE"), "ci");
}

TEST(BuildAssign, ATestTaskNamesItsWarmContainerAndWhetherItIsDestructive) {
  v1::Job job = JobWithSpec();
  job.mutable_spec()->add_destructive_tests("t.drop_db");
  v1::Task task = CommandTask();
  task.set_kind(v1::TASK_KIND_TEST);
  task.set_test_id("t.drop_db");
  v1::Assign assign = BuildAssign(job, task, {"att", 1}, nullptr);
  EXPECT_EQ(assign.session(), "job-1/arm64");
  EXPECT_TRUE(assign.destructive());
  EXPECT_EQ(assign.env().at("ARENA_TEST"), "t.drop_db");
  task.set_test_id("t.read");
  EXPECT_FALSE(BuildAssign(job, task, {"att", 1}, nullptr).destructive());
  EXPECT_EQ(BuildAssign(job, task, {"att", 1}, nullptr).timeout_ms(), 60000);  // the job's
  job.mutable_spec()->set_test_timeout_ms(5000);
  EXPECT_EQ(BuildAssign(job, task, {"att", 1}, nullptr).timeout_ms(), 15000)
      << "a test's own, and at least 10 s for the runner's start";
  job.mutable_spec()->set_test_timeout_ms(20000);
  EXPECT_EQ(BuildAssign(job, task, {"att", 1}, nullptr).timeout_ms(), 40000)
      << "a test's own, and as much again for the runner's start";
  task.set_kind(v1::TASK_KIND_LIST);
  EXPECT_EQ(BuildAssign(job, task, {"att", 1}, nullptr).timeout_ms(), 60000) << "not the list's";
}

TEST(BuildAssign, TheListStepLooksForNoJUnitReport) {
  v1::Task task = CommandTask();
  task.set_kind(v1::TASK_KIND_LIST);
  v1::Assign assign = BuildAssign(JobWithSpec(), task, {"att", 1}, nullptr);
  EXPECT_EQ(assign.junit_size(), 0) << "the report is the tests' own";
  EXPECT_EQ(assign.artifacts(0), "out/**");
}

TEST(BuildAssign, ABuildTakesTheJobsOwnPullPolicyForItsBaseImages) {
  v1::Job job = JobWithSpec();
  job.mutable_spec()->set_image("build:ci/Dockerfile");
  job.mutable_spec()->mutable_build()->set_dockerfile("ci/Dockerfile");
  job.mutable_spec()->set_pull_policy("always");
  v1::Assign assign = BuildAssign(job, CommandTask(), {"att", 1}, nullptr);
  EXPECT_EQ(assign.build().dockerfile(), "ci/Dockerfile");
  EXPECT_EQ(assign.pull_policy(), "always");
}

TEST(BuildAssign, ServicesGetTheTasksArchitectureAndTheirPullPolicy) {
  v1::Job job = JobWithSpec();
  v1::Service* db = job.mutable_spec()->add_services();
  db->set_name("db");
  db->set_image("registry.example:5000/db:{arch}");
  db->mutable_ready()->set_tcp(5432);
  db->set_ready_timeout_ms(5000);
  v1::Service* local = job.mutable_spec()->add_services();
  local->set_name("cache");
  local->set_image("cache");
  v1::Assign assign = BuildAssign(job, CommandTask(), {"att-new", 4096}, nullptr);
  ASSERT_EQ(assign.services_size(), 2);
  EXPECT_EQ(assign.services(0).image(), "registry.example:5000/db:arm64");
  EXPECT_EQ(assign.services(0).pull_policy(), "if-not-present");
  EXPECT_EQ(assign.services(0).ready().tcp(), 5432);
  EXPECT_EQ(assign.services(0).ready_timeout_ms(), 5000);
  EXPECT_EQ(assign.services(1).pull_policy(), "never");  // no registry host
  job.mutable_spec()->set_pull_policy("always");
  assign = BuildAssign(job, CommandTask(), {"att-new", 4096}, nullptr);
  EXPECT_EQ(assign.services(1).pull_policy(), "always");
}

TEST(BuildAssign, SealedSecretsAreOpenedOnlyWithTheRightKey) {
  SecretBox box(std::string(32, 'k'));
  v1::SecretValues values;
  (*values.mutable_values())["TOKEN"] = "s3cret";
  v1::Job job = JobWithSpec();
  job.mutable_spec()->set_sealed_secrets(*box.Seal(values.SerializeAsString()));
  EXPECT_EQ(BuildAssign(job, CommandTask(), {"att", 1}, &box).secrets().at("TOKEN"), "s3cret");
  SecretBox other(std::string(32, 'x'));
  EXPECT_TRUE(BuildAssign(job, CommandTask(), {"att", 1}, &other).secrets().empty());
  EXPECT_TRUE(BuildAssign(job, CommandTask(), {"att", 1}, nullptr).secrets().empty());
}

}  // namespace
}  // namespace arena
