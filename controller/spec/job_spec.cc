// Job specs as submitted: checked, normalised (architectures, images,
// defaults) and held to the controller's policy before anything is stored.
#include "controller/spec/job_spec.h"

#include <google/protobuf/message.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "common/arch.h"
#include "common/image_ref.h"
#include "common/repo_url.h"
#include "common/status_macros.h"
#include "controller/spec/container_policy.h"
#include "controller/spec/services.h"
#include "controller/spec/spec_limits.h"
#include "controller/spec/test_fields.h"
#include "controller/spec/test_listers.h"

namespace arena {
namespace {

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

// The environment, the sizes of the spec's texts and where its code comes
// from.
absl::Status ValidateEnvAndSource(const v1::JobSpec& spec, const SpecPolicy& policy) {
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
    absl::Status allowed = CheckRepoAllowed(spec.repo(), policy.allow_local_repos, "controller");
    if (!allowed.ok()) return absl::InvalidArgumentError(allowed.message());
  }
  return absl::OkStatus();
}

// Secrets' names and sizes; they are sealed after the checks, by the API.
absl::Status CheckSecrets(const v1::JobSpec& spec) {
  size_t bytes = 0;
  for (const auto& [name, value] : spec.secrets()) {
    if (!ValidEnvName(name)) {
      return absl::InvalidArgumentError(absl::StrCat("invalid secret name \"", name, "\""));
    }
    if (value.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("secret ", name, " is empty"));
    }
    bytes += name.size() + value.size();
  }
  if (bytes > kMaxSecretBytes) return absl::InvalidArgumentError("secrets exceed 64 KiB");
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

// "docker" (also when empty) or "process". A process job runs on the
// agent's host: it needs no image (one it names is not used, which the
// agent says in the attempt's notes) and cannot build one.
absl::Status ValidateExecutor(const v1::JobSpec& spec) {
  if (spec.executor().empty() || spec.executor() == "docker") return absl::OkStatus();
  if (spec.executor() != "process") {
    return absl::InvalidArgumentError(absl::StrCat("executor must be docker or process, not \"",
                                                   absl::CEscape(spec.executor()), "\""));
  }
  if (spec.has_build()) {
    return absl::InvalidArgumentError(
        "build needs the docker executor: a process job runs on the host, without an image");
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

bool ValidAllureProject(absl::string_view project) {
  if (project.empty() || project.size() > 100) return false;
  auto word = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  for (char c : project) {
    if (!word(c) && c != '-') return false;
  }
  return word(project.front()) && word(project.back());
}

std::string ImageForArch(const v1::JobSpec& spec, const std::string& arch) {
  // Each agent tags what it builds by the build's inputs; the task shows
  // where its image comes from.
  if (spec.has_build()) return absl::StrCat("build:", spec.build().dockerfile());
  auto it = spec.images().find(arch);
  if (it != spec.images().end()) return it->second;
  return absl::StrReplaceAll(spec.image(), {{"{arch}", arch}});
}

namespace {

absl::Status ApplyAllurePolicy(v1::JobSpec& spec, const SpecPolicy& policy) {
  if (spec.allure_project().empty()) {
    if (policy.allure_enabled) spec.set_allure_project(policy.default_allure_project);
    return absl::OkStatus();
  }
  if (!policy.allure_enabled) {
    return absl::InvalidArgumentError(
        "allure_project needs a controller started with --allure-url (this one sends results "
        "to no Allure server)");
  }
  if (!ValidAllureProject(spec.allure_project())) {
    return absl::InvalidArgumentError(
        "allure_project wants lowercase letters, digits and inner hyphens, at most 100 "
        "characters (as the Allure server's project ids)");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::JobSpec> ValidateJobSpec(v1::JobSpec spec, const SpecPolicy& policy) {
  RETURN_IF_ERROR(RejectNulBytes(spec, "spec"));
  RETURN_IF_ERROR(ExpandTestLister(spec));
  RETURN_IF_ERROR(ValidateTestFields(spec));
  size_t command_bytes = 0;
  for (const std::string& arg : spec.command()) command_bytes += arg.size();
  if (command_bytes > kMaxCommandBytes || (spec.command_size() > 0 && spec.command(0).empty())) {
    return absl::InvalidArgumentError("command is empty or longer than 128 KiB");
  }
  if (spec.architectures_size() == 0) spec.add_architectures(policy.default_arch);
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
  RETURN_IF_ERROR(ValidateExecutor(spec));
  bool on_host = spec.executor() == "process";
  if (spec.has_build()) {
    RETURN_IF_ERROR(ValidateBuild(spec));
  } else if (spec.image().empty() && !on_host) {
    spec.set_image(policy.default_image);
  }
  for (const std::string& arch : archs) {
    const std::string image = ImageForArch(spec, arch);
    if (image.empty() && !on_host) {
      return absl::InvalidArgumentError(
          absl::StrCat("image is required (none given for ", arch, ")"));
    }
    if (!image.empty() && !spec.has_build()) RETURN_IF_ERROR(CheckImageReference(image));
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
  RETURN_IF_ERROR(ValidateEnvAndSource(spec, policy));
  RETURN_IF_ERROR(CheckSecrets(spec));
  RETURN_IF_ERROR(ApplyContainerPolicy(spec, policy));
  RETURN_IF_ERROR(ValidateServices(spec, policy));
  RETURN_IF_ERROR(ApplyAllurePolicy(spec, policy));
  return spec;
}

}  // namespace arena
