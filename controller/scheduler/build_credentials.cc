// Registry credentials for a build's base images. The controller cannot
// know them at assignment (they are in the checkout's Dockerfile), so the
// building agent names their hosts and the controller answers with what it
// holds for those hosts: only for an attempt that is current on that agent
// and whose job has a build, at most kMaxHosts hosts, nothing else.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/image_ref.h"
#include "common/logging.h"
#include "controller/scheduler/scheduler.h"

namespace arena {
namespace {

constexpr int kMaxHosts = 16;

}  // namespace

void Scheduler::OnBaseImageCredentials(const std::string& agent_id,
                                       const v1::BaseImageCredentialsRequest& request) {
  std::shared_ptr<AgentLink> link = agents_[agent_id].link;
  auto it = attempts_.find(request.attempt_id());
  if (it == attempts_.end() || it->second.agent_id != agent_id) {
    SendFencedCancel(link, request.attempt_id());
    return;
  }
  absl::StatusOr<ActiveJob*> job = FindJob(it->second.job_id);
  v1::ControllerMessage answer;
  v1::BaseImageCredentials* credentials = answer.mutable_base_credentials();
  credentials->set_attempt_id(request.attempt_id());
  if (job.ok() && (*job)->header.spec().has_build() && options_.secrets != nullptr &&
      request.registry_hosts_size() <= kMaxHosts) {
    v1::Assign scratch;
    for (const std::string& host : request.registry_hosts()) {
      // AddRegistryAuth looks up the host of an image reference.
      if (host.empty() || host.find('/') != std::string::npos) continue;
      AddRegistryAuth(absl::StrCat(host, "/base"), &scratch);
    }
    *credentials->mutable_registry_auths() = scratch.registry_auths();
    std::vector<std::string> sent;
    for (const v1::RegistryAuth& auth : scratch.registry_auths()) sent.push_back(auth.host());
    LogLine("scheduler", absl::StrCat("build of ", request.attempt_id(), " asked for ",
                                      request.registry_hosts_size(), " base image hosts: sent ",
                                      sent.empty() ? "none" : absl::StrJoin(sent, ", ")));
  }
  Send(link, std::move(answer));
}

}  // namespace arena
