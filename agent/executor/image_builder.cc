#include "agent/executor/image_builder.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "agent/executor/build_progress.h"
#include "agent/executor/context_tar.h"
#include "common/arch.h"
#include "common/logging.h"
#include "common/status_macros.h"

namespace arena {
namespace {

std::string Platform(const BuildInputs& inputs) { return absl::StrCat("linux/", inputs.arch); }

// True when a local image's "os/arch[/variant]" is `arch` (normalised).
bool PlatformIs(const std::string& platform, const std::string& arch) {
  size_t slash = platform.find('/');
  if (slash == std::string::npos) return false;
  absl::StatusOr<std::string> normalised = NormalizeArch(platform.substr(slash + 1));
  return normalised.ok() && *normalised == arch;
}

std::string Elapsed(absl::Time since) {
  return absl::FormatDuration(absl::Trunc(absl::Now() - since, absl::Milliseconds(10)));
}

// The assignment's logins plus the controller's for the bases' other hosts.
std::vector<RegistryLogin> LoginsFor(const BuildNeed& need, const std::vector<std::string>& bases) {
  std::vector<RegistryLogin> logins = need.logins;
  std::vector<std::string> hosts;
  for (const std::string& base : bases) {
    std::string host = RegistryHost(base);
    bool have = std::any_of(logins.begin(), logins.end(),
                            [&](const RegistryLogin& l) { return l.host == host; });
    if (!have && std::find(hosts.begin(), hosts.end(), host) == hosts.end()) hosts.push_back(host);
  }
  if (hosts.empty() || !need.fetch_logins) return logins;
  for (RegistryLogin& login : need.fetch_logins(hosts)) logins.push_back(std::move(login));
  return logins;
}

// Reports a build's phase: the context bytes sent, the step it is at;
// bytes at most every second, each new step at once.
class BuildReporter {
 public:
  BuildReporter(const BuildNeed& need, std::string tag, int64_t total)
      : need_(need), tag_(std::move(tag)), total_(total) {}
  void Sent(int64_t bytes) {
    sent_ += bytes;
    Report(false);
  }
  void Step(const std::string& step) {
    if (step == step_) return;
    step_ = step;
    Report(true);
  }

 private:
  void Report(bool now) {
    if (!need_.progress || (!now && absl::Now() - last_ < absl::Seconds(1))) return;
    last_ = absl::Now();
    // "Step 3/5 : RUN make" -> "step 3/5".
    std::string step = step_.substr(0, step_.find(" :"));
    need_.progress(step.empty() ? tag_ : absl::StrCat(tag_, " ", absl::AsciiStrToLower(step)),
                   std::min(sent_, total_), total_);
  }
  const BuildNeed& need_;
  const std::string tag_;
  const int64_t total_;
  int64_t sent_ = 0;
  std::string step_;
  absl::Time last_ = absl::InfinitePast();
};

}  // namespace

std::string RegistryConfigFor(const std::vector<std::string>& bases,
                              const std::vector<RegistryLogin>& logins,
                              const std::string& docker_config) {
  std::map<std::string, RegistryLogin> from_file;
  if (!docker_config.empty()) {
    absl::StatusOr<std::map<std::string, RegistryLogin>> read = ReadDockerConfig(docker_config);
    if (read.ok()) from_file = std::move(*read);
  }
  nlohmann::json config = nlohmann::json::object();
  for (const std::string& base : bases) {
    std::string host = RegistryHost(base);
    const RegistryLogin* login = nullptr;
    for (const RegistryLogin& l : logins) {
      if (l.host == host) login = &l;
    }
    auto file = from_file.find(host);
    if (login == nullptr && file != from_file.end()) login = &file->second;
    if (login == nullptr) continue;
    std::string key = host == "docker.io" ? "https://index.docker.io/v1/" : host;
    config[key] = {{"username", login->username}, {"password", login->password}};
  }
  if (config.empty()) return "";
  // base64url with padding, as dockerd's decoder wants it.
  return absl::StrReplaceAll(absl::Base64Escape(config.dump()), {{"+", "-"}, {"/", "_"}});
}

std::map<std::string, std::string> BuildArgsFor(const BuildInputs& inputs,
                                                absl::string_view dockerfile) {
  std::map<std::string, std::string> args = inputs.args;
  size_t slash = inputs.arch.find('/');
  std::string arch = inputs.arch.substr(0, slash);
  std::string variant = slash == std::string::npos ? "" : inputs.arch.substr(slash + 1);
  const std::pair<const char*, std::string> platform_args[] = {{"TARGETPLATFORM", Platform(inputs)},
                                                               {"TARGETOS", "linux"},
                                                               {"TARGETARCH", arch},
                                                               {"TARGETVARIANT", variant}};
  for (const auto& [name, value] : platform_args) {
    if (absl::StrContains(dockerfile, name)) args.emplace(name, value);  // the job's win
  }
  return args;
}

ImageBuilder::ImageBuilder(std::string socket_path, BuildOptions options)
    : socket_path_(std::move(socket_path)), options_(options) {}

absl::StatusOr<ReadyImage> ImageBuilder::Ensure(
    const BuildNeed& need, const std::function<void(absl::string_view)>& say,
    const std::function<void(absl::string_view)>& output, StopSignal* stop) {
  absl::StatusOr<BuildContext> context =
      ScanBuildContext(need.checkout, need.inputs, options_.limits);
  if (!context.ok()) return MarkPermanent(context.status());
  const std::string tag = BuildTag(context->hash, need.inputs.arch);
  DockerClient docker(socket_path_);
  RETURN_IF_ERROR(docker.Connect(absl::Seconds(20)));
  absl::StatusOr<ImageInfo> local = docker.InspectImage(tag);
  if (!local.ok() && !absl::IsNotFound(local.status())) return local.status();
  if (local.ok() && PlatformIs(local->platform, need.inputs.arch)) {
    ++reused_;
    LogLine("build", absl::StrCat("reused ", tag, " for ", Platform(need.inputs)));
    say(absl::StrCat("using ", tag, ", built before from the same inputs (no build)"));
    output(absl::StrCat("arena: reused ", tag, " (", local->id, "), built before from the same ",
                        "Dockerfile, context, args and platform\n"));
    return ReadyImage{*local, absl::StrCat(tag, "@", local->id)};
  }
  say(absl::StrCat("building ", tag, " for ", Platform(need.inputs), " from ",
                   need.inputs.dockerfile, " (", context->entries.size(), " files, ",
                   context->bytes >> 10, " KiB; output: arenactl logs --build)"));
  absl::StatusOr<ImageInfo> built = flights_.Do(
      tag, [&] { return Build(need, *context, tag, output, stop); },
      [&] {
        say(absl::StrCat("waiting for the build of ", tag, " that another task started"));
        if (need.progress) need.progress(absl::StrCat(tag, " (another task's build)"), 0, 0);
        output(absl::StrCat("arena: ", tag, " is being built by another task on this agent; ",
                            "its output is in that task's build log\n"));
      },
      stop);
  if (!built.ok()) return built.status();
  // A new build is Arena's: image GC may remove it once unused.
  return ReadyImage{*built, absl::StrCat(tag, "@", built->id), /*brought=*/true};
}

absl::StatusOr<bool> ImageBuilder::CheckBases(DockerClient& docker, const BuildNeed& need,
                                              const std::vector<std::string>& bases) {
  if (need.pull_policy == "always") return true;
  for (const std::string& base : bases) {
    ASSIGN_OR_RETURN(PullPolicy policy, EffectivePullPolicy(need.pull_policy, base));
    if (policy != PullPolicy::kNever) continue;
    absl::StatusOr<ImageInfo> local = docker.InspectImage(base);
    if (local.ok() && PlatformIs(local->platform, need.inputs.arch)) continue;
    if (!local.ok() && !absl::IsNotFound(local.status())) return local.status();
    return MarkPermanent(absl::FailedPreconditionError(absl::StrCat(
        "base image ", base, " is not on this host for ", Platform(need.inputs),
        local.ok() ? absl::StrCat(" (it has ", local->platform, ")") : "",
        " and its pull policy is never (--pull if-not-present lets the build pull it)")));
  }
  return false;
}

absl::StatusOr<ImageInfo> ImageBuilder::Build(const BuildNeed& need, const BuildContext& context,
                                              const std::string& tag,
                                              const std::function<void(absl::string_view)>& output,
                                              StopSignal* stop) {
  LogLine("build", absl::StrCat("building ", tag, " for ", Platform(need.inputs)));
  DockerClient docker(socket_path_);
  RETURN_IF_ERROR(docker.Connect(absl::Seconds(20)));
  BuildRequest request;
  request.tag = tag;
  request.platform = Platform(need.inputs);
  request.dockerfile = context.dockerfile_path;
  request.args = BuildArgsFor(need.inputs, context.dockerfile_text);
  request.target = need.inputs.target;
  request.timeout = options_.timeout;
  request.labels["arena.build"] = context.hash;  // what Arena brought, for its image GC
  std::vector<std::string> bases = BaseImages(context.dockerfile_text, request.args);
  ASSIGN_OR_RETURN(request.pull, CheckBases(docker, need, bases));
  request.registry_config =
      RegistryConfigFor(bases, LoginsFor(need, bases), options_.docker_config);
  if (!request.registry_config.empty()) {
    LogLine("build", absl::StrCat("build of ", tag, " sends registry credentials for its bases"));
  }
  ContextTar tar(&context.entries);
  BuildProgress progress(output);
  BuildReporter reporter(need, tag, context.bytes);
  absl::Time started = absl::Now();
  absl::Status status = docker.BuildImage(
      request,
      [&](char* out, size_t size) {
        absl::StatusOr<size_t> n = tar.Read(out, size);
        if (n.ok()) reporter.Sent(static_cast<int64_t>(*n));
        return n;
      },
      [&](absl::string_view data) {
        progress.Feed(data);
        reporter.Step(progress.step());
        return !stop->cancelled();
      });
  if (stop->cancelled()) return absl::CancelledError(stop->reason());
  if (absl::IsInvalidArgument(status) && progress.error().empty()) return MarkPermanent(status);
  if (!progress.error().empty()) {
    absl::Status failed = BuildFailure(progress.error(), progress.step());
    LogLine("build", absl::StrCat("", tag, " failed: ", failed.message()));
    return absl::IsUnavailable(failed) ? failed : MarkPermanent(failed);
  }
  RETURN_IF_ERROR(status);
  ASSIGN_OR_RETURN(ImageInfo built, docker.InspectImage(tag));
  if (!PlatformIs(built.platform, need.inputs.arch)) {
    // The classic builder keeps a base image's platform: a base of another
    // architecture makes an image that is not the task's.
    return MarkPermanent(absl::FailedPreconditionError(absl::StrCat(
        "the build made a ", built.platform, " image, not ", Platform(need.inputs),
        ": its base image is of another platform (use a multi-platform base, or ARG TARGETARCH "
        "and FROM base:${TARGETARCH})")));
  }
  LogLine("build", absl::StrCat("built ", tag, " (", built.id, ") in ", Elapsed(started)));
  output(absl::StrCat("arena: built ", tag, " (", built.id, ") in ", Elapsed(started), "\n"));
  return built;
}

}  // namespace arena
