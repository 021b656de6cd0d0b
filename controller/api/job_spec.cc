// Job specs as submitted: checked, normalised (architectures, images,
// defaults) and held to the controller's container policy before anything is
// stored. Pure functions: thread-safe.
#include <google/protobuf/message.h>

#include <algorithm>
#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "common/arch.h"
#include "common/image_ref.h"
#include "common/repo_url.h"
#include "common/status_macros.h"
#include "controller/api/job_api.h"
#include "controller/scheduler/fan_out.h"

namespace arena {
namespace {

constexpr int64_t kDefaultTimeoutMs = 60 * 60 * 1000;
constexpr int64_t kMaxTimeoutMs = 7 * 24 * 60 * 60 * 1000LL;
constexpr int kMaxArchitectures = 16;
constexpr int kMaxRetries = 10;
constexpr size_t kMaxEnvBytes = 64 * 1024;
constexpr size_t kMaxCommandBytes = 128 * 1024;
constexpr size_t kMaxBuildPathBytes = 1024;
constexpr int kMaxBuildArgs = 64;

// A NUL in any text of the spec would be cut short by the agent's C
// strings (argv, environment, paths) and fail late, or differently.
absl::Status RejectNulBytes(const google::protobuf::Message& message, const std::string& path) {
  using google::protobuf::FieldDescriptor;
  const google::protobuf::Reflection* reflection = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    std::string name = absl::StrCat(path, ".", field->name());
    int count = field->is_repeated() ? reflection->FieldSize(message, field) : 1;
    for (int i = 0; i < count; ++i) {
      if (field->type() == FieldDescriptor::TYPE_STRING) {
        std::string text = field->is_repeated() ? reflection->GetRepeatedString(message, field, i)
                                                : reflection->GetString(message, field);
        if (text.find('\0') != std::string::npos) {
          return absl::InvalidArgumentError(absl::StrCat(name, " holds a NUL byte"));
        }
      } else if (field->type() == FieldDescriptor::TYPE_MESSAGE) {
        const google::protobuf::Message& child =
            field->is_repeated() ? reflection->GetRepeatedMessage(message, field, i)
                                 : reflection->GetMessage(message, field);
        RETURN_IF_ERROR(RejectNulBytes(child, name));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

bool ValidEnvName(const std::string& name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  for (char c : name) {
    if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) {
      return false;
    }
  }
  return true;
}

std::string ImageForArch(const v1::JobSpec& spec, const std::string& arch) {
  // Each agent tags what it builds by the build's inputs; the task shows
  // where its image comes from.
  if (spec.has_build()) return absl::StrCat("build:", spec.build().dockerfile());
  auto it = spec.images().find(arch);
  if (it != spec.images().end()) return it->second;
  return absl::StrReplaceAll(spec.image(), {{"{arch}", arch}});
}

absl::Status ApplyDiskPolicy(v1::Resources* r, const JobApiOptions& options) {
  if (r->disk_mb() < 0) return absl::InvalidArgumentError("resources.disk_mb must not be negative");
  if (r->disk_mb() == 0) r->set_disk_mb(options.default_disk_mb);
  if (r->disk_mb() > options.max_disk_mb) {
    return absl::InvalidArgumentError(absl::StrCat("policy: disk ", r->disk_mb(),
                                                   " MiB exceeds the controller's limit of ",
                                                   options.max_disk_mb, " MiB"));
  }
  return absl::OkStatus();
}

static absl::Status ApplyPullPolicy(const v1::JobSpec& spec, const JobApiOptions& options) {
  if (!spec.pull_policy().empty()) RETURN_IF_ERROR(ParsePullPolicy(spec.pull_policy()).status());
  const std::vector<std::string>& allowed = options.allowed_pull_policies;
  if (spec.has_build()) {
    // Base images: the job's policy when it names one, else each base's
    // default, applied by the agent.
    if (spec.pull_policy().empty() ||
        std::find(allowed.begin(), allowed.end(), spec.pull_policy()) != allowed.end()) {
      return absl::OkStatus();
    }
    return absl::InvalidArgumentError(
        absl::StrCat("policy: pull policy \"", spec.pull_policy(),
                     "\" is not allowed (allowed: ", absl::StrJoin(allowed, ", "), ")"));
  }
  // Every image's effective policy (the default one where the job names
  // none) must be allowed.
  for (const std::string& arch : spec.architectures()) {
    std::string image = ImageForArch(spec, arch);
    ASSIGN_OR_RETURN(PullPolicy policy, EffectivePullPolicy(spec.pull_policy(), image));
    if (std::find(allowed.begin(), allowed.end(), PullPolicyName(policy)) == allowed.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("policy: pull policy \"", PullPolicyName(policy), "\" (for ", image,
                       ") is not allowed (allowed: ", absl::StrJoin(allowed, ", "), ")"));
    }
  }
  return absl::OkStatus();
}

absl::Status ApplyContainerPolicy(v1::JobSpec& spec, const JobApiOptions& options) {
  v1::Resources* r = spec.mutable_resources();
  // NaN compares false with every bound: it is refused by name, not let
  // through as "no limit".
  if (!std::isfinite(r->cpus())) {
    return absl::InvalidArgumentError("resources.cpus must be a finite number");
  }
  RETURN_IF_ERROR(ApplyDiskPolicy(r, options));
  if (r->memory_mb() < 0 || r->cpus() < 0 || r->pids() < 0) {
    return absl::InvalidArgumentError("resources must not be negative");
  }
  if ((r->cpus() > 0 && r->cpus() < 0.01) || (r->memory_mb() > 0 && r->memory_mb() < 6)) {
    return absl::InvalidArgumentError(
        "resources too small to run anything: at least 0.01 CPUs and 6 MiB of memory");
  }
  if (r->memory_mb() == 0) r->set_memory_mb(options.default_memory_mb);
  if (r->cpus() == 0) r->set_cpus(options.default_cpus);
  if (r->pids() == 0) r->set_pids(options.default_pids);
  if (r->memory_mb() > options.max_memory_mb) {
    return absl::InvalidArgumentError(absl::StrCat("policy: memory ", r->memory_mb(),
                                                   " MiB exceeds the controller's limit of ",
                                                   options.max_memory_mb, " MiB"));
  }
  if (r->cpus() > options.max_cpus) {
    return absl::InvalidArgumentError(absl::StrCat(
        "policy: ", r->cpus(), " CPUs exceed the controller's limit of ", options.max_cpus));
  }
  if (r->pids() > options.max_pids) {
    return absl::InvalidArgumentError(absl::StrCat("policy: a pids limit of ", r->pids(),
                                                   " exceeds the controller's limit of ",
                                                   options.max_pids));
  }
  if (spec.network().empty()) spec.set_network("none");
  if (std::find(options.allowed_networks.begin(), options.allowed_networks.end(), spec.network()) ==
      options.allowed_networks.end()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "policy: network \"", spec.network(),
        "\" is not allowed (allowed: ", absl::StrJoin(options.allowed_networks, ", "), ")"));
  }
  RETURN_IF_ERROR(ApplyPullPolicy(spec, options));
  if (spec.user().size() > 64 || spec.user().find_first_of(" \t\n") != std::string::npos) {
    return absl::InvalidArgumentError("user must be a name or uid[:gid] without spaces");
  }
  return absl::OkStatus();
}

namespace {

// The environment, the sizes of the spec's texts and where its code comes
// from.
absl::Status ValidateEnvAndSource(const v1::JobSpec& spec, const JobApiOptions& options) {
  for (const auto& [name, value] : spec.env()) {
    if (!ValidEnvName(name)) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid environment variable name \"", name, "\""));
    }
  }
  size_t env_bytes = 0;
  for (const auto& [name, value] : spec.env()) env_bytes += name.size() + value.size();
  if (env_bytes > kMaxEnvBytes) return absl::InvalidArgumentError("environment exceeds 64 KiB");
  if (spec.image().size() > 512 || spec.repo().size() > 2048 || spec.commit().size() > 256) {
    return absl::InvalidArgumentError("image (512), repo (2048) or commit (256 bytes) too long");
  }
  if (spec.required_labels_size() > 64 || spec.images_size() > kMaxArchitectures) {
    return absl::InvalidArgumentError("too many labels (64) or per-architecture images (16)");
  }
  if (!spec.commit().empty() && spec.repo().empty()) {
    return absl::InvalidArgumentError("commit given without repo");
  }
  if (!spec.repo().empty()) {
    absl::Status allowed = CheckRepoAllowed(spec.repo(), options.allow_local_repos, "controller");
    if (!allowed.ok()) return absl::InvalidArgumentError(allowed.message());
  }
  return absl::OkStatus();
}

// A relative path inside the checkout: no "..", not absolute, one line.
absl::Status CheckCheckoutPath(const std::string& path, const char* what) {
  bool bad = path.empty() || path.size() > kMaxBuildPathBytes || path[0] == '/';
  for (char c : path) bad = bad || static_cast<unsigned char>(c) < 0x20;
  for (absl::string_view part : absl::StrSplit(path, '/')) bad = bad || part == "..";
  if (!bad) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("build ", what, " \"", absl::CHexEscape(path.substr(0, 80)),
                   "\" must be a path inside the checkout: relative, without \"..\", at most ",
                   kMaxBuildPathBytes, " bytes"));
}

absl::Status CheckBuildArgs(const v1::Build& build) {
  if (build.args_size() > kMaxBuildArgs) {
    return absl::InvalidArgumentError(absl::StrCat("at most ", kMaxBuildArgs, " build args"));
  }
  size_t bytes = 0;
  for (const auto& [name, value] : build.args()) {
    if (!ValidEnvName(name) || name.size() > 128) {
      return absl::InvalidArgumentError(absl::StrCat("invalid build arg name \"",
                                                     absl::CHexEscape(name.substr(0, 80)),
                                                     "\": want [A-Za-z_][A-Za-z0-9_]*"));
    }
    bytes += name.size() + value.size();
  }
  if (bytes > kMaxEnvBytes) return absl::InvalidArgumentError("build args exceed 64 KiB");
  return absl::OkStatus();
}

// A build needs the job's checkout and names no image of its own: the
// agent tags what it builds. Fills in the defaults (Dockerfile, ".").
absl::Status ValidateBuild(v1::JobSpec& spec) {
  v1::Build* build = spec.mutable_build();
  if (spec.repo().empty()) {
    return absl::InvalidArgumentError(
        "build needs a repo: the image is built from the job's checkout (--repo)");
  }
  if (!spec.image().empty() || spec.images_size() > 0) {
    return absl::InvalidArgumentError(
        "build and image are exclusive: the build makes the task's image");
  }
  if (build->dockerfile().empty()) build->set_dockerfile("Dockerfile");
  if (build->context().empty()) build->set_context(".");
  RETURN_IF_ERROR(CheckCheckoutPath(build->dockerfile(), "dockerfile"));
  RETURN_IF_ERROR(CheckCheckoutPath(build->context(), "context"));
  RETURN_IF_ERROR(CheckBuildArgs(*build));
  const std::string& target = build->target();
  bool target_ok = target.size() <= 128 && (target.empty() || absl::ascii_isalnum(target[0]));
  for (char c : target)
    target_ok = target_ok && (absl::ascii_isalnum(c) || c == '_' || c == '-' || c == '.');
  if (!target_ok) {
    return absl::InvalidArgumentError(
        "build target must be a stage name: letters, digits, '_', '-', '.', at most 128 bytes");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::JobSpec> ValidateJobSpec(v1::JobSpec spec, const JobApiOptions& options) {
  RETURN_IF_ERROR(RejectNulBytes(spec, "spec"));
  RETURN_IF_ERROR(ValidateTestFields(spec));
  size_t command_bytes = 0;
  for (const std::string& arg : spec.command()) command_bytes += arg.size();
  if (command_bytes > kMaxCommandBytes || (spec.command_size() > 0 && spec.command(0).empty())) {
    return absl::InvalidArgumentError("command is empty or longer than 128 KiB");
  }
  if (spec.architectures_size() == 0) spec.add_architectures(options.default_arch);
  if (spec.architectures_size() > kMaxArchitectures) {
    return absl::InvalidArgumentError("too many architectures");
  }
  std::vector<std::string> archs;
  for (const std::string& name : spec.architectures()) {
    ASSIGN_OR_RETURN(std::string arch, NormalizeArch(name));
    if (std::find(archs.begin(), archs.end(), arch) == archs.end()) archs.push_back(arch);
  }
  spec.clear_architectures();
  for (const std::string& arch : archs) spec.add_architectures(arch);
  google::protobuf::Map<std::string, std::string> images;
  for (const auto& [name, image] : spec.images()) {
    ASSIGN_OR_RETURN(std::string arch, NormalizeArch(name));
    if (image.empty()) return absl::InvalidArgumentError(absl::StrCat("empty image for ", arch));
    images[arch] = image;
  }
  *spec.mutable_images() = images;
  if (spec.has_build()) {
    RETURN_IF_ERROR(ValidateBuild(spec));
  } else if (spec.image().empty()) {
    spec.set_image(options.default_image);
  }
  for (const std::string& arch : archs) {
    if (ImageForArch(spec, arch).empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("image is required (none given for ", arch, ")"));
    }
  }
  if (spec.timeout_ms() < 0 || spec.timeout_ms() > kMaxTimeoutMs) {
    return absl::InvalidArgumentError("timeout must be between 1ms and 7 days");
  }
  if (spec.timeout_ms() == 0) spec.set_timeout_ms(kDefaultTimeoutMs);
  if (spec.retries() < 0 || spec.retries() > kMaxRetries) {
    return absl::InvalidArgumentError(absl::StrCat("retries must be between 0 and ", kMaxRetries));
  }
  if (spec.queue_timeout_ms() < 0 || spec.queue_timeout_ms() > kMaxTimeoutMs) {
    return absl::InvalidArgumentError("queue timeout must be between 1ms and 7 days");
  }
  RETURN_IF_ERROR(ValidateEnvAndSource(spec, options));
  RETURN_IF_ERROR(ApplyContainerPolicy(spec, options));
  return spec;
}

}  // namespace arena
