// Makes a task's image present on this host for the task's platform, under
// the job's pull policy, before its container is created. "Present" means
// the name AND the platform (os/arch[/variant]) match: a tag pulled for
// another architecture is pulled again. Pulls go through dockerd's Engine
// API; one pull per (image, platform) runs at a time per agent, and tasks
// asking for the same one meanwhile wait for it and share its outcome.
//
// Failures are typed (see pull_progress.h): refused credentials, an unknown
// name or tag and a missing platform end the attempt at once; transient
// ones (network, 5xx, a stall) are retried with jittered backoff within
// PullOptions::timeout, then reported Unavailable.
//
// Thread-safe. Owned by the DockerExecutor.
#ifndef ARENA_AGENT_EXECUTOR_IMAGE_PULLER_H_
#define ARENA_AGENT_EXECUTOR_IMAGE_PULLER_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "agent/executor/docker_client.h"
#include "agent/executor/executor.h"
#include "agent/executor/registry_auth.h"
#include "agent/executor/single_flight.h"
#include "common/backoff.h"
#include "common/image_ref.h"

namespace arena {

struct PullOptions {
  absl::Duration stall_timeout = absl::Seconds(60);  // no bytes from dockerd
  absl::Duration timeout = absl::Minutes(15);        // every try together
  int max_tries = 5;
  BackoffPolicy backoff{absl::Seconds(1), absl::Seconds(15), 2.0, 0.5, absl::Seconds(30)};
  absl::Duration progress_every = absl::Seconds(1);  // PullWatch::progress
  // The host's Docker config (registry_auth.h); "": none.
  std::string docker_config;
};

struct ImageNeed {
  std::string image;
  std::string arch;  // normalised, as in RunRequest
  PullPolicy policy = PullPolicy::kNever;
  // The controller's credentials sent with the assignment; the pull uses
  // the one for the image's host, else the Docker config's (registry_auth.h).
  std::vector<RegistryLogin> logins;
};

// Where a pull reports to: `say` receives Arena's own lines for the
// attempt's log (without "arena: "): the start, retries, the summary;
// `progress` (optional) the bytes done and announced, about once per
// PullOptions::progress_every, for the task's live status.
struct PullWatch {
  std::function<void(absl::string_view)> say;
  std::function<void(int64_t done, int64_t total)> progress;
};

struct ReadyImage {
  ImageInfo info;  // create the container from info.id: the tag may move
  // What ran: the repo digest of the image's name, else the image id.
  std::string digest;
  // Arena brought it: pulled, and the name did not already hold this image
  // (image GC may remove it later; image_ledger.h).
  bool brought = false;
};

// True for a failure no other agent or later try can fix (refused
// credentials, an unknown name or tag, a platform the image lacks).
bool IsPermanentPullError(const absl::Status& status);
// `status` marked so (a build that fails the same way on every agent).
absl::Status MarkPermanent(absl::Status status);

// The repo digest in `info` for `image`'s name, else the image id.
std::string RanDigest(const ImageInfo& info, const std::string& image);

class ImagePuller {
 public:
  ImagePuller(std::string socket_path, PullOptions options);

  // Error codes: PermissionDenied, NotFound, FailedPrecondition (platform),
  // Unavailable (transient, retried here already), Cancelled.
  absl::StatusOr<ReadyImage> Ensure(const ImageNeed& need, const PullWatch& watch,
                                    StopSignal* stop);
  // Pulls started since construction (a shared pull counts once).
  int pulls_started() const;

 private:
  // The pulled image as inspected right after its pull.
  absl::StatusOr<ImageInfo> PullShared(const ImageNeed& need, const PullWatch& watch,
                                       StopSignal* stop);
  // Pulls and inspects while no other pull of the same name runs: pulls of
  // one name for two platforms move its tag, so each inspects its own.
  absl::StatusOr<ImageInfo> PullAndInspect(const ImageNeed& need, const PullWatch& watch,
                                           StopSignal* stop);
  // `digest` receives the digest the pull reported ("sha256:..."); `auth`
  // is the resolved credential for the image's host.
  absl::Status PullWithRetries(const ImageNeed& need, const ResolvedAuth& auth,
                               const PullWatch& watch, StopSignal* stop, std::string* digest);
  absl::Status PullOnce(const ImageNeed& need, const ResolvedAuth& auth, absl::Duration timeout,
                        const PullWatch& watch, StopSignal* stop, std::string* digest);
  // The typed error for a platform the image lacks, naming those it has.
  absl::Status NoSuchPlatform(const ImageNeed& need, const ResolvedAuth& auth,
                              const std::string& pulled);
  // A failed pull's error as a typed failure. dockerd's answer to an
  // anonymous pull can hide the cause (a loopback registry's 401 turns into
  // an HTTP fallback error), so such an error that looks transient is
  // checked against the registry's answer to a manifest lookup.
  absl::Status TypedPullError(const ImageNeed& need, const ResolvedAuth& auth,
                              const std::string& error);

  const std::string socket_path_;
  const PullOptions options_;
  mutable absl::Mutex mu_;
  SingleFlight<ImageInfo> flights_;  // by image and platform
  // One per image name, held over a pull and the inspect after it; erased
  // once no pull holds or waits for it.
  std::map<std::string, std::shared_ptr<absl::Mutex>> names_ ABSL_GUARDED_BY(mu_);
};

}  // namespace arena

#endif  // ARENA_AGENT_EXECUTOR_IMAGE_PULLER_H_
