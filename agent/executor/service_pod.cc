#include "agent/executor/service_pod.h"

#include <algorithm>
#include <cmath>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "agent/executor/container_spec.h"
#include "agent/executor/docker_client.h"
#include "agent/executor/pod_probe.h"
#include "common/logging.h"
#include "common/service_probe.h"
#include "common/status_macros.h"

namespace arena {
namespace {

constexpr absl::Duration kFirstRetry = absl::Milliseconds(100);
constexpr absl::Duration kMaxRetry = absl::Seconds(1);
constexpr absl::Duration kProbeTimeout = absl::Seconds(2);
constexpr size_t kProbeOutputKept = 240;

std::string Seconds(absl::Duration d) {
  return absl::StrFormat("%g s", absl::ToDoubleMilliseconds(d) < 10000
                                     ? std::round(absl::ToDoubleSeconds(d) * 10) / 10
                                     : std::round(absl::ToDoubleSeconds(d)));
}

// An http probe run in the service by its own wget or curl (for an agent
// that may not join the pod's network namespace); the URL is one quoted word.
std::string HttpByExec(const ServiceRequest& service) {
  std::string url = absl::StrCat("http://127.0.0.1:", service.port, service.http_path);
  std::string quoted = absl::StrCat("'", absl::StrReplaceAll(url, {{"'", "'\\''"}}), "'");
  return absl::StrCat(
      "u=", quoted,
      "; if command -v wget >/dev/null 2>&1; then wget -q -O /dev/null \"$u\"; "
      "elif command -v curl >/dev/null 2>&1; then curl -fsS -o /dev/null \"$u\"; "
      "else echo 'http probe: the image has neither wget nor curl, and the agent may not enter "
      "the pod (CAP_SYS_ADMIN, CAP_SYS_PTRACE); use ready tcp or exec'; exit 127; fi");
}

// The last line of a probe's output, for its failure.
std::string LastLine(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  size_t newline = text.rfind('\n');
  return newline == std::string::npos ? text : text.substr(newline + 1);
}

}  // namespace

struct ServicePod::Member {
  ServiceRequest spec;
  std::string id;
  PodImage image;
  std::thread output;
  std::thread waiter;
};

ServicePod::ServicePod(std::string socket_path, std::string agent_id, const RunRequest& request,
                       RunObserver* observer)
    : socket_path_(std::move(socket_path)),
      agent_id_(std::move(agent_id)),
      request_(request),
      observer_(observer) {}

ServicePod::~ServicePod() { Stop(); }

void ServicePod::Say(const std::string& line) {
  absl::MutexLock lock(&mu_);
  if (observer_ != nullptr) observer_->OnOutput(3, absl::StrCat("arena: ", line, "\n"));
}

void ServicePod::Output(const std::string& channel, absl::string_view data) {
  absl::MutexLock lock(&mu_);
  if (observer_ != nullptr) observer_->OnChannelOutput(channel, data);
}

void ServicePod::SetObserver(RunObserver* observer) {
  absl::MutexLock lock(&mu_);
  observer_ = observer;
}

absl::Status ServicePod::Start(const PodImageSource& images, StopSignal* stop) {
  for (const ServiceRequest& service : request_.services) {
    members_.push_back(std::make_unique<Member>());
    members_.back()->spec = service;
    absl::Status started = StartOne(*members_.back(), images, stop);
    if (!started.ok()) return started;
  }
  return absl::OkStatus();
}

absl::Status ServicePod::StartOne(Member& member, const PodImageSource& images, StopSignal* stop) {
  const ServiceRequest& service = member.spec;
  Say(absl::StrCat("service ", service.name, ": starting ", service.image));
  absl::StatusOr<PodImage> image = images(service, stop);
  if (!image.ok()) {
    // Kept: the payload that marks a pull failure no retry can fix.
    absl::Status named(image.status().code(),
                       absl::StrCat("service ", service.name, ": ", image.status().message()));
    image.status().ForEachPayload([&named](absl::string_view url, const absl::Cord& payload) {
      named.SetPayload(url, payload);
    });
    return named;
  }
  member.image = std::move(*image);
  absl::Time started = absl::Now();
  absl::Status status = CreateAndStart(member);
  if (!status.ok()) {
    return absl::UnavailableError(
        absl::StrCat("service ", service.name, ": cannot start: ", status.message()));
  }
  status = AwaitReady(member, stop);
  if (!status.ok()) return status;
  Say(absl::StrCat("service ", service.name, ": ready after ", Seconds(absl::Now() - started)));
  return absl::OkStatus();
}

absl::Status ServicePod::CreateAndStart(Member& member) {
  DockerClient docker(socket_path_);
  absl::Status status = docker.Connect(absl::Seconds(5));
  if (!status.ok()) return status;
  RunRequest base = request_;
  base.attempt_id = absl::StrCat(request_.attempt_id, "-", member.spec.name);
  base.command = member.spec.command;
  base.env = member.spec.env;
  base.user.clear();  // the image's own user
  ContainerSpec spec = ContainerSpecFor(base, agent_id_, "");
  spec.image = member.image.id;
  spec.labels["arena.attempt"] = request_.attempt_id;
  spec.labels["arena.service"] = member.spec.name;
  if (members_.front().get() == &member) {
    for (const ServiceRequest& s : request_.services) {
      spec.extra_hosts.push_back(absl::StrCat(s.name, ":127.0.0.1"));
    }
  } else {
    spec.network_mode = network_mode();
  }
  absl::StatusOr<std::string> id = docker.CreateContainer(spec);
  if (!id.ok()) return id.status();
  member.id = *id;
  // Shared: the output thread outlives this call.
  auto attached = std::make_shared<absl::Notification>();
  std::string channel = ServiceLogChannel(member.spec.name);
  member.output = std::thread([this, attached, channel, id = *id] {
    DockerClient attach(socket_path_);
    attach.Connect().IgnoreError();
    absl::Status followed = attach.AttachOutput(
        id, [this, &channel](int, absl::string_view data) { Output(channel, data); },
        [&attached] { attached->Notify(); });
    if (!attached->HasBeenNotified()) attached->Notify();
    if (!followed.ok()) {
      LogLine("docker", absl::StrCat("service output of ", id, ": ", followed.message()));
    }
  });
  attached->WaitForNotification();
  status = docker.StartContainer(member.id);
  if (!status.ok()) return status;
  member.waiter = std::thread([this, &member] { WatchExit(member); });
  return absl::OkStatus();
}

void ServicePod::WatchExit(Member& member) {
  DockerClient docker(socket_path_);
  docker.Connect().IgnoreError();
  absl::StatusOr<int> code = docker.WaitContainer(member.id);
  std::string victim;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_ || !failure_.empty()) return;
    failure_ = code.ok()
                   ? absl::StrCat("service ", member.spec.name, " exited with code ", *code)
                   : absl::StrCat("lost service ", member.spec.name, ": ", code.status().message());
    victim = stop_on_failure_;
  }
  if (!victim.empty()) docker.StopContainer(victim, 0).IgnoreError();
}

absl::Status ServicePod::AwaitReady(Member& member, StopSignal* stop) {
  const ServiceRequest& service = member.spec;
  absl::Time deadline = absl::Now() + service.ready_timeout;
  absl::Duration wait = kFirstRetry;
  DockerClient docker(socket_path_);
  RETURN_IF_ERROR(docker.Connect(absl::Seconds(5)));
  std::string last;
  while (true) {
    absl::StatusOr<ContainerState> state = docker.InspectState(member.id);
    if (!state.ok())
      return absl::UnavailableError(
          absl::StrCat("service ", service.name, ": ", state.status().message()));
    if (!state->running) {
      return absl::UnavailableError(absl::StrCat("service ", service.name, " exited with code ",
                                                 state->exit_code, " before it was ready"));
    }
    absl::Status probe = ProbeOnce(member, state->pid, state->health);
    if (probe.ok()) return absl::OkStatus();
    if (absl::IsFailedPrecondition(probe)) {
      return absl::FailedPreconditionError(
          absl::StrCat("service ", service.name, ": ", probe.message()));
    }
    last = std::string(probe.message());
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(absl::StrCat("service ", service.name, " not ready after ",
                                                      Seconds(service.ready_timeout), " (", last,
                                                      ")"));
    }
    if (stop->WaitUntil(std::min(absl::Now() + wait, deadline))) {
      return absl::CancelledError(stop->reason());
    }
    wait = std::min(wait * 2, kMaxRetry);
  }
}

absl::Status ServicePod::ProbeOnce(const Member& member, int pid, const std::string& health) {
  const ServiceRequest& service = member.spec;
  switch (service.probe) {
    case ServiceRequest::Probe::kTcp: {
      absl::Status status = ProbeTcp(pid, service.port, kProbeTimeout);
      if (status.ok() || absl::IsFailedPrecondition(status)) return status;
      return absl::UnavailableError(absl::StrCat("tcp ", service.port, ": ", status.message()));
    }
    case ServiceRequest::Probe::kHttp: {
      absl::Status status = ProbeHttp(pid, service.port, service.http_path, kProbeTimeout);
      // An agent that cannot join the pod asks the service itself.
      if (absl::IsFailedPrecondition(status)) return ProbeByExec(member, HttpByExec(service));
      if (status.ok()) return status;
      return absl::UnavailableError(
          absl::StrCat("http ", service.port, service.http_path, ": ", status.message()));
    }
    case ServiceRequest::Probe::kExec:
      return ProbeByExec(member, service.exec);
    case ServiceRequest::Probe::kNone:
      break;
  }
  // The image's HEALTHCHECK, when it has one; else started is ready.
  if (health.empty() || health == "healthy") return absl::OkStatus();
  return absl::UnavailableError(absl::StrCat("its HEALTHCHECK says ", health));
}

absl::Status ServicePod::ProbeByExec(const Member& member, const std::string& command) {
  DockerClient docker(socket_path_);
  RETURN_IF_ERROR(docker.Connect());
  ExecSpec exec;
  exec.command = {"sh", "-c", command};
  absl::StatusOr<std::string> exec_id = docker.CreateExec(member.id, exec);
  if (!exec_id.ok()) return absl::UnavailableError(exec_id.status().message());
  std::string output;
  absl::Status ran = docker.StartExec(*exec_id, [&output](int, absl::string_view data) {
    output.append(data.data(), data.size());
    if (output.size() > 4 * kProbeOutputKept) output.erase(0, output.size() - kProbeOutputKept);
  });
  absl::StatusOr<int> code = ran.ok() ? docker.ExecExitCode(*exec_id) : absl::StatusOr<int>(ran);
  if (!code.ok()) return absl::UnavailableError(code.status().message());
  if (*code == 0) return absl::OkStatus();
  std::string line = LastLine(output);
  if (line.size() > kProbeOutputKept) line = line.substr(line.size() - kProbeOutputKept);
  return absl::UnavailableError(
      absl::StrCat("exec exited with code ", *code, line.empty() ? "" : ": ", line));
}

std::string ServicePod::network_mode() const {
  return absl::StrCat("container:", members_.front()->id);
}

void ServicePod::StopOnFailure(const std::string& container_id) {
  bool failed;
  {
    absl::MutexLock lock(&mu_);
    stop_on_failure_ = container_id;
    failed = !failure_.empty();
  }
  if (failed) {
    DockerClient docker(socket_path_);
    if (docker.Connect().ok()) docker.StopContainer(container_id, 0).IgnoreError();
  }
}

std::string ServicePod::failure() const {
  absl::MutexLock lock(&mu_);
  return failure_;
}

void ServicePod::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  int grace = static_cast<int>(std::max<int64_t>(0, absl::ToInt64Seconds(request_.stop_grace)));
  std::vector<std::thread> stoppers;
  for (const std::unique_ptr<Member>& member : members_) {
    if (member->id.empty()) continue;
    stoppers.emplace_back([this, grace, id = member->id] {
      DockerClient docker(socket_path_);
      if (!docker.Connect(absl::Seconds(5)).ok()) return;
      docker.StopContainer(id, grace).IgnoreError();
      absl::Status removed = docker.RemoveContainer(id);
      if (!removed.ok()) Log(LogLevel::kWarn, "docker", removed.ToString());
    });
  }
  for (std::thread& t : stoppers) t.join();
  for (const std::unique_ptr<Member>& member : members_) {
    if (member->output.joinable()) member->output.join();
    if (member->waiter.joinable()) member->waiter.join();
  }
  members_.clear();  // their image leases end
}

void NotePodFailure(const ServicePod& pod, RunObserver* observer, RunResult* result) {
  std::string failure = pod.failure();
  if (failure.empty() || result->outcome != RunResult::Outcome::kExited) return;
  result->outcome = RunResult::Outcome::kError;
  result->reason = failure;
  observer->OnOutput(3, absl::StrCat("arena: ", failure, "\n"));
}

}  // namespace arena
