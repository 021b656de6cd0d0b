#include "controller/spec/job_spec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace arena {
namespace {

SpecPolicy Options() { return {"default-image", "amd64"}; }

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
  EXPECT_TRUE(ValidateJobSpec(only_map, SpecPolicy{"", "amd64"}).ok());
  only_map.add_architectures("amd64");
  EXPECT_FALSE(ValidateJobSpec(only_map, SpecPolicy{"", "amd64"}).ok());
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
  EXPECT_FALSE(ValidateJobSpec(no_image, SpecPolicy{"", "amd64"}).ok());

  v1::JobSpec negative_timeout;
  negative_timeout.add_command("true");
  negative_timeout.set_timeout_ms(-5);
  EXPECT_FALSE(ValidateJobSpec(negative_timeout, Options()).ok());
}

v1::JobSpec BuildJob() {
  v1::JobSpec spec;
  spec.add_command("true");
  spec.set_repo("https://git.example.com/app.git");
  spec.mutable_build();
  return spec;
}

std::string BuildError(const v1::JobSpec& spec) {
  absl::StatusOr<v1::JobSpec> valid = ValidateJobSpec(spec, Options());
  EXPECT_TRUE(absl::IsInvalidArgument(valid.status())) << valid.status();
  return std::string(valid.status().message());
}

TEST(JobSpec, ABuildFillsItsDefaultsAndShowsWhereTheImageComesFrom) {
  v1::JobSpec spec = BuildJob();
  (*spec.mutable_build()->mutable_args())["VERSION"] = "1.2";
  spec.mutable_build()->set_target("test-stage");
  auto valid = ValidateJobSpec(spec, Options());
  ASSERT_TRUE(valid.ok()) << valid.status();
  EXPECT_EQ(valid->image(), "");  // no --default-image: the agent tags what it builds
  EXPECT_EQ(valid->build().dockerfile(), "Dockerfile");
  EXPECT_EQ(valid->build().context(), ".");
  EXPECT_EQ(ImageForArch(*valid, "amd64"), "build:Dockerfile");

  spec.mutable_build()->set_dockerfile("docker/test.Dockerfile");
  spec.mutable_build()->set_context("docker");
  valid = ValidateJobSpec(spec, Options());
  ASSERT_TRUE(valid.ok()) << valid.status();
  EXPECT_EQ(ImageForArch(*valid, "arm64"), "build:docker/test.Dockerfile");
}

TEST(JobSpec, RefusesBuildsOutsideTheCheckoutOrWithoutOne) {
  v1::JobSpec no_repo = BuildJob();
  no_repo.clear_repo();
  EXPECT_THAT(BuildError(no_repo), testing::HasSubstr("build needs a repo"));
  v1::JobSpec with_image = BuildJob();
  with_image.set_image("img");
  EXPECT_THAT(BuildError(with_image), testing::HasSubstr("build and image are exclusive"));
  for (const char* path : {"/etc/passwd", "../Dockerfile", "a/../../Dockerfile", "a/..", "x\ny"}) {
    v1::JobSpec bad = BuildJob();
    bad.mutable_build()->set_dockerfile(path);
    EXPECT_THAT(BuildError(bad), testing::HasSubstr("build dockerfile")) << path;
    bad = BuildJob();
    bad.mutable_build()->set_context(path);
    EXPECT_THAT(BuildError(bad), testing::HasSubstr("build context")) << path;
  }
  v1::JobSpec long_path = BuildJob();
  long_path.mutable_build()->set_dockerfile(std::string(2000, 'a'));
  EXPECT_THAT(BuildError(long_path), testing::HasSubstr("at most 1024 bytes"));
}

TEST(JobSpec, RefusesBadBuildArgsAndTargets) {
  for (const char* name : {"1X", "A-B", "A B", ""}) {
    v1::JobSpec bad = BuildJob();
    (*bad.mutable_build()->mutable_args())[name] = "v";
    EXPECT_THAT(BuildError(bad), testing::HasSubstr("invalid build arg name")) << name;
  }
  v1::JobSpec many = BuildJob();
  for (int i = 0; i < 65; ++i)
    (*many.mutable_build()->mutable_args())["A" + std::to_string(i)] = "";
  EXPECT_THAT(BuildError(many), testing::HasSubstr("at most 64 build args"));
  v1::JobSpec big = BuildJob();
  (*big.mutable_build()->mutable_args())["BIG"] = std::string(70 * 1024, 'x');
  EXPECT_THAT(BuildError(big), testing::HasSubstr("build args exceed 64 KiB"));
  for (const char* target : {"-x", "a b", "a/b"}) {
    v1::JobSpec bad = BuildJob();
    bad.mutable_build()->set_target(target);
    EXPECT_THAT(BuildError(bad), testing::HasSubstr("build target")) << target;
  }
}

TEST(JobSpec, ABuildsPullPolicyIsTheJobsOwnForItsBaseImages) {
  SpecPolicy options = Options();
  options.allowed_pull_policies = {"never", "if-not-present"};
  v1::JobSpec spec = BuildJob();
  EXPECT_TRUE(ValidateJobSpec(spec, options).ok());  // each base's default, at the agent
  spec.set_pull_policy("if-not-present");
  EXPECT_TRUE(ValidateJobSpec(spec, options).ok());
  spec.set_pull_policy("always");
  absl::StatusOr<v1::JobSpec> refused = ValidateJobSpec(spec, options);
  EXPECT_THAT(std::string(refused.status().message()),
              testing::HasSubstr("pull policy \"always\" is not allowed"));
}

TEST(JobSpec, AnAllureProjectNeedsAServerAndAServersName) {
  v1::JobSpec spec;
  spec.add_command("true");
  spec.set_allure_project("team-a");
  EXPECT_THAT(std::string(ValidateJobSpec(spec, Options()).status().message()),
              testing::HasSubstr("--allure-url"));
  SpecPolicy with_server = Options();
  with_server.allure_enabled = true;
  EXPECT_EQ(ValidateJobSpec(spec, with_server)->allure_project(), "team-a");
  for (const char* bad : {"Team", "-a", "a-", "a b", "a_b", "caf\xc3\xa9"}) {
    spec.set_allure_project(bad);
    EXPECT_TRUE(absl::IsInvalidArgument(ValidateJobSpec(spec, with_server).status())) << bad;
  }
  spec.set_allure_project(std::string(101, 'a'));
  EXPECT_FALSE(ValidateJobSpec(spec, with_server).ok());
}

TEST(JobSpec, AJobThatNamesNoProjectGetsTheControllersDefault) {
  v1::JobSpec spec;
  spec.add_command("true");
  SpecPolicy policy = Options();
  policy.allure_enabled = true;
  EXPECT_EQ(ValidateJobSpec(spec, policy)->allure_project(), "");
  policy.default_allure_project = "nightly";
  EXPECT_EQ(ValidateJobSpec(spec, policy)->allure_project(), "nightly");
  EXPECT_EQ(ValidateJobSpec(spec, Options())->allure_project(), "");
}

}  // namespace
}  // namespace arena
