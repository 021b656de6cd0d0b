#include "controller/spec/services.h"

#include <algorithm>
#include <set>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "common/image_ref.h"
#include "common/service_probe.h"
#include "common/status_macros.h"
#include "controller/spec/job_spec.h"
#include "controller/spec/spec_limits.h"

namespace arena {
namespace {

absl::Status Bad(const v1::Service& service, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("service ", service.name(), ": ", what));
}

absl::Status CheckProbe(const v1::Service& service) {
  const v1::ReadyProbe& ready = service.ready();
  switch (ready.probe_case()) {
    case v1::ReadyProbe::kTcp:
      if (ready.tcp() < 1 || ready.tcp() > 65535)
        return Bad(service, "ready tcp port must be 1 to 65535");
      return absl::OkStatus();
    case v1::ReadyProbe::kHttp: {
      absl::StatusOr<HttpProbeTarget> target = ParseHttpProbe(ready.http());
      if (!target.ok()) return Bad(service, target.status().message());
      return absl::OkStatus();
    }
    case v1::ReadyProbe::kExec:
      if (ready.exec().empty() || ready.exec().size() > kMaxShellCommandBytes) {
        return Bad(service, "ready exec must be a shell command of at most 64 KiB");
      }
      return absl::OkStatus();
    case v1::ReadyProbe::PROBE_NOT_SET:
      return absl::OkStatus();
  }
  return absl::OkStatus();
}

absl::Status CheckCommandAndEnv(const v1::Service& service) {
  size_t bytes = 0;
  for (const std::string& arg : service.command()) bytes += arg.size();
  if (bytes > kMaxCommandBytes || (service.command_size() > 0 && service.command(0).empty())) {
    return Bad(service, "command is empty or longer than 128 KiB");
  }
  bytes = 0;
  for (const auto& [name, value] : service.env()) {
    if (!ValidEnvName(name)) {
      return Bad(service, absl::StrCat("invalid environment variable name \"",
                                       absl::CHexEscape(name.substr(0, 80)), "\""));
    }
    bytes += name.size() + value.size();
  }
  if (bytes > kMaxEnvBytes) return Bad(service, "environment exceeds 64 KiB");
  return absl::OkStatus();
}

// The effective pull policy of the service's image on every architecture
// must be one the controller allows, as for the test's image.
absl::Status CheckPullPolicy(const v1::Service& service, const v1::JobSpec& spec,
                             const SpecPolicy& policy) {
  const std::vector<std::string>& allowed = policy.allowed_pull_policies;
  for (const std::string& arch : spec.architectures()) {
    std::string image = ServiceImageForArch(service, arch);
    absl::StatusOr<PullPolicy> pull = EffectivePullPolicy(spec.pull_policy(), image);
    if (!pull.ok()) return Bad(service, pull.status().message());
    if (std::find(allowed.begin(), allowed.end(), PullPolicyName(*pull)) == allowed.end()) {
      return Bad(service,
                 absl::StrCat("policy: pull policy \"", PullPolicyName(*pull), "\" (for ", image,
                              ") is not allowed (allowed: ", absl::StrJoin(allowed, ", "), ")"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckService(v1::Service& service, const v1::JobSpec& spec, const SpecPolicy& policy) {
  if (!ValidServiceName(service.name())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "service name \"", absl::CHexEscape(service.name().substr(0, 80)),
        "\" wants lowercase letters, digits and inner hyphens, at most 63 (not localhost)"));
  }
  if (service.image().empty() || service.image().size() > 512) {
    return Bad(service, "image is required (at most 512 bytes)");
  }
  if (service.image().find_first_of(" \t\r\n") != std::string::npos) {
    return Bad(service, "image must not hold spaces");
  }
  if (!service.pull_policy().empty()) {
    return Bad(service, "pull_policy is set by the controller (use the job's pull_policy)");
  }
  RETURN_IF_ERROR(CheckCommandAndEnv(service));
  RETURN_IF_ERROR(CheckProbe(service));
  if (service.ready_timeout_ms() < 0 || service.ready_timeout_ms() > kMaxReadyTimeoutMs) {
    return Bad(service, "ready_timeout must be between 1ms and 1h");
  }
  if (service.ready_timeout_ms() == 0) service.set_ready_timeout_ms(kDefaultReadyTimeoutMs);
  return CheckPullPolicy(service, spec, policy);
}

}  // namespace

std::string ServiceImageForArch(const v1::Service& service, const std::string& arch) {
  return absl::StrReplaceAll(service.image(), {{"{arch}", arch}});
}

absl::Status ValidateServices(v1::JobSpec& spec, const SpecPolicy& policy) {
  if (spec.services_size() == 0) return absl::OkStatus();
  if (spec.executor() == "process") {
    return absl::InvalidArgumentError(
        "services need the docker executor: a process job runs on the host, without containers");
  }
  if (spec.services_size() > kMaxServices) {
    return absl::InvalidArgumentError(absl::StrCat("at most ", kMaxServices, " services"));
  }
  std::set<std::string> names;
  for (v1::Service& service : *spec.mutable_services()) {
    RETURN_IF_ERROR(CheckService(service, spec, policy));
    if (!names.insert(service.name()).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("service name ", service.name(), " is used twice"));
    }
  }
  return absl::OkStatus();
}

}  // namespace arena
