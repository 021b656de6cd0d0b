// Which registry credential a pull uses, and the Engine API form of it.
#include "agent/executor/registry_auth.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "absl/strings/escaping.h"
#include "common/files.h"
#include "tests/unit/test_dir.h"

namespace arena {
namespace {

TEST(RegistryAuth, EncodesTheEngineApiAuthConfigAsBase64Url) {
  std::string header = EncodeRegistryAuth({"127.0.0.1:5000", "bot", "p+ss/w?rd"});
  EXPECT_EQ(header.find_first_of("+/"), std::string::npos);
  std::string decoded;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(header, &decoded));
  nlohmann::json auth = nlohmann::json::parse(decoded);
  EXPECT_EQ(auth["username"], "bot");
  EXPECT_EQ(auth["password"], "p+ss/w?rd");
  EXPECT_EQ(auth["serveraddress"], "127.0.0.1:5000");
}

TEST(RegistryAuth, PadsTheHeaderWhateverTheLengthOfItsJson) {
  for (std::string password : {"p", "pa", "pas", "pass"}) {
    std::string header = EncodeRegistryAuth({"127.0.0.1:5000", "bot", password});
    EXPECT_EQ(header.size() % 4, 0u) << header;
  }
}

TEST(RegistryAuth, ReadsDockerConfigEntriesByNormalisedHost) {
  auto logins = ParseDockerConfig(R"({"auths": {
      "https://index.docker.io/v1/": {"auth": ")" +
                                  absl::Base64Escape("hub:hubpass") + R"("},
      "Registry.Example:5000": {"username": "u", "password": "p"},
      "helper.example": {"identitytoken": "t"},
      "no-dot": {"auth": "eDp5"}},
    "credHelpers": {"x.example": "secretservice"}})");
  ASSERT_TRUE(logins.ok()) << logins.status();
  ASSERT_EQ(logins->size(), 2u);
  EXPECT_EQ(logins->at("docker.io").username, "hub");
  EXPECT_EQ(logins->at("docker.io").password, "hubpass");
  EXPECT_EQ(logins->at("registry.example:5000").password, "p");
}

TEST(RegistryAuth, RefusesAConfigThatIsNotAJsonObject) {
  EXPECT_FALSE(ParseDockerConfig("not json").ok());
  EXPECT_FALSE(ParseDockerConfig("[1,2]").ok());
  EXPECT_TRUE(ParseDockerConfig("{}")->empty());
}

TEST(RegistryAuth, ControllerCredentialsWinOverTheHostsConfig) {
  TestDir dir;
  std::string config = dir.File("config.json");
  ASSERT_TRUE(WriteFileAtomic(config, R"({"auths": {"reg.example": {"username": "site",
      "password": "site-pass"}}})")
                  .ok());
  ResolvedAuth from_config = ResolveRegistryAuth("reg.example", {}, config);
  EXPECT_EQ(from_config.source, config);
  EXPECT_EQ(from_config.username, "site");
  EXPECT_FALSE(from_config.header.empty());
  ResolvedAuth from_controller =
      ResolveRegistryAuth("reg.example", {{"reg.example", "ctl", "ctl-pass"}}, config);
  EXPECT_EQ(from_controller.source, "the controller's credentials");
  EXPECT_EQ(from_controller.header, EncodeRegistryAuth({"reg.example", "ctl", "ctl-pass"}));
  // Another host's credential is never used.
  ResolvedAuth other = ResolveRegistryAuth("other.example", {{"reg.example", "ctl", "x"}}, config);
  EXPECT_TRUE(other.header.empty());
  EXPECT_EQ(other.source, "none");
}

TEST(RegistryAuth, AMissingOrBrokenConfigMeansAnonymous) {
  TestDir dir;
  EXPECT_EQ(ResolveRegistryAuth("reg.example", {}, dir.File("absent.json")).source, "none");
  std::string broken = dir.File("broken.json");
  ASSERT_TRUE(WriteFileAtomic(broken, "{oops").ok());
  ResolvedAuth resolved = ResolveRegistryAuth("reg.example", {}, broken);
  EXPECT_TRUE(resolved.header.empty());
  EXPECT_NE(resolved.source.find("not a JSON object"), std::string::npos) << resolved.source;
}

}  // namespace
}  // namespace arena
