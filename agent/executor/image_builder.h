// Builds a task's image from its checkout through dockerd's Engine API
// (POST /build with the task's platform; RUN steps of another architecture
// run under qemu emulation) and tags it by the hash of everything the build
// reads (build_context.h), so an unchanged context is reused with no build:
// an image with that tag AND the task's platform present on this host is
// the image. One build per tag (hash and platform) runs at a time; tasks
// asking for the same one meanwhile wait for it and share its outcome.
//
// The classic builder has no automatic platform args: the agent passes
// TARGETPLATFORM, TARGETOS, TARGETARCH and TARGETVARIANT as BuildKit sets
// them (those the Dockerfile mentions and the job does not set), so
// `ARG TARGETARCH` / `FROM base:${TARGETARCH}` picks a per-platform base.
// Base images: a base whose pull policy is `never` (the default for names
// without a registry host) must be present for the platform; `always` (the
// job's) pulls every base; otherwise dockerd pulls what is missing. The
// controller's registry credentials go only to the hosts FROM lines name.
//
// Thread-safe. Owned by the DockerExecutor.
#ifndef ARENA_AGENT_EXECUTOR_IMAGE_BUILDER_H_
#define ARENA_AGENT_EXECUTOR_IMAGE_BUILDER_H_

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agent/executor/build_context.h"
#include "agent/executor/docker_client.h"
#include "agent/executor/executor.h"
#include "agent/executor/image_puller.h"
#include "agent/executor/registry_auth.h"
#include "agent/executor/single_flight.h"

namespace arena {

struct BuildOptions {
  ContextLimits limits;
  absl::Duration timeout = absl::Hours(1);  // one build
  // The agent's Docker config (--docker-config): its entry for a base
  // image's host is used when the controller sent none for it.
  std::string docker_config;
};

struct BuildNeed {
  std::string checkout;  // the attempt's workspace
  BuildInputs inputs;
  std::string pull_policy;            // the job's; "": each base's default
  std::vector<RegistryLogin> logins;  // the controller's
  // The task's live status while it builds (optional): the image and the
  // step it is at, and the context bytes sent of all of them.
  std::function<void(const std::string& detail, int64_t done, int64_t total)> progress;
  // Asks the controller for its credentials of these hosts (optional).
  std::function<std::vector<RegistryLogin>(const std::vector<std::string>& hosts)> fetch_logins;
};

// X-Registry-Config for the bases' hosts: base64url of {HOST: {"username",
// "password"}} with only the credentials of hosts a base names ("" when
// none): the controller's for a host, else `docker_config`'s entry (a path,
// "" for none). Docker Hub's key is its index URL.
std::string RegistryConfigFor(const std::vector<std::string>& bases,
                              const std::vector<RegistryLogin>& logins,
                              const std::string& docker_config = "");

// The build args sent: the job's, plus the TARGET* platform args the
// Dockerfile mentions and the job does not set.
std::map<std::string, std::string> BuildArgsFor(const BuildInputs& inputs,
                                                absl::string_view dockerfile);

class ImageBuilder {
 public:
  ImageBuilder(std::string socket_path, BuildOptions options);

  // `say` receives Arena's lines for the task's log (without "arena: ");
  // `output` the build's own output (the attempt's "build" log). Errors:
  // InvalidArgument (context), FailedPrecondition (a step failed, a base
  // image missing under `never`, the wrong platform made): permanent, with
  // IsPermanentPullError true; Unavailable (dockerd, network); Cancelled.
  absl::StatusOr<ReadyImage> Ensure(const BuildNeed& need,
                                    const std::function<void(absl::string_view)>& say,
                                    const std::function<void(absl::string_view)>& output,
                                    StopSignal* stop);
  // Builds started since construction (a shared build counts once), and
  // tasks that found their image already built.
  int builds_started() const { return flights_.started(); }
  int builds_reused() const { return reused_.load(); }

 private:
  absl::StatusOr<ImageInfo> Build(const BuildNeed& need, const BuildContext& context,
                                  const std::string& tag,
                                  const std::function<void(absl::string_view)>& output,
                                  StopSignal* stop);
  // Whether to pull every base (`always`); FailedPrecondition for a base
  // under `never` that is not here for the platform.
  absl::StatusOr<bool> CheckBases(DockerClient& docker, const BuildNeed& need,
                                  const std::vector<std::string>& bases);

  const std::string socket_path_;
  const BuildOptions options_;
  SingleFlight<ImageInfo> flights_;  // by tag
  std::atomic<int> reused_{0};
};

}  // namespace arena

#endif  // ARENA_AGENT_EXECUTOR_IMAGE_BUILDER_H_
