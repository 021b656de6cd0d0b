// Which credential a pull from a registry host uses, and its Engine API form.
// The controller's credentials (sent in the Assign of the task that needs
// them) win; else the host's entry in the agent's Docker config file
// (`arena-agent --docker-config`, default ~/.docker/config.json, read at each
// pull so a site's own tooling may change it); else none. Pure functions
// over their inputs (the config file is read by ReadDockerConfig only);
// thread-safe.
#ifndef ARENA_AGENT_EXECUTOR_REGISTRY_AUTH_H_
#define ARENA_AGENT_EXECUTOR_REGISTRY_AUTH_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace arena {

struct RegistryLogin {
  std::string host;  // normalised (common/image_ref.h NormalizeRegistryHost)
  std::string username;
  std::string password;
};

struct ResolvedAuth {
  std::string header;  // X-Registry-Auth; "" for an anonymous pull
  std::string source;  // "the controller's credentials", "PATH", "none"
  std::string username;
};

// The Engine API's X-Registry-Auth: padded base64url of
// {"username":..,"password":..,"serveraddress":HOST}.
std::string EncodeRegistryAuth(const RegistryLogin& login);

// The "auths" of a Docker config.json (config_text), by normalised host.
// Entries hold "auth" (base64 of USER:PASSWORD) or "username"/"password";
// keys may carry a scheme and a path ("https://index.docker.io/v1/").
// Entries it cannot use (identity tokens, credential helpers) are skipped.
// InvalidArgument for text that is not a JSON object.
absl::StatusOr<std::map<std::string, RegistryLogin>> ParseDockerConfig(absl::string_view text);
// ParseDockerConfig of the file at `path`; an absent file holds nothing.
absl::StatusOr<std::map<std::string, RegistryLogin>> ReadDockerConfig(const std::string& path);

// The credential for pulling from `host`: the controller's when one is for
// that host, else the config file's entry, else none. A config file that
// cannot be read counts as none (`source` says so).
ResolvedAuth ResolveRegistryAuth(const std::string& host,
                                 const std::vector<RegistryLogin>& from_controller,
                                 const std::string& docker_config_path);

}  // namespace arena

#endif  // ARENA_AGENT_EXECUTOR_REGISTRY_AUTH_H_
