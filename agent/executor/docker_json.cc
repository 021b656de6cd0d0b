#include "agent/executor/docker_json.h"

#include <limits>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace arena {
namespace {

using json = nlohmann::json;

absl::Status Bad(absl::string_view what, absl::string_view problem) {
  return absl::InternalError(absl::StrCat(what, ": ", problem));
}

// The body as JSON; never throws (a parse error gives a discarded value).
absl::StatusOr<json> Parse(absl::string_view body, absl::string_view what, bool array = false) {
  json parsed = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return Bad(what, "the answer is not JSON");
  if (array ? !parsed.is_array() : !parsed.is_object()) {
    return Bad(what, array ? "the answer is not a JSON array" : "the answer is not a JSON object");
  }
  return parsed;
}

// The member `key` of `object`, or nullptr when absent or null.
const json* Member(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

absl::StatusOr<std::string> String(const json& object, const char* key, absl::string_view what,
                                   bool required) {
  const json* value = Member(object, key);
  if (value == nullptr) {
    if (required) return Bad(what, absl::StrCat("no ", key, " in the answer"));
    return std::string();
  }
  if (!value->is_string()) return Bad(what, absl::StrCat(key, " is not a string"));
  return value->get_ref<const std::string&>();
}

absl::StatusOr<int64_t> Integer(const json& object, const char* key, absl::string_view what) {
  const json* value = Member(object, key);
  if (value == nullptr) return Bad(what, absl::StrCat("no ", key, " in the answer"));
  if (value->is_number_unsigned()) {
    uint64_t n = value->get<uint64_t>();
    if (n > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return Bad(what, absl::StrCat(key, " is out of range"));
    }
    return static_cast<int64_t>(n);
  }
  if (!value->is_number_integer()) return Bad(what, absl::StrCat(key, " is not an integer"));
  return value->get<int64_t>();
}

absl::StatusOr<int> SmallInteger(const json& object, const char* key, absl::string_view what) {
  absl::StatusOr<int64_t> n = Integer(object, key, what);
  if (!n.ok()) return n.status();
  if (*n < std::numeric_limits<int>::min() || *n > std::numeric_limits<int>::max()) {
    return Bad(what, absl::StrCat(key, " is out of range"));
  }
  return static_cast<int>(*n);
}

absl::StatusOr<bool> Bool(const json& object, const char* key, absl::string_view what) {
  const json* value = Member(object, key);
  if (value == nullptr) return Bad(what, absl::StrCat("no ", key, " in the answer"));
  if (!value->is_boolean()) return Bad(what, absl::StrCat(key, " is not a boolean"));
  return value->get<bool>();
}

// An optional array of strings (absent or null: empty).
absl::StatusOr<std::vector<std::string>> Strings(const json& object, const char* key,
                                                 absl::string_view what) {
  std::vector<std::string> out;
  const json* value = Member(object, key);
  if (value == nullptr) return out;
  if (!value->is_array()) return Bad(what, absl::StrCat(key, " is not an array"));
  for (const json& item : *value) {
    if (!item.is_string()) return Bad(what, absl::StrCat(key, " holds a non-string"));
    out.push_back(item.get_ref<const std::string&>());
  }
  return out;
}

std::string PlatformString(const std::string& os, const std::string& arch,
                           const std::string& variant) {
  std::string platform = absl::StrCat(os, "/", arch);
  if (!variant.empty()) absl::StrAppend(&platform, "/", variant);
  return platform;
}

// "os/arch[/variant]" from an object with these three keys.
absl::StatusOr<std::string> Platform(const json& object, const char* os_key, const char* arch_key,
                                     const char* variant_key, absl::string_view what,
                                     const std::string& default_os) {
  absl::StatusOr<std::string> os = String(object, os_key, what, default_os.empty());
  absl::StatusOr<std::string> arch = String(object, arch_key, what, true);
  absl::StatusOr<std::string> variant = String(object, variant_key, what, false);
  if (!os.ok()) return os.status();
  if (!arch.ok()) return arch.status();
  if (!variant.ok()) return variant.status();
  return PlatformString(os->empty() ? default_os : *os, *arch, *variant);
}

}  // namespace

namespace {
std::string Dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}
}  // namespace

std::string ContainerCreateBody(const ContainerSpec& spec) {
  json body;
  body["Image"] = spec.image;
  if (!spec.command.empty()) body["Cmd"] = spec.command;  // else the image's own
  body["Env"] = spec.env;
  body["Labels"] = spec.labels;
  body["Tty"] = false;
  body["AttachStdout"] = true;
  body["AttachStderr"] = true;
  if (!spec.working_dir.empty()) body["WorkingDir"] = spec.working_dir;
  if (!spec.user.empty()) body["User"] = spec.user;
  json host;
  host["Binds"] = spec.binds;
  host["NetworkMode"] = spec.network_mode;
  host["LogConfig"] = {{"Type", spec.log_driver}, {"Config", json::object()}};
  host["Privileged"] = false;
  host["SecurityOpt"] = {"no-new-privileges"};
  host["CapDrop"] = {"ALL"};
  host["CapAdd"] = spec.cap_add;
  if (spec.memory_bytes > 0) {
    host["Memory"] = spec.memory_bytes;
    host["MemorySwap"] = spec.memory_bytes;  // no swap on top
  }
  if (spec.nano_cpus > 0) host["NanoCpus"] = spec.nano_cpus;
  if (spec.pids_limit > 0) host["PidsLimit"] = spec.pids_limit;
  if (!spec.storage_opt.empty()) host["StorageOpt"] = spec.storage_opt;
  if (!spec.tmpfs.empty()) host["Tmpfs"] = spec.tmpfs;
  if (!spec.extra_hosts.empty()) host["ExtraHosts"] = spec.extra_hosts;
  body["HostConfig"] = host;
  return Dump(body);
}

std::string ExecCreateBody(const ExecSpec& spec) {
  json body;
  body["Cmd"] = spec.command;
  body["Env"] = spec.env;
  body["AttachStdout"] = true;
  body["AttachStderr"] = true;
  body["Tty"] = false;
  if (!spec.working_dir.empty()) body["WorkingDir"] = spec.working_dir;
  if (!spec.user.empty()) body["User"] = spec.user;
  return Dump(body);
}

std::string StringMapJson(const std::map<std::string, std::string>& values) {
  json object = json::object();
  for (const auto& [name, value] : values) object[name] = value;
  return Dump(object);
}

std::string LabelFilterJson(const std::string& label) {
  json filters;
  filters["label"] = {label};
  return Dump(filters);
}

absl::StatusOr<std::string> ParseVersionAnswer(absl::string_view body) {
  absl::StatusOr<json> parsed = Parse(body, "version");
  if (!parsed.ok()) return parsed.status();
  return String(*parsed, "ApiVersion", "version", true);
}

absl::StatusOr<std::string> ParseCreatedId(absl::string_view body, absl::string_view what) {
  absl::StatusOr<json> parsed = Parse(body, what);
  if (!parsed.ok()) return parsed.status();
  return String(*parsed, "Id", what, true);
}

absl::StatusOr<int> ParseWaitAnswer(absl::string_view body) {
  absl::StatusOr<json> parsed = Parse(body, "wait container");
  if (!parsed.ok()) return parsed.status();
  return SmallInteger(*parsed, "StatusCode", "wait container");
}

namespace {
// State.Pid and State.Health.Status, both optional (older daemons, a
// container without a HEALTHCHECK).
absl::Status ParseProcessAndHealth(const json& state, ContainerState* out) {
  constexpr absl::string_view kWhat = "inspect container";
  if (Member(state, "Pid") != nullptr) {
    absl::StatusOr<int> pid = SmallInteger(state, "Pid", kWhat);
    if (!pid.ok()) return pid.status();
    out->pid = *pid;
  }
  const json* health = Member(state, "Health");
  if (health == nullptr || health->is_null()) return absl::OkStatus();
  if (!health->is_object()) return Bad(kWhat, "State.Health is not an object");
  absl::StatusOr<std::string> status = String(*health, "Status", kWhat, false);
  if (!status.ok()) return status.status();
  out->health = *status;
  return absl::OkStatus();
}
}  // namespace

absl::StatusOr<ContainerState> ParseContainerInspect(absl::string_view body) {
  constexpr absl::string_view kWhat = "inspect container";
  absl::StatusOr<json> parsed = Parse(body, kWhat);
  if (!parsed.ok()) return parsed.status();
  const json* state = Member(*parsed, "State");
  if (state == nullptr || !state->is_object()) return Bad(kWhat, "no State object in the answer");
  absl::StatusOr<bool> oom = Bool(*state, "OOMKilled", kWhat);
  absl::StatusOr<int> exit_code = SmallInteger(*state, "ExitCode", kWhat);
  absl::StatusOr<bool> running = Bool(*state, "Running", kWhat);
  if (!oom.ok()) return oom.status();
  if (!exit_code.ok()) return exit_code.status();
  if (!running.ok()) return running.status();
  ContainerState out{*oom, *exit_code, *running, "", 0, ""};
  RETURN_IF_ERROR(ParseProcessAndHealth(*state, &out));
  const json* config = Member(*parsed, "Config");
  if (config == nullptr) return out;
  if (!config->is_object()) return Bad(kWhat, "Config is not an object");
  absl::StatusOr<std::string> working_dir = String(*config, "WorkingDir", kWhat, false);
  if (!working_dir.ok()) return working_dir.status();
  out.working_dir = *working_dir;
  return out;
}

absl::StatusOr<int64_t> ParseWritableLayerBytes(absl::string_view body) {
  absl::StatusOr<json> parsed = Parse(body, "inspect container");
  if (!parsed.ok()) return parsed.status();
  return Integer(*parsed, "SizeRw", "inspect container");
}

absl::StatusOr<int> ParseExecExitCode(absl::string_view body) {
  absl::StatusOr<json> parsed = Parse(body, "inspect exec");
  if (!parsed.ok()) return parsed.status();
  if (Member(*parsed, "ExitCode") == nullptr) {
    return Bad("inspect exec", "no exit code (still running?)");
  }
  return SmallInteger(*parsed, "ExitCode", "inspect exec");
}

absl::StatusOr<std::vector<std::string>> ParseContainerIds(absl::string_view body) {
  absl::StatusOr<json> parsed = Parse(body, "list containers", /*array=*/true);
  if (!parsed.ok()) return parsed.status();
  std::vector<std::string> ids;
  for (const json& container : *parsed) {
    if (!container.is_object()) return Bad("list containers", "an entry is not an object");
    absl::StatusOr<std::string> id = String(container, "Id", "list containers", true);
    if (!id.ok()) return id.status();
    ids.push_back(*id);
  }
  return ids;
}

absl::StatusOr<std::vector<std::string>> ParseImageTags(absl::string_view body) {
  absl::StatusOr<json> parsed = Parse(body, "list images", /*array=*/true);
  if (!parsed.ok()) return parsed.status();
  std::vector<std::string> tags;
  for (const json& image : *parsed) {
    if (!image.is_object()) return Bad("list images", "an entry is not an object");
    absl::StatusOr<std::vector<std::string>> names = Strings(image, "RepoTags", "list images");
    if (!names.ok()) return names.status();
    for (std::string& tag : *names) {
      if (tag != "<none>:<none>") tags.push_back(std::move(tag));
    }
  }
  return tags;
}

absl::StatusOr<ImageInfo> ParseImageInspect(absl::string_view body) {
  constexpr absl::string_view kWhat = "inspect image";
  absl::StatusOr<json> parsed = Parse(body, kWhat);
  if (!parsed.ok()) return parsed.status();
  ImageInfo info;
  absl::StatusOr<std::string> platform =
      Platform(*parsed, "Os", "Architecture", "Variant", kWhat, "linux");
  absl::StatusOr<std::string> id = String(*parsed, "Id", kWhat, true);
  absl::StatusOr<std::vector<std::string>> digests = Strings(*parsed, "RepoDigests", kWhat);
  absl::StatusOr<std::vector<std::string>> tags = Strings(*parsed, "RepoTags", kWhat);
  for (const absl::Status& s : {platform.status(), id.status(), digests.status(), tags.status()}) {
    if (!s.ok()) return s;
  }
  info.platform = *platform;
  info.id = *id;
  info.repo_digests = *digests;
  info.repo_tags = *tags;
  if (Member(*parsed, "Size") != nullptr) {
    absl::StatusOr<int64_t> size = Integer(*parsed, "Size", kWhat);
    if (!size.ok()) return size.status();
    info.size = *size;
  }
  return info;
}

absl::StatusOr<std::vector<std::string>> ParseDistributionPlatforms(absl::string_view body) {
  constexpr absl::string_view kWhat = "distribution";
  absl::StatusOr<json> parsed = Parse(body, kWhat);
  if (!parsed.ok()) return parsed.status();
  const json* listed = Member(*parsed, "Platforms");
  if (listed == nullptr) return Bad(kWhat, "no Platforms in the answer");
  if (!listed->is_array()) return Bad(kWhat, "Platforms is not an array");
  std::vector<std::string> platforms;
  for (const json& p : *listed) {
    if (!p.is_object()) return Bad(kWhat, "a platform is not an object");
    absl::StatusOr<std::string> platform = Platform(p, "os", "architecture", "variant", kWhat, "");
    if (!platform.ok()) return platform.status();
    platforms.push_back(*platform);
  }
  return platforms;
}

std::string DockerErrorMessage(absl::string_view body) {
  json parsed = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (parsed.is_object()) {
    const json* message = Member(parsed, "message");
    if (message != nullptr && message->is_string()) return message->get<std::string>();
  }
  std::string trimmed(body.substr(0, 200));
  while (!trimmed.empty() && (trimmed.back() == '\n' || trimmed.back() == '\r')) trimmed.pop_back();
  return trimmed;
}

}  // namespace arena
