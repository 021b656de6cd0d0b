#include "controller/spec/container_policy.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/image_ref.h"
#include "common/status_macros.h"
#include "controller/spec/job_spec.h"

namespace arena {
namespace {

absl::Status ApplyDiskPolicy(v1::Resources* r, const SpecPolicy& policy) {
  if (r->disk_mb() < 0) return absl::InvalidArgumentError("resources.disk_mb must not be negative");
  if (r->disk_mb() == 0) r->set_disk_mb(policy.default_disk_mb);
  if (r->disk_mb() > policy.max_disk_mb) {
    return absl::InvalidArgumentError(absl::StrCat("policy: disk ", r->disk_mb(),
                                                   " MiB exceeds the controller's limit of ",
                                                   policy.max_disk_mb, " MiB"));
  }
  return absl::OkStatus();
}

absl::Status CheckPullPolicy(const v1::JobSpec& spec, const SpecPolicy& policy) {
  if (!spec.pull_policy().empty()) RETURN_IF_ERROR(ParsePullPolicy(spec.pull_policy()).status());
  const std::vector<std::string>& allowed = policy.allowed_pull_policies;
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

}  // namespace

absl::Status ApplyContainerPolicy(v1::JobSpec& spec, const SpecPolicy& policy) {
  v1::Resources* r = spec.mutable_resources();
  // NaN compares false with every bound: it is refused by name, not let
  // through as "no limit".
  if (!std::isfinite(r->cpus())) {
    return absl::InvalidArgumentError("resources.cpus must be a finite number");
  }
  RETURN_IF_ERROR(ApplyDiskPolicy(r, policy));
  if (r->memory_mb() < 0 || r->cpus() < 0 || r->pids() < 0) {
    return absl::InvalidArgumentError("resources must not be negative");
  }
  if ((r->cpus() > 0 && r->cpus() < 0.01) || (r->memory_mb() > 0 && r->memory_mb() < 6)) {
    return absl::InvalidArgumentError(
        "resources too small to run anything: at least 0.01 CPUs and 6 MiB of memory");
  }
  if (r->memory_mb() == 0) r->set_memory_mb(policy.default_memory_mb);
  if (r->cpus() == 0) r->set_cpus(policy.default_cpus);
  if (r->pids() == 0) r->set_pids(policy.default_pids);
  if (r->memory_mb() > policy.max_memory_mb) {
    return absl::InvalidArgumentError(absl::StrCat("policy: memory ", r->memory_mb(),
                                                   " MiB exceeds the controller's limit of ",
                                                   policy.max_memory_mb, " MiB"));
  }
  if (r->cpus() > policy.max_cpus) {
    return absl::InvalidArgumentError(absl::StrCat(
        "policy: ", r->cpus(), " CPUs exceed the controller's limit of ", policy.max_cpus));
  }
  if (r->pids() > policy.max_pids) {
    return absl::InvalidArgumentError(absl::StrCat("policy: a pids limit of ", r->pids(),
                                                   " exceeds the controller's limit of ",
                                                   policy.max_pids));
  }
  if (spec.network().empty()) spec.set_network("none");
  if (std::find(policy.allowed_networks.begin(), policy.allowed_networks.end(), spec.network()) ==
      policy.allowed_networks.end()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "policy: network \"", spec.network(),
        "\" is not allowed (allowed: ", absl::StrJoin(policy.allowed_networks, ", "), ")"));
  }
  RETURN_IF_ERROR(CheckPullPolicy(spec, policy));
  if (spec.user().size() > 64 || spec.user().find_first_of(" \t\n") != std::string::npos) {
    return absl::InvalidArgumentError("user must be a name or uid[:gid] without spaces");
  }
  return absl::OkStatus();
}

}  // namespace arena
