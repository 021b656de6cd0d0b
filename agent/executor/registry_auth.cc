#include "agent/executor/registry_auth.h"

#include <nlohmann/json.hpp>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "common/files.h"
#include "common/image_ref.h"

namespace arena {
namespace {

using json = nlohmann::json;

std::string StringAt(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

// "https://registry.example:5000/v1/" -> "registry.example:5000".
std::string HostOfConfigKey(absl::string_view key) {
  absl::ConsumePrefix(&key, "https://");
  absl::ConsumePrefix(&key, "http://");
  size_t slash = key.find('/');
  if (slash != absl::string_view::npos) key = key.substr(0, slash);
  return NormalizeRegistryHost(key);
}

// An "auths" entry as a login; false when it holds nothing usable.
bool LoginOfEntry(const json& entry, RegistryLogin* login) {
  if (!entry.is_object()) return false;
  login->username = StringAt(entry, "username");
  login->password = StringAt(entry, "password");
  std::string encoded = StringAt(entry, "auth");
  std::string decoded;
  if (!encoded.empty() && absl::Base64Unescape(encoded, &decoded)) {
    size_t colon = decoded.find(':');
    if (colon != std::string::npos) {
      login->username = decoded.substr(0, colon);
      login->password = decoded.substr(colon + 1);
    }
  }
  return !login->username.empty() && !login->password.empty();
}

}  // namespace

std::string EncodeRegistryAuth(const RegistryLogin& login) {
  json auth = {
      {"username", login.username}, {"password", login.password}, {"serveraddress", login.host}};
  // Padded: dockerd reads the header through a streaming base64url decoder
  // that drops an unpadded last group, and with it the JSON's closing brace
  // (the pull then goes out anonymous, for one JSON length in three).
  return absl::StrReplaceAll(absl::Base64Escape(auth.dump()), {{"+", "-"}, {"/", "_"}});
}

absl::StatusOr<std::map<std::string, RegistryLogin>> ParseDockerConfig(absl::string_view text) {
  json parsed = json::parse(text.begin(), text.end(), nullptr, false);
  if (!parsed.is_object()) return absl::InvalidArgumentError("not a JSON object");
  std::map<std::string, RegistryLogin> logins;
  auto auths = parsed.find("auths");
  if (auths == parsed.end() || !auths->is_object()) return logins;
  for (auto it = auths->begin(); it != auths->end(); ++it) {
    RegistryLogin login;
    login.host = HostOfConfigKey(it.key());
    if (login.host.empty() || !LoginOfEntry(it.value(), &login)) continue;
    logins[login.host] = std::move(login);
  }
  return logins;
}

absl::StatusOr<std::map<std::string, RegistryLogin>> ReadDockerConfig(const std::string& path) {
  if (path.empty() || !FileExists(path)) return std::map<std::string, RegistryLogin>();
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  absl::StatusOr<std::map<std::string, RegistryLogin>> logins = ParseDockerConfig(*text);
  if (!logins.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", logins.status().message()));
  }
  return logins;
}

ResolvedAuth ResolveRegistryAuth(const std::string& host,
                                 const std::vector<RegistryLogin>& from_controller,
                                 const std::string& docker_config_path) {
  for (const RegistryLogin& login : from_controller) {
    if (login.host == host) {
      return {EncodeRegistryAuth(login), "the controller's credentials", login.username};
    }
  }
  absl::StatusOr<std::map<std::string, RegistryLogin>> config =
      ReadDockerConfig(docker_config_path);
  if (!config.ok()) {
    return {"", absl::StrCat("none (", config.status().message(), ")"), ""};
  }
  auto it = config->find(host);
  if (it == config->end()) return {"", "none", ""};
  return {EncodeRegistryAuth(it->second), docker_config_path, it->second.username};
}

}  // namespace arena
