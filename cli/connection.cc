// How arenactl reaches the controller: the address, CA and token from the
// global flags, then the environment, then the config file.
#include <cstdlib>
#include <map>

#include "absl/strings/str_cat.h"
#include "cli/cli.h"
#include "cli/client.h"
#include "common/status_macros.h"

namespace arena {
namespace {

std::string EnvOr(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

// The token and where it came from, in this order: --token, --token-file,
// ARENA_TOKEN, ARENA_TOKEN_FILE, the config file's token and token-file.
absl::Status ResolveToken(const ParsedFlags& flags,
                          const std::map<std::string, std::string>& config,
                          ClientOptions* options) {
  auto configured = [&config](const char* key) {
    auto it = config.find(key);
    return it == config.end() ? std::string() : it->second;
  };
  struct Source {
    std::string value;
    bool file;
    const char* name;
  };
  const Source sources[] = {
      {flags.Get("token"), false, "--token"},
      {flags.Get("token-file"), true, "--token-file"},
      {EnvOr("ARENA_TOKEN"), false, "ARENA_TOKEN"},
      {EnvOr("ARENA_TOKEN_FILE"), true, "ARENA_TOKEN_FILE"},
      {configured("token"), false, "the config file's token"},
      {configured("token-file"), true, "the config file's token-file"},
  };
  for (const Source& source : sources) {
    if (source.value.empty()) continue;
    options->token_source = source.file ? absl::StrCat("token file ", source.value) : source.name;
    if (!source.file) {
      options->token = source.value;
      return absl::OkStatus();
    }
    ASSIGN_OR_RETURN(options->token, ReadTokenFile(source.value));
    return absl::OkStatus();
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ConnectClient(const ParsedFlags& flags, Cli* cli) {
  using Config = std::map<std::string, std::string>;
  ASSIGN_OR_RETURN(Config config, LoadConfig());
  auto setting = [&](const char* flag, const char* env) {
    std::string value = flags.Get(flag, EnvOr(env));
    auto it = config.find(flag);
    return value.empty() && it != config.end() ? it->second : value;
  };
  ClientOptions options;
  options.controller = setting("controller", "ARENA_CONTROLLER");
  options.ca_file = setting("ca-file", "ARENA_CA_FILE");
  RETURN_IF_ERROR(ResolveToken(flags, config, &options));
  ASSIGN_OR_RETURN(cli->client, Client::Connect(options));
  return absl::OkStatus();
}

}  // namespace arena
