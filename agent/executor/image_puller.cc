#include "agent/executor/image_puller.h"

#include <algorithm>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "agent/executor/pull_progress.h"
#include "common/arch.h"
#include "common/logging.h"
#include "common/status_macros.h"

namespace arena {
namespace {

// True when a local image's "os/arch[/variant]" is the task's architecture.
bool PlatformMatches(const std::string& platform, const std::string& arch) {
  size_t slash = platform.find('/');
  if (slash == std::string::npos) return false;
  absl::StatusOr<std::string> normalised = NormalizeArch(platform.substr(slash + 1));
  return normalised.ok() && *normalised == arch;
}

std::string MiB(int64_t bytes) { return absl::StrFormat("%.1f MiB", bytes / 1048576.0); }

std::string PullTarget(const ImageNeed& need) { return absl::StrCat("linux/", need.arch); }

constexpr char kPermanent[] = "arena.dev/pull-permanent";

absl::Status Permanent(absl::Status status) {
  if (absl::IsPermissionDenied(status) || absl::IsNotFound(status) ||
      absl::IsFailedPrecondition(status)) {
    status.SetPayload(kPermanent, absl::Cord("1"));
  }
  return status;
}

}  // namespace

bool IsPermanentPullError(const absl::Status& status) {
  return status.GetPayload(kPermanent).has_value();
}

absl::Status MarkPermanent(absl::Status status) {
  if (!status.ok()) status.SetPayload(kPermanent, absl::Cord("1"));
  return status;
}

std::string RanDigest(const ImageInfo& info, const std::string& image) {
  std::string name = ParseImageRef(image).name;
  for (const std::string& digest : info.repo_digests) {
    if (absl::StartsWith(digest, absl::StrCat(name, "@"))) return digest;
  }
  return info.id;
}

ImagePuller::ImagePuller(std::string socket_path, PullOptions options)
    : socket_path_(std::move(socket_path)), options_(options) {}

int ImagePuller::pulls_started() const { return flights_.started(); }

absl::StatusOr<ReadyImage> ImagePuller::Ensure(const ImageNeed& need, const PullWatch& watch,
                                               StopSignal* stop) {
  DockerClient docker(socket_path_);
  absl::Status status = docker.Connect(absl::Seconds(20));
  if (!status.ok()) return status;
  absl::StatusOr<ImageInfo> local = docker.InspectImage(need.image);
  if (!local.ok() && !absl::IsNotFound(local.status())) return local.status();
  bool present = local.ok() && PlatformMatches(local->platform, need.arch);
  bool pull =
      need.policy == PullPolicy::kAlways || (need.policy == PullPolicy::kIfNotPresent && !present);
  if (!pull) {
    if (present) return ReadyImage{*local, RanDigest(*local, need.image)};
    if (!local.ok()) {
      return absl::NotFoundError(
          absl::StrCat("image ", need.image, " not found on this host (pull policy never)"));
    }
    return absl::FailedPreconditionError(absl::StrCat("image ", need.image, " is built for ",
                                                      local->platform, " but the task runs on ",
                                                      PullTarget(need), " (pull policy never)"));
  }
  absl::StatusOr<ImageInfo> pulled = PullShared(need, watch, stop);
  if (!pulled.ok()) return Permanent(pulled.status());
  bool brought = !local.ok() || local->id != pulled->id;
  return ReadyImage{*pulled, RanDigest(*pulled, need.image), brought};
}

absl::StatusOr<ImageInfo> ImagePuller::PullAndInspect(const ImageNeed& need, const PullWatch& watch,
                                                      StopSignal* stop) {
  std::shared_ptr<absl::Mutex> name_mu;
  {
    absl::MutexLock lock(&mu_);
    std::shared_ptr<absl::Mutex>& slot = names_[need.image];
    if (slot == nullptr) slot = std::make_shared<absl::Mutex>();
    name_mu = slot;
  }
  // The name's entry goes once no pull of it holds or waits for it.
  absl::Cleanup forget = [this, &need, &name_mu] {
    absl::MutexLock lock(&mu_);
    auto it = names_.find(need.image);
    if (it != names_.end() && it->second == name_mu && name_mu.use_count() == 2) names_.erase(it);
  };
  absl::MutexLock name_lock(name_mu.get());
  const std::string host = RegistryHost(need.image);
  ResolvedAuth auth = ResolveRegistryAuth(host, need.logins, options_.docker_config);
  LogLine("pull",
          absl::StrCat("credentials for ", host, ": ", auth.source,
                       auth.username.empty() ? "" : absl::StrCat(" (", auth.username, ")")));
  std::string digest;
  absl::Status status = PullWithRetries(need, auth, watch, stop, &digest);
  if (absl::IsFailedPrecondition(status)) return NoSuchPlatform(need, auth, "");
  if (!status.ok()) return status;
  DockerClient docker(socket_path_);
  RETURN_IF_ERROR(docker.Connect(absl::Seconds(20)));
  absl::StatusOr<ImageInfo> local = docker.InspectImage(need.image);
  if (!local.ok()) return local.status();
  // A single-platform image is pulled whatever its platform: check again.
  if (!PlatformMatches(local->platform, need.arch)) {
    return NoSuchPlatform(need, auth, local->platform);
  }
  // Docker keeps a name@digest reference on the first image it pulled for
  // it: for the second platform of a multi-arch name, RepoDigests does not
  // have it. The digest the pull reported does.
  if (!digest.empty()) {
    local->repo_digests.insert(local->repo_digests.begin(),
                               absl::StrCat(ParseImageRef(need.image).name, "@", digest));
  }
  return local;
}

absl::Status ImagePuller::NoSuchPlatform(const ImageNeed& need, const ResolvedAuth& auth,
                                         const std::string& pulled) {
  DockerClient docker(socket_path_);
  std::vector<std::string> platforms;
  if (docker.Connect().ok()) {
    absl::StatusOr<std::vector<std::string>> listed =
        docker.RegistryPlatforms(need.image, auth.header);
    if (listed.ok()) platforms = *listed;
  }
  if (platforms.empty() && !pulled.empty()) platforms.push_back(pulled);
  std::string has = platforms.empty() ? "unknown" : absl::StrJoin(platforms, ", ");
  return absl::FailedPreconditionError(
      absl::StrCat("image ", need.image, " has no ", PullTarget(need), " (it has ", has, ")"));
}

absl::StatusOr<ImageInfo> ImagePuller::PullShared(const ImageNeed& need, const PullWatch& watch,
                                                  StopSignal* stop) {
  return flights_.Do(
      absl::StrCat(need.image, " ", PullTarget(need)),
      [&] { return PullAndInspect(need, watch, stop); },
      [&] {
        watch.say(absl::StrCat("waiting for the pull of ", need.image, " for ", PullTarget(need),
                               " that another task started"));
      },
      stop);
}

absl::Status ImagePuller::PullWithRetries(const ImageNeed& need, const ResolvedAuth& auth,
                                          const PullWatch& watch, StopSignal* stop,
                                          std::string* digest) {
  const absl::Time deadline = absl::Now() + options_.timeout;
  Backoff backoff(options_.backoff);
  absl::Status status;
  for (int tries = 1;; ++tries) {
    LogLine("pull", absl::StrCat("pulling ", need.image, " for ", PullTarget(need), " (try ", tries,
                                 ", policy ", PullPolicyName(need.policy), ")"));
    status = PullOnce(need, auth, deadline - absl::Now(), watch, stop, digest);
    if (status.ok() || !absl::IsUnavailable(status)) return status;
    absl::Duration delay = backoff.Next();
    if (tries >= options_.max_tries || absl::Now() + delay >= deadline) break;
    watch.say(absl::StrCat(status.message(), "; retrying in ",
                           absl::FormatDuration(absl::Trunc(delay, absl::Milliseconds(100)))));
    if (stop->WaitUntil(absl::Now() + delay)) return absl::CancelledError(stop->reason());
  }
  return absl::UnavailableError(
      absl::StrCat(status.message(), " (gave up after the pull's retries)"));
}

absl::Status ImagePuller::PullOnce(const ImageNeed& need, const ResolvedAuth& auth,
                                   absl::Duration timeout, const PullWatch& watch, StopSignal* stop,
                                   std::string* digest) {
  const std::string host = RegistryHost(need.image);
  ImageRef ref = ParseImageRef(need.image);
  PullRequest request;
  request.name = ref.name;
  request.tag = !ref.digest.empty() ? ref.digest : (ref.tag.empty() ? "latest" : ref.tag);
  // Given a platform, dockerd fetches the image config before any layer
  // (about 90 ms more per pull here, bench B7); without one it pulls the
  // native platform, which the inspect after the pull checks again.
  request.platform = need.arch == NativeArch() ? "" : PullTarget(need);
  request.registry_auth = auth.header;
  request.stall_timeout = options_.stall_timeout;
  request.timeout = std::max(timeout, absl::Seconds(1));
  watch.say(absl::StrCat("pulling ", need.image, " for ", PullTarget(need), " from ", host));
  DockerClient docker(socket_path_);
  absl::Status status = docker.Connect(absl::Seconds(20));
  if (!status.ok()) return status;
  PullProgress progress;
  absl::Time started = absl::Now();
  absl::Time last_said = started;
  int retries_said = 0;
  status = docker.PullImage(request, [&](absl::string_view data) {
    progress.Feed(data);
    if (progress.retries() > retries_said) {
      retries_said = progress.retries();
      watch.say(absl::StrCat("pulling ", need.image,
                             ": a layer download broke off; dockerd is retrying it"));
    }
    if (watch.progress && absl::Now() - last_said >= options_.progress_every) {
      last_said = absl::Now();
      watch.progress(progress.done_bytes(), progress.total_bytes());
    }
    return !stop->cancelled();
  });
  if (stop->cancelled()) return absl::CancelledError(stop->reason());
  std::string error = !status.ok() && !absl::IsUnavailable(status) ? std::string(status.message())
                                                                   : progress.error();
  if (!error.empty()) return TypedPullError(need, auth, error);
  if (!status.ok()) return status;
  *digest = progress.digest();
  watch.say(absl::StrCat(
      "pulled ", need.image, " for ", PullTarget(need), ": ", MiB(progress.done_bytes()), " in ",
      absl::FormatDuration(absl::Trunc(absl::Now() - started, absl::Milliseconds(10)))));
  return absl::OkStatus();
}

absl::Status ImagePuller::TypedPullError(const ImageNeed& need, const ResolvedAuth& auth,
                                         const std::string& error) {
  const std::string host = RegistryHost(need.image);
  absl::Status typed = ClassifyPullError(error, host, need.image);
  // Only for an anonymous pull: with credentials dockerd names a refusal
  // itself ("unauthorized"), and an error that looks transient is retried.
  if (absl::IsUnavailable(typed) && auth.header.empty()) {
    DockerClient docker(socket_path_);
    absl::StatusOr<std::vector<std::string>> lookup =
        docker.Connect().ok() ? docker.RegistryPlatforms(need.image, auth.header)
                              : absl::UnavailableError("dockerd");
    if (!lookup.ok()) {
      absl::Status second = ClassifyPullError(lookup.status().message(), host, need.image);
      if (absl::IsPermissionDenied(second) || absl::IsNotFound(second)) typed = second;
    }
  }
  if (absl::IsPermissionDenied(typed) && auth.header.empty()) {
    return absl::PermissionDeniedError(
        absl::StrCat(typed.message(), " (none were given: arenactl registry login ", host, ")"));
  }
  return typed;
}

}  // namespace arena
