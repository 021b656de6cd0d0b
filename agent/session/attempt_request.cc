#include "agent/session/attempt_request.h"

#include "absl/strings/str_cat.h"
#include "agent/workspace/workspace.h"
#include "common/ids.h"
#include "common/image_ref.h"
#include "common/logging.h"
#include "common/service_probe.h"

namespace arena {
namespace {

// Clones the attempt's repo with its host's credential, if any.
WorkspaceMaker WorkspaceMakerFor(const v1::Assign& assign, const RunRequestContext& context) {
  CloneOptions clone;
  clone.allow_local = context.allow_local_repos;
  const v1::GitAccess& access = assign.git_access();
  clone.credential = {access.host(),    access.username(),    access.password(),
                      access.ssh_key(), access.known_hosts(), access.ca_pem()};
  std::string work_dir = context.work_dir;
  std::string git_dir = absl::StrCat(context.state_dir, "/git");
  std::shared_ptr<std::atomic<bool>> refused = context.clone_refused;
  if (!clone.credential.empty()) {
    LogLine("session", absl::StrCat("cloning ", assign.repo(),
                                    " with the controller's credential for ", access.host()));
  }
  return [work_dir, git_dir, clone, assign,
          refused](const std::function<void(absl::string_view)>& output) {
    // A name per checkout: a warm container keeps its own for its life.
    std::string name = NewId("att-ws");
    CloneOptions options = clone;
    options.credential_dir = absl::StrCat(git_dir, "/", name);
    absl::StatusOr<std::string> made =
        PrepareWorkspace(work_dir, name, assign.repo(), assign.commit(), options, output);
    if (absl::IsUnauthenticated(made.status()) && refused != nullptr) refused->store(true);
    return made;
  };
}

void SetEnvironment(const v1::Assign& assign, RunRequest* request) {
  request->env.insert(assign.env().begin(), assign.env().end());
  // Who and where, for the test's own reports (set last: Arena's win).
  request->env["ARENA_JOB_ID"] = assign.job_id();
  request->env["ARENA_TASK_ID"] = assign.task_id();
  request->env["ARENA_ATTEMPT_ID"] = assign.attempt_id();
  request->env["ARENA_ATTEMPT"] = absl::StrCat(assign.attempt_number());
  request->env["ARENA_ARCH"] = assign.arch();
  for (const auto& [name, value] : assign.secrets()) request->env[name] = value;
}

void SetBuild(const v1::Assign& assign, RunRequest* request) {
  const v1::BuildSpec& build = assign.build();
  request->build.enabled = true;
  request->build.dockerfile = build.dockerfile().empty() ? "Dockerfile" : build.dockerfile();
  request->build.context = build.context().empty() ? "." : build.context();
  request->build.args.insert(build.args().begin(), build.args().end());
  request->build.target = build.target();
  request->build.pull_policy = assign.pull_policy();
}

// Checked by the controller at submit; what does not parse here (a newer
// or broken controller) becomes a probe that cannot pass, named in the
// attempt's error rather than a service let through unprobed.
ServiceRequest ServiceRequestFor(const v1::Service& service) {
  ServiceRequest out;
  out.name = service.name();
  out.image = service.image();
  absl::StatusOr<PullPolicy> policy = ParsePullPolicy(service.pull_policy());
  out.pull_policy = policy.ok() ? *policy : PullPolicy::kNever;
  out.command.assign(service.command().begin(), service.command().end());
  out.env.insert(service.env().begin(), service.env().end());
  if (service.ready_timeout_ms() > 0)
    out.ready_timeout = absl::Milliseconds(service.ready_timeout_ms());
  const v1::ReadyProbe& ready = service.ready();
  if (ready.has_tcp()) {
    out.probe = ServiceRequest::Probe::kTcp;
    out.port = ready.tcp();
  } else if (ready.has_http()) {
    out.probe = ServiceRequest::Probe::kHttp;
    absl::StatusOr<HttpProbeTarget> target = ParseHttpProbe(ready.http());
    out.port = target.ok() ? target->port : 0;
    out.http_path = target.ok() ? target->path : "/";
  } else if (ready.has_exec()) {
    out.probe = ServiceRequest::Probe::kExec;
    out.exec = ready.exec();
  }
  return out;
}

}  // namespace

std::string FilesDirFor(const v1::Assign& assign, const std::string& spool_dir) {
  if (assign.artifacts().empty() && assign.junit().empty()) return "";
  return absl::StrCat(spool_dir, "/", assign.attempt_id(), ".files");
}

RunRequest RunRequestFor(const v1::Assign& assign, const RunRequestContext& context) {
  RunRequest request;
  request.attempt_id = assign.attempt_id();
  request.task_id = assign.task_id();
  request.job_id = assign.job_id();
  request.arch = assign.arch();
  request.image = assign.image();
  // The controller resolves the job's policy for the image; an older
  // controller sends none, and agents then kept to present images.
  absl::StatusOr<PullPolicy> policy = ParsePullPolicy(assign.pull_policy());
  request.pull_policy = policy.ok() ? *policy : PullPolicy::kNever;
  for (const v1::RegistryAuth& auth : assign.registry_auths()) {
    request.registry_logins.push_back({auth.host(), auth.username(), auth.password()});
  }
  request.command.assign(assign.command().begin(), assign.command().end());
  SetEnvironment(assign, &request);
  if (assign.timeout_ms() > 0) request.timeout = absl::Milliseconds(assign.timeout_ms());
  request.memory_mb = assign.memory_mb();
  request.cpus = assign.cpus();
  request.pids = assign.pids();
  request.disk_mb = assign.disk_mb();
  if (!assign.network().empty()) request.network = assign.network();
  request.user = assign.user();
  request.artifacts.assign(assign.artifacts().begin(), assign.artifacts().end());
  request.junit.assign(assign.junit().begin(), assign.junit().end());
  request.files_dir = context.files_dir;
  request.max_file_bytes = context.max_file_bytes;
  request.warm_key = assign.session();
  request.destructive = assign.destructive();
  for (const v1::Service& service : assign.services()) {
    request.services.push_back(ServiceRequestFor(service));
  }
  if (assign.has_build()) {
    SetBuild(assign, &request);
    request.fetch_base_logins = context.fetch_base_logins;
  }
  if (!assign.repo().empty()) request.make_workspace = WorkspaceMakerFor(assign, context);
  return request;
}

std::vector<std::string> MaskedValues(const v1::Assign& assign) {
  std::vector<std::string> values;
  for (const auto& [name, value] : assign.secrets()) values.push_back(value);
  if (!assign.git_access().password().empty()) values.push_back(assign.git_access().password());
  for (const v1::RegistryAuth& auth : assign.registry_auths()) values.push_back(auth.password());
  return values;
}

}  // namespace arena
