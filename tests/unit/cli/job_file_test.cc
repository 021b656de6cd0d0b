#include "cli/job_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace arena {
namespace {

TEST(JobFile, YamlBecomesAJobSpec) {
  absl::StatusOr<v1::JobSpec> spec = ParseJobSpecText(R"(
image: "tests:{arch}"
architectures: [amd64, arm64]
suites:
  - name: unit
    command: pytest -q tests/unit --junitxml=reports/unit.xml
    parallel_safe: true
  - {name: db, command: "pytest tests/db", parallel_safe: false}
junit: [reports/unit.xml]
reruns: 2
timeout_ms: 600000
env:
  LEVEL: "3"
  COUNT: 4
)");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->image(), "tests:{arch}");
  EXPECT_EQ(spec->architectures_size(), 2);
  ASSERT_EQ(spec->suites_size(), 2);
  EXPECT_TRUE(spec->suites(0).parallel_safe());
  EXPECT_FALSE(spec->suites(1).parallel_safe());
  EXPECT_EQ(spec->reruns(), 2);
  EXPECT_EQ(spec->timeout_ms(), 600000);
  EXPECT_EQ(spec->env().at("COUNT"), "4");  // a map of strings takes the number as text
}

TEST(JobFile, JsonIsAcceptedAndErrorsNameTheProblem) {
  absl::StatusOr<v1::JobSpec> json =
      ParseJobSpecText(R"({"command": ["true"], "testCommand": "x {test}", "tests": ["a"]})");
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_EQ(json->test_command(), "x {test}");
  absl::StatusOr<v1::JobSpec> bad_yaml = ParseJobSpecText("image: [unclosed\nfoo: bar");
  EXPECT_THAT(std::string(bad_yaml.status().message()), ::testing::HasSubstr("line"));
  absl::StatusOr<v1::JobSpec> unknown = ParseJobSpecText("imagee: x");
  EXPECT_THAT(std::string(unknown.status().message()), ::testing::HasSubstr("imagee"));
  EXPECT_FALSE(ParseJobSpecText("- a\n- b").ok());
  EXPECT_FALSE(ParseJobSpecText("reruns: lots").ok());
}

TEST(JobFile, ABuildComesFromTheFileWithItsArgsAsStrings) {
  absl::StatusOr<v1::JobSpec> spec = ParseJobSpecText(R"(
repo: https://git.example.com/app.git
command: [pytest]
build:
  dockerfile: ci/Dockerfile
  context: ci
  target: test
  args:
    PY: 3.11
    DEBUG: true
)");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->build().dockerfile(), "ci/Dockerfile");
  EXPECT_EQ(spec->build().context(), "ci");
  EXPECT_EQ(spec->build().target(), "test");
  EXPECT_EQ(spec->build().args().at("PY"), "3.11");
  EXPECT_EQ(spec->build().args().at("DEBUG"), "true");
}

TEST(JobFlags, BuildFlagsSplitTheDockerfileAndContext) {
  absl::StatusOr<ParsedFlags> flags = ParseFlags(
      JobFlagSpec(), {"--repo", "r", "--build", "ci/Dockerfile:ci", "--build-arg", "A=1=2",
                      "--build-arg", "B=", "--build-target", "t", "--", "true"});
  ASSERT_TRUE(flags.ok()) << flags.status();
  absl::StatusOr<v1::JobSpec> spec = SpecFromFlags(*flags);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->build().dockerfile(), "ci/Dockerfile");
  EXPECT_EQ(spec->build().context(), "ci");
  EXPECT_EQ(spec->build().args().at("A"), "1=2");
  EXPECT_EQ(spec->build().args().at("B"), "");
  EXPECT_EQ(spec->build().target(), "t");
  absl::StatusOr<ParsedFlags> bare =
      ParseFlags(JobFlagSpec(), {"--build", "Dockerfile", "--", "true"});
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(SpecFromFlags(*bare)->build().context(), "");  // the controller's default: "."
  absl::StatusOr<ParsedFlags> orphan =
      ParseFlags(JobFlagSpec(), {"--build-arg", "A=1", "--", "true"});
  ASSERT_TRUE(orphan.ok());
  EXPECT_THAT(std::string(SpecFromFlags(*orphan).status().message()),
              testing::HasSubstr("need --build"));
  absl::StatusOr<ParsedFlags> bad =
      ParseFlags(JobFlagSpec(), {"--build", "D", "--build-arg", "=x", "--", "true"});
  ASSERT_TRUE(bad.ok());
  EXPECT_THAT(std::string(SpecFromFlags(*bad).status().message()),
              testing::HasSubstr("--build-arg wants NAME=VALUE"));
}

}  // namespace
}  // namespace arena
