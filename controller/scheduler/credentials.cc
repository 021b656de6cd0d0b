// The credentials the scheduler opens from the store for an attempt: at
// assignment, the git credential of the job's repo host and the registry
// credential of its image's host; during a build, the registry credentials
// of its base images. The controller cannot know those at assignment (they
// are in the checkout's Dockerfile), so the building agent names their hosts
// and the controller answers with what it holds for those hosts: only for an
// attempt that is current on that agent and whose job has a build, at most
// kMaxHosts hosts, nothing else. Same class and thread rules as scheduler.h.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/image_ref.h"
#include "common/logging.h"
#include "common/repo_url.h"
#include "controller/auth/secret_box.h"
#include "controller/scheduler/scheduler.h"
#include "controller/store/store.h"

namespace arena {
namespace {

constexpr int kMaxHosts = 16;

}  // namespace

void Scheduler::OnBaseImageCredentials(const std::string& agent_id,
                                       const std::shared_ptr<AgentLink>& link,
                                       const v1::BaseImageCredentialsRequest& request) {
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

void Scheduler::AddCredentials(v1::Assign* assign) {
  if (options_.secrets == nullptr) return;
  AddGitAccess(assign);
  // A build's image is its own ("build:Dockerfile" names no registry).
  if (assign->pull_policy() != "never" && !assign->has_build()) {
    AddRegistryAuth(assign->image(), assign);
  }
  for (const v1::Service& service : assign->services()) {
    if (service.pull_policy() != "never") AddRegistryAuth(service.image(), assign);
  }
}

void Scheduler::AddRegistryAuth(const std::string& image, v1::Assign* assign) {
  const std::string host = RegistryHost(image);
  for (const v1::RegistryAuth& auth : assign->registry_auths()) {
    if (auth.host() == host) return;
  }
  absl::StatusOr<CredentialRecord> record =
      store_->access().GetCredential(CredentialScope::kRegistry, host);
  if (absl::IsNotFound(record.status())) return;
  v1::RegistryAuth auth;
  absl::StatusOr<std::string> opened =
      record.ok() ? options_.secrets->Open(record->sealed) : record.status();
  if (!opened.ok() || !auth.ParseFromString(*opened)) {
    Log(LogLevel::kWarn, "scheduler",
        absl::StrCat("cannot open the registry credential for ", host));
    return;
  }
  auth.set_host(host);
  *assign->add_registry_auths() = std::move(auth);
}

void Scheduler::AddGitAccess(v1::Assign* assign) {
  if (assign->repo().empty()) return;
  for (const std::string& host : RepoHostKeys(assign->repo())) {
    absl::StatusOr<CredentialRecord> record =
        store_->access().GetCredential(CredentialScope::kGit, host);
    if (absl::IsNotFound(record.status())) continue;
    v1::GitAccess access;
    absl::StatusOr<std::string> opened =
        record.ok() ? options_.secrets->Open(record->sealed) : record.status();
    if (!opened.ok() || !access.ParseFromString(*opened)) {
      Log(LogLevel::kWarn, "scheduler", absl::StrCat("cannot open the git credential for ", host));
      return;
    }
    access.set_host(host);
    *assign->mutable_git_access() = std::move(access);
    return;
  }
}

}  // namespace arena
