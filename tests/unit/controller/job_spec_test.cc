#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "controller/api/job_api.h"

namespace arena {
namespace {

JobApiOptions Options() { return {"default-image", "amd64"}; }

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

TEST(JobSpec, ResolvesImagesPerArchitecture) {
  v1::JobSpec spec;
  spec.add_command("true");
  spec.set_image("tests:{arch}");
  spec.add_architectures("amd64");
  spec.add_architectures("arm64");
  spec.add_architectures("armv7l");
  (*spec.mutable_images())["aarch64"] = "special-arm:1";
  auto valid = ValidateJobSpec(spec, Options());
  ASSERT_TRUE(valid.ok()) << valid.status();
  EXPECT_EQ(ImageForArch(*valid, "amd64"), "tests:amd64");
  EXPECT_EQ(ImageForArch(*valid, "arm64"), "special-arm:1");
  EXPECT_EQ(ImageForArch(*valid, "arm/v7"), "tests:arm/v7");

  v1::JobSpec only_map;
  only_map.add_command("true");
  only_map.add_architectures("arm64");
  (*only_map.mutable_images())["arm64"] = "a";
  EXPECT_TRUE(ValidateJobSpec(only_map, JobApiOptions{"", "amd64"}).ok());
  only_map.add_architectures("amd64");
  EXPECT_FALSE(ValidateJobSpec(only_map, JobApiOptions{"", "amd64"}).ok());
}

TEST(JobSpec, RejectsBadInputWithAReason) {
  v1::JobSpec empty_command;
  empty_command.set_image("img");
  EXPECT_THAT(std::string(ValidateJobSpec(empty_command, Options()).status().message()),
              testing::StartsWith("command is empty"));

  v1::JobSpec bad_arch;
  bad_arch.add_command("true");
  bad_arch.add_architectures("sparc");
  EXPECT_TRUE(absl::IsInvalidArgument(ValidateJobSpec(bad_arch, Options()).status()));

  v1::JobSpec bad_env;
  bad_env.add_command("true");
  (*bad_env.mutable_env())["1BAD"] = "x";
  EXPECT_TRUE(absl::IsInvalidArgument(ValidateJobSpec(bad_env, Options()).status()));

  v1::JobSpec no_image;
  no_image.add_command("true");
  EXPECT_FALSE(ValidateJobSpec(no_image, JobApiOptions{"", "amd64"}).ok());

  v1::JobSpec negative_timeout;
  negative_timeout.add_command("true");
  negative_timeout.set_timeout_ms(-5);
  EXPECT_FALSE(ValidateJobSpec(negative_timeout, Options()).ok());
}

}  // namespace
}  // namespace arena
