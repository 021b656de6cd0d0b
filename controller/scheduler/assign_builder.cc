#include "controller/scheduler/assign_builder.h"

#include <algorithm>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "common/image_ref.h"
#include "common/logging.h"
#include "controller/auth/secret_box.h"
#include "controller/scheduler/dispatch_queue.h"
#include "controller/scheduler/fan_out.h"
#include "controller/spec/services.h"

namespace arena {
namespace {

// The services beside it: each image for the task's architecture, with
// its pull policy resolved as the test image's is.
void SetServices(const v1::JobSpec& spec, const std::string& arch, v1::Assign* assign) {
  for (const v1::Service& service : spec.services()) {
    v1::Service* out = assign->add_services();
    *out = service;
    out->set_image(ServiceImageForArch(service, arch));
    absl::StatusOr<PullPolicy> pull = EffectivePullPolicy(spec.pull_policy(), out->image());
    out->set_pull_policy(PullPolicyName(pull.ok() ? *pull : PullPolicy::kNever));
  }
}

// The container: image, pull policy, build, limits, network, user.
void SetContainer(const v1::JobSpec& spec, const v1::Task& task, v1::Assign* assign) {
  assign->set_image(task.image().empty() ? spec.image() : task.image());
  // Validated at submit; a stored job from before pull policies gets the
  // default for its image.
  absl::StatusOr<PullPolicy> pull = EffectivePullPolicy(spec.pull_policy(), assign->image());
  assign->set_pull_policy(PullPolicyName(pull.ok() ? *pull : PullPolicy::kNever));
  if (spec.has_build()) SetBuild(spec, assign);
  assign->set_memory_mb(spec.resources().memory_mb());
  assign->set_disk_mb(spec.resources().disk_mb());
  assign->set_cpus(spec.resources().cpus());
  assign->set_pids(spec.resources().pids());
  assign->set_network(spec.network());
  assign->set_user(spec.user());
  SetServices(spec, task.arch(), assign);
}

// What runs: the command, its environment, checkout, files, test identity.
void SetWork(const v1::Job& job, const v1::Task& task, v1::Assign* assign) {
  const v1::JobSpec& spec = job.spec();
  *assign->mutable_command() = task.command_size() > 0 ? task.command() : spec.command();
  *assign->mutable_artifacts() = spec.artifacts();
  // The list step prints ids; the report is the tests' own.
  if (task.kind() != v1::TASK_KIND_LIST) *assign->mutable_junit() = spec.junit();
  if (task.kind() == v1::TASK_KIND_TEST) {
    const auto& destructive = spec.destructive_tests();
    assign->set_destructive(std::find(destructive.begin(), destructive.end(), task.test_id()) !=
                            destructive.end());
    assign->set_session(WarmContainerKey(job.id(), task.arch()));
  }
  *assign->mutable_env() = spec.env();
  if (!task.suite().empty()) (*assign->mutable_env())["ARENA_SUITE"] = task.suite();
  if (!task.test_id().empty()) (*assign->mutable_env())["ARENA_TEST"] = task.test_id();
  assign->set_repo(spec.repo());
  assign->set_commit(spec.commit());
  assign->set_timeout_ms(spec.timeout_ms());
  // A test by itself: its test timeout, and the runner's start.
  if (task.kind() == v1::TASK_KIND_TEST && spec.test_timeout_ms() > 0) {
    assign->set_timeout_ms(std::min(spec.test_timeout_ms() + RunnerStartMs(spec.test_timeout_ms()),
                                    JobTimeoutMs(spec)));
  }
}

void SetSecrets(const v1::Job& job, const SecretBox* secrets, v1::Assign* assign) {
  if (job.spec().sealed_secrets().empty() || secrets == nullptr) return;
  absl::StatusOr<std::string> opened = secrets->Open(job.spec().sealed_secrets());
  v1::SecretValues values;
  if (opened.ok() && values.ParseFromString(*opened)) {
    *assign->mutable_secrets() = values.values();
  } else {
    Log(LogLevel::kWarn, "scheduler", absl::StrCat("cannot open the secrets of job ", job.id()));
  }
}

}  // namespace

v1::Assign BuildAssign(const v1::Job& job, const v1::Task& task, const AssignOptions& options,
                       const SecretBox* secrets) {
  v1::Assign assign;
  assign.set_attempt_id(options.attempt_id);
  assign.set_task_id(task.id());
  assign.set_job_id(job.id());
  assign.set_arch(task.arch());
  SetContainer(job.spec(), task, &assign);
  SetWork(job, task, &assign);
  assign.set_max_log_bytes(options.max_log_bytes);
  assign.set_attempt_number(task.attempts_size() + 1);
  SetSecrets(job, secrets, &assign);
  return assign;
}

}  // namespace arena
