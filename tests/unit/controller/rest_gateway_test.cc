#include "controller/gateway/rest_gateway.h"

#include <gtest/gtest.h>

namespace arena {
namespace {

TEST(RestGateway, SimpleRequestBecomesAShellCommandJob) {
  v1::SimpleJobRequest simple;
  simple.set_repo("file:///r.git");
  simple.set_commit("abc");
  simple.set_test_command("go test ./...");
  simple.add_architectures("amd64");
  simple.set_timeout_seconds(90);
  auto request = FromSimpleRequest(simple);
  ASSERT_TRUE(request.ok());
  const v1::JobSpec& spec = request->spec();
  ASSERT_EQ(spec.command_size(), 3);
  EXPECT_EQ(spec.command(2), "go test ./...");
  EXPECT_EQ(spec.timeout_ms(), 90000);
  EXPECT_EQ(spec.repo(), "file:///r.git");
  EXPECT_FALSE(FromSimpleRequest(v1::SimpleJobRequest()).ok());
}

TEST(RestGateway, SimpleStatusKeysResultsByArchitecture) {
  v1::Job job;
  job.set_id("job-1");
  job.set_state(v1::FAILED);
  v1::Task* t = job.add_tasks();
  t->set_arch("arm64");
  t->set_state(v1::FAILED);
  t->set_exit_code(2);
  t->set_emulated(true);
  t->set_duration_ms(1234);
  v1::SimpleJobStatus status = ToSimpleStatus(job);
  EXPECT_EQ(status.status(), "failed");
  const v1::SimpleArchResult& arm = status.architectures().at("arm64");
  EXPECT_EQ(arm.status(), "failed");
  EXPECT_EQ(arm.exit_code(), 2);
  EXPECT_TRUE(arm.emulated());
  EXPECT_EQ(arm.duration_ms(), 1234);
}

TEST(RestGateway, ErrorsMapToHttpStatus) {
  EXPECT_EQ(HttpStatusFor(absl::InvalidArgumentError("x")), 400);
  EXPECT_EQ(HttpStatusFor(absl::UnauthenticatedError("x")), 401);
  EXPECT_EQ(HttpStatusFor(absl::PermissionDeniedError("x")), 403);
  EXPECT_EQ(HttpStatusFor(absl::NotFoundError("x")), 404);
  EXPECT_EQ(HttpStatusFor(absl::FailedPreconditionError("x")), 409);
  EXPECT_EQ(HttpStatusFor(absl::InternalError("x")), 500);
}

}  // namespace
}  // namespace arena
