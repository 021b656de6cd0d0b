#include "controller/controller_flags.h"

#include <gtest/gtest.h>

namespace arena {
namespace {

absl::StatusOr<ControllerConfig> ConfigOf(std::vector<std::string> args) {
  absl::StatusOr<ParsedFlags> flags = ParseFlags(ControllerFlagSpec(), args);
  if (!flags.ok()) return flags.status();
  return ConfigFromFlags(*flags);
}

TEST(ControllerFlags, DefaultsToLoopbackPortsAndTheDocumentedPolicy) {
  absl::StatusOr<ControllerConfig> config = ConfigOf({"--data-dir", "/d"});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->grpc.host, "127.0.0.1");
  EXPECT_EQ(config->grpc.port, 7443);
  EXPECT_EQ(config->http.port, 7080);
  EXPECT_FALSE(config->http_insecure);
  EXPECT_EQ(config->agent_cert_ttl, absl::Hours(24));
  EXPECT_EQ(config->tls_names, (std::vector<std::string>{"localhost", "127.0.0.1"}));
  EXPECT_FALSE(config->spec_policy.default_arch.empty());
}

TEST(ControllerFlags, ReadsIpv6AddressesWithoutTheirBrackets) {
  absl::StatusOr<HostPort> at = SplitHostPort("[::1]:9000");
  ASSERT_TRUE(at.ok());
  EXPECT_EQ(at->host, "::1");
  EXPECT_EQ(at->port, 9000);
  EXPECT_FALSE(SplitHostPort("no-port").ok());
  EXPECT_FALSE(SplitHostPort("h:70000").ok());
}

TEST(ControllerFlags, RefusesWhatCannotStartWithTheFlagNamed) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {{}, "--data-dir is required"},
           {{"--data-dir", "/d", "--listen", "nowhere"}, "want HOST:PORT"},
           {{"--data-dir", "/d", "--http-listen", "0.0.0.0:0", "--http-insecure"},
            "only on a loopback address"},
           {{"--data-dir", "/d", "--agent-lease", "0s"}, "--agent-lease"},
           {{"--data-dir", "/d", "--agent-cert-ttl", "soon"}, "--agent-cert-ttl"},
           {{"--data-dir", "/d", "--max-memory-mb", "8"}, "--max-memory-mb"},
           {{"--data-dir", "/d", "--allow-network", "wifi"}, "--allow-network"},
           {{"--data-dir", "/d", "--allowed-pull-policies", "sometimes"},
            "--allowed-pull-policies"},
       }) {
    absl::StatusOr<ControllerConfig> config = ConfigOf(c.args);
    ASSERT_FALSE(config.ok()) << c.message;
    EXPECT_NE(config.status().message().find(c.message), std::string::npos)
        << config.status().message();
  }
}

TEST(ControllerFlags, PolicyFlagsCapTheDefaults) {
  absl::StatusOr<ControllerConfig> config =
      ConfigOf({"--data-dir", "/d", "--max-memory-mb", "64", "--allow-network", "host",
                "--allowed-pull-policies", "never", "--http-insecure"});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->spec_policy.max_memory_mb, 64);
  EXPECT_LE(config->spec_policy.default_memory_mb, 64);
  EXPECT_EQ(config->spec_policy.allowed_networks, (std::vector<std::string>{"none", "host"}));
  EXPECT_EQ(config->spec_policy.allowed_pull_policies, (std::vector<std::string>{"never"}));
  EXPECT_TRUE(config->http_insecure);
}

}  // namespace
}  // namespace arena

namespace arena {
namespace {

TEST(ControllerFlags, AnAllureServerEnablesProjectsWithItsDefault) {
  absl::StatusOr<ControllerConfig> config =
      ConfigOf({"--data-dir", "/d", "--allure-url", "http://127.0.0.1:5050/", "--allure-project",
                "team-a", "--allure-token-file", "/t"});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->allure_url, "http://127.0.0.1:5050");
  EXPECT_EQ(config->allure_token_file, "/t");
  EXPECT_TRUE(config->spec_policy.allure_enabled);
  EXPECT_EQ(config->spec_policy.default_allure_project, "team-a");
  EXPECT_FALSE(ConfigOf({"--data-dir", "/d"})->spec_policy.allure_enabled);
}

TEST(ControllerFlags, RefusesAllureFlagsThatCannotWork) {
  for (const std::vector<std::string>& bad : std::vector<std::vector<std::string>>{
           {"--allure-url", "ftp://127.0.0.1"},
           {"--allure-url", "http://"},
           {"--allure-url", "http://127.0.0.1:5050/allure-docker-service"},
           {"--allure-url", "http://127.0.0.1:5050", "--allure-project", "Team A"},
           {"--allure-project", "team-a"},
           {"--allure-token-file", "/t"}}) {
    std::vector<std::string> args = {"--data-dir", "/d"};
    args.insert(args.end(), bad.begin(), bad.end());
    absl::StatusOr<ControllerConfig> config = ConfigOf(args);
    EXPECT_TRUE(absl::IsInvalidArgument(config.status())) << bad[0] << " " << bad[1];
    EXPECT_NE(config.status().message().find("--allure-"), std::string::npos)
        << config.status().message();
  }
}

}  // namespace
}  // namespace arena
