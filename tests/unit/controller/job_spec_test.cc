#include <gtest/gtest.h>

#include "controller/api/job_service.h"

namespace arena {
namespace {

JobServiceOptions Options() { return {"default-image", "amd64"}; }

TEST(JobSpec, FillsDefaultsAndNormalisesArchitectures) {
  v1::JobSpec spec;
  spec.add_command("true");
  spec.add_architectures("x86_64");
  spec.add_architectures("amd64");
  spec.add_architectures("aarch64");
  auto valid = ValidateJobSpec(spec, Options());
  ASSERT_TRUE(valid.ok()) << valid.status();
  EXPECT_EQ(valid->image(), "default-image");
  EXPECT_EQ(valid->timeout_ms(), 3600 * 1000);
  ASSERT_EQ(valid->architectures_size(), 2);
  EXPECT_EQ(valid->architectures(0), "amd64");
  EXPECT_EQ(valid->architectures(1), "arm64");
}

TEST(JobSpec, RejectsBadInputWithAReason) {
  v1::JobSpec empty_command;
  empty_command.set_image("img");
  EXPECT_EQ(ValidateJobSpec(empty_command, Options()).status().message(),
            "command is empty");

  v1::JobSpec bad_arch;
  bad_arch.add_command("true");
  bad_arch.add_architectures("sparc");
  EXPECT_TRUE(
      absl::IsInvalidArgument(ValidateJobSpec(bad_arch, Options()).status()));

  v1::JobSpec bad_env;
  bad_env.add_command("true");
  (*bad_env.mutable_env())["1BAD"] = "x";
  EXPECT_TRUE(
      absl::IsInvalidArgument(ValidateJobSpec(bad_env, Options()).status()));

  v1::JobSpec no_image;
  no_image.add_command("true");
  EXPECT_FALSE(ValidateJobSpec(no_image, JobServiceOptions{"", "amd64"}).ok());

  v1::JobSpec negative_timeout;
  negative_timeout.add_command("true");
  negative_timeout.set_timeout_ms(-5);
  EXPECT_FALSE(ValidateJobSpec(negative_timeout, Options()).ok());
}

}  // namespace
}  // namespace arena
