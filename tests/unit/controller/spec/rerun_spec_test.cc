#include "controller/spec/rerun_spec.h"

#include "gtest/gtest.h"

namespace arena {
namespace {

v1::Task Task(const std::string& arch, v1::TaskKind kind, const std::string& name,
              v1::State state) {
  v1::Task task;
  task.set_arch(arch);
  task.set_kind(kind);
  if (kind == v1::TASK_KIND_TEST) task.set_test_id(name);
  if (kind == v1::TASK_KIND_SUITE) task.set_suite(name);
  task.set_state(state);
  return task;
}

v1::Job TestJob() {
  v1::Job job;
  job.set_id("job-1");
  job.set_state(v1::FAILED);
  job.mutable_spec()->add_architectures("amd64");
  job.mutable_spec()->add_architectures("arm64");
  job.mutable_spec()->set_list_command("pytest --collect-only -q");
  job.mutable_spec()->set_test_command("pytest {tests}");
  for (const char* arch : {"amd64", "arm64"}) {
    *job.add_tasks() = Task(arch, v1::TASK_KIND_LIST, "", v1::PASSED);
    *job.add_tasks() = Task(arch, v1::TASK_KIND_TEST, "t::a", v1::PASSED);
  }
  *job.add_tasks() = Task("arm64", v1::TASK_KIND_TEST, "t::b", v1::FAILED);
  *job.add_tasks() = Task("arm64", v1::TASK_KIND_TEST, "t::c", v1::TIMED_OUT);
  return job;
}

TEST(RerunSpec, AWholeRerunIsTheSpecAsStored) {
  v1::Job job = TestJob();
  job.set_state(v1::RUNNING);  // a running job may be rerun whole
  absl::StatusOr<v1::JobSpec> spec = RerunSpec(job, false);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->SerializeAsString(), job.spec().SerializeAsString());
}

TEST(RerunSpec, FailedTestsRerunByNameWhereTheyFailed) {
  absl::StatusOr<v1::JobSpec> spec = RerunSpec(TestJob(), true);
  ASSERT_TRUE(spec.ok()) << spec.status();
  ASSERT_EQ(spec->architectures_size(), 1);
  EXPECT_EQ(spec->architectures(0), "arm64");
  EXPECT_EQ(spec->list_command(), "") << "the tests are named, not listed again";
  ASSERT_EQ(spec->tests_size(), 2);
  EXPECT_EQ(spec->tests(0), "t::b");
  EXPECT_EQ(spec->tests(1), "t::c") << "a timed-out test did not pass";
  EXPECT_EQ(spec->test_command(), "pytest {tests}");
}

TEST(RerunSpec, AFailedListStepRerunsTheWholeList) {
  v1::Job job = TestJob();
  job.mutable_tasks(0)->set_state(v1::ERROR);  // amd64's list
  absl::StatusOr<v1::JobSpec> spec = RerunSpec(job, true);
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec->architectures_size(), 2);
  EXPECT_EQ(spec->list_command(), "pytest --collect-only -q");
  EXPECT_EQ(spec->tests_size(), 0);
}

TEST(RerunSpec, FailedSuitesKeepTheirDefinitions) {
  v1::Job job;
  job.set_id("job-2");
  job.set_state(v1::FAILED);
  job.mutable_spec()->add_architectures("amd64");
  for (const char* name : {"unit", "db", "e2e"}) {
    v1::Suite* suite = job.mutable_spec()->add_suites();
    suite->set_name(name);
    suite->set_command(std::string("run ") + name);
  }
  *job.add_tasks() = Task("amd64", v1::TASK_KIND_SUITE, "unit", v1::PASSED);
  *job.add_tasks() = Task("amd64", v1::TASK_KIND_SUITE, "db", v1::FAILED);
  *job.add_tasks() = Task("amd64", v1::TASK_KIND_SUITE, "e2e", v1::CANCELLED);
  absl::StatusOr<v1::JobSpec> spec = RerunSpec(job, true);
  ASSERT_TRUE(spec.ok());
  ASSERT_EQ(spec->suites_size(), 2);
  EXPECT_EQ(spec->suites(0).name(), "db");
  EXPECT_EQ(spec->suites(0).command(), "run db");
  EXPECT_EQ(spec->suites(1).name(), "e2e");
}

TEST(RerunSpec, NothingFailedOrNotEndedIsRefusedWithAReason) {
  v1::Job job = TestJob();
  job.set_state(v1::RUNNING);
  absl::StatusOr<v1::JobSpec> running = RerunSpec(job, true);
  EXPECT_TRUE(absl::IsFailedPrecondition(running.status()));
  EXPECT_NE(running.status().message().find("has not ended"), std::string::npos);
  job.set_state(v1::PASSED);
  for (v1::Task& task : *job.mutable_tasks()) task.set_state(v1::PASSED);
  absl::StatusOr<v1::JobSpec> passed = RerunSpec(job, true);
  EXPECT_TRUE(absl::IsFailedPrecondition(passed.status()));
  EXPECT_EQ(passed.status().message(), "job job-1 has no failed tasks to rerun");
}

}  // namespace
}  // namespace arena
