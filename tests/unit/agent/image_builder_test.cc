#include "agent/executor/image_builder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "absl/strings/escaping.h"
#include "absl/strings/str_replace.h"
#include "common/files.h"
#include "tests/unit/test_dir.h"

namespace arena {
namespace {

nlohmann::json Decoded(const std::string& config) {
  std::string standard = absl::StrReplaceAll(config, {{"-", "+"}, {"_", "/"}});
  std::string text;
  EXPECT_TRUE(absl::Base64Unescape(standard, &text)) << config;
  EXPECT_EQ(config.size() % 4, 0u) << "padded, as dockerd's decoder wants";
  return nlohmann::json::parse(text);
}

TEST(RegistryConfig, HoldsOnlyTheHostsTheBaseImagesName) {
  std::vector<RegistryLogin> credentials = {{"127.0.0.1:5000", "ci", "pw-1"},
                                            {"other.example.com", "x", "pw-2"},
                                            {"docker.io", "hub", "pw-3"}};
  nlohmann::json config =
      Decoded(RegistryConfigFor({"127.0.0.1:5000/base:1", "alpine:3"}, credentials));
  EXPECT_EQ(config.size(), 2u);
  EXPECT_EQ(config["127.0.0.1:5000"]["username"], "ci");
  EXPECT_EQ(config["127.0.0.1:5000"]["password"], "pw-1");
  EXPECT_EQ(config["https://index.docker.io/v1/"]["username"], "hub");
  EXPECT_FALSE(config.contains("other.example.com"));
  EXPECT_EQ(RegistryConfigFor({"registry.example.com/x:1"}, credentials), "");
  EXPECT_EQ(RegistryConfigFor({}, credentials), "");
}

TEST(RegistryConfig, FallsBackToTheAgentsDockerConfigPerHost) {
  TestDir dir;
  ASSERT_TRUE(WriteFileAtomic(dir.File("config.json"),
                              R"({"auths": {"127.0.0.1:5000": {"auth": "ZmlsZTpmcm9tLWZpbGU="},
                                            "other.example.com": {"auth": "eDp5"}}})",
                              0600)
                  .ok());
  std::vector<RegistryLogin> controller = {{"127.0.0.1:5000", "ci", "from-controller"}};
  nlohmann::json config = Decoded(RegistryConfigFor(
      {"127.0.0.1:5000/base:1", "registry.example.com/x:1"}, controller, dir.File("config.json")));
  EXPECT_EQ(config.size(), 1u);
  EXPECT_EQ(config["127.0.0.1:5000"]["password"], "from-controller");  // the controller's win
  config = Decoded(RegistryConfigFor({"127.0.0.1:5000/base:1"}, {}, dir.File("config.json")));
  EXPECT_EQ(config["127.0.0.1:5000"]["username"], "file");
  EXPECT_EQ(config["127.0.0.1:5000"]["password"], "from-file");
}

TEST(BuildArgs, AddThePlatformArgsTheDockerfileMentions) {
  BuildInputs inputs;
  inputs.arch = "arm/v7";
  inputs.args = {{"TARGETOS", "mine"}, {"VERSION", "1"}};
  std::map<std::string, std::string> args =
      BuildArgsFor(inputs, "ARG TARGETARCH\nARG TARGETVARIANT\nARG TARGETOS\nFROM b:$TARGETARCH\n");
  std::map<std::string, std::string> want = {
      {"TARGETARCH", "arm"}, {"TARGETOS", "mine"}, {"TARGETVARIANT", "v7"}, {"VERSION", "1"}};
  EXPECT_EQ(args, want);  // the job's own TARGETOS wins
  inputs.arch = "arm64";
  args = BuildArgsFor(inputs, "FROM base\nARG TARGETPLATFORM\n");
  EXPECT_EQ(args["TARGETPLATFORM"], "linux/arm64");
  EXPECT_EQ(args.count("TARGETARCH"), 0u);  // not mentioned: no unused-arg warning
}

}  // namespace
}  // namespace arena
