// A client for the Docker Engine API over its unix socket (libcurl), with the
// API version negotiated against the daemon. Only what the executor needs.
// Bodies are written and answers read by docker_json.h: an unexpected one is an error
// Status, never an exception. Owned by its caller, usually for one task;
// thread-safe: each call uses its own curl handle.
#ifndef ARENA_AGENT_EXECUTOR_DOCKER_CLIENT_H_
#define ARENA_AGENT_EXECUTOR_DOCKER_CLIENT_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "agent/executor/docker_json.h"

namespace arena {

// How a pull goes (POST /images/create).
struct PullRequest {
  std::string name;      // without tag
  std::string tag;       // or a digest "sha256:..."
  std::string platform;  // "linux/arm64"
  // The Engine API's X-Registry-Auth (base64url of the JSON auth config);
  // empty pulls anonymously. Never logged.
  std::string registry_auth;
  absl::Duration stall_timeout = absl::Seconds(60);  // no bytes for this long
  absl::Duration timeout = absl::Minutes(15);
};

// How a build goes (POST /build, the classic builder).
struct BuildRequest {
  std::string tag;         // "name:tag" the image gets
  std::string platform;    // "linux/arm64"
  std::string dockerfile;  // its path inside the context tar
  std::map<std::string, std::string> args;
  std::string target;
  bool pull = false;                          // pull the base images even when present
  std::map<std::string, std::string> labels;  // on the image made
  // The Engine API's X-Registry-Config (base64url of {HOST: {username,
  // password}}); empty: none. Never logged.
  std::string registry_config;
  absl::Duration timeout = absl::Hours(1);
};

// Fills the buffer with the next bytes of a request body; 0 at its end.
using BodyReader = std::function<absl::StatusOr<size_t>(char*, size_t)>;

class DockerClient {
 public:
  explicit DockerClient(std::string socket_path);

  // Queries /version and picks min(daemon API, 1.41). While the socket
  // exists but nobody answers (a restarting daemon), retries up to `wait`.
  // Unavailable when the daemon does not answer.
  absl::Status Connect(absl::Duration wait = absl::ZeroDuration());
  // True when the daemon answers /_ping.
  bool Ping();
  const std::string& api_version() const { return api_version_; }

  // NotFound (with the image named) when the image is not present.
  absl::StatusOr<std::string> CreateContainer(const ContainerSpec& spec);
  absl::Status StartContainer(const std::string& id);
  // Attaches to the container's raw stdout/stderr and streams them to
  // `sink` (stream 1 stdout, 2 stderr) until the container exits. Call before
  // StartContainer: `attached` runs once the daemon has accepted the attach,
  // so no output is missed. Bytes are passed on exactly as produced.
  absl::Status AttachOutput(const std::string& id,
                            const std::function<void(int, absl::string_view)>& sink,
                            const std::function<void()>& attached);
  // Blocks until the container exits; returns its exit status.
  absl::StatusOr<int> WaitContainer(const std::string& id);
  // SIGTERM, then SIGKILL after `grace_seconds`.
  absl::Status StopContainer(const std::string& id, int grace_seconds);
  absl::Status RemoveContainer(const std::string& id);
  absl::StatusOr<ContainerState> InspectState(const std::string& id);
  // Bytes in the container's writable layer (SizeRw of an inspect with
  // size=1; the daemon walks the layer to answer, so not for tight loops).
  absl::StatusOr<int64_t> WritableLayerBytes(const std::string& id);
  // Streams a tar archive of `path` in the container to `sink` (which
  // returns false to stop). NotFound when the path does not exist.
  absl::Status ArchiveOut(const std::string& id, const std::string& path,
                          const std::function<bool(absl::string_view)>& sink);
  // Runs a process in a running container: create the exec, then start it
  // and follow its demultiplexed output until it exits.
  absl::StatusOr<std::string> CreateExec(const std::string& id, const ExecSpec& spec);
  absl::Status StartExec(const std::string& exec_id,
                         const std::function<void(int, absl::string_view)>& sink);
  absl::StatusOr<int> ExecExitCode(const std::string& exec_id);
  // Ids of containers (running or not) carrying `label`.
  absl::StatusOr<std::vector<std::string>> ListContainersWithLabel(const std::string& label);
  // "repo:tag" of every local image.
  absl::StatusOr<std::vector<std::string>> ListImageTags();
  // The image's "os/arch[/variant]", e.g. "linux/arm64"; NotFound if absent.
  absl::StatusOr<std::string> ImagePlatform(const std::string& image);
  // Platform, id and repo digests of a local image; NotFound if absent.
  absl::StatusOr<ImageInfo> InspectImage(const std::string& image);
  // DELETE /images/REF (never forced): a name is untagged, and the image
  // goes with its last name. NotFound if absent; FailedPrecondition when
  // dockerd refuses (a container uses it, it has children, several names).
  absl::Status RemoveImage(const std::string& ref);
  // Pulls, passing the answer's bytes to `progress` as they come (see
  // pull_progress.h; an {"error":...} line arrives with HTTP 200; false
  // from `progress` aborts). An HTTP
  // error returns Docker's message; a stall or the timeout Unavailable
  // ("stalled" / "timed out" in the message).
  absl::Status PullImage(const PullRequest& request,
                         const std::function<bool(absl::string_view)>& progress);
  // Builds from the tar `context` reads (sent as it is read), passing the
  // answer's bytes to `progress` (see build_progress.h; a failed step is an
  // {"error":...} line with HTTP 200; false from `progress` aborts). An
  // HTTP error returns Docker's message; a context that cannot be read, the
  // reader's error.
  absl::Status BuildImage(const BuildRequest& request, const BodyReader& context,
                          const std::function<bool(absl::string_view)>& progress);
  // The platforms ("os/arch[/variant]") the registry has for `image`
  // (GET /distribution/NAME/json).
  absl::StatusOr<std::vector<std::string>> RegistryPlatforms(const std::string& image,
                                                             const std::string& registry_auth);

 private:
  struct Response {
    long code = 0;
    std::string body;
    std::string api_version;  // the Api-Version header, when sent
  };
  // `stream`, when set, receives the body of a 2xx answer as it arrives;
  // `on_headers` runs once the answer's headers are in.
  struct Extras {
    std::vector<std::string> headers;  // "Name: value"
    long stall_seconds = 0;            // abort after this long without bytes
    // A body sent as it is read (chunked) instead of `body`, and its type.
    const std::function<size_t(char*, size_t)>* upload = nullptr;
    std::string content_type;
  };
  absl::StatusOr<Response> Request(const std::string& method, const std::string& path,
                                   const std::string& body, long timeout_seconds,
                                   const std::function<bool(absl::string_view)>& stream = nullptr,
                                   const std::function<void()>& on_headers = nullptr,
                                   const Extras* extras = nullptr);
  std::string Path(absl::string_view path) const;

  const std::string socket_path_;
  std::string api_version_ = "1.41";
};

}  // namespace arena

#endif  // ARENA_AGENT_EXECUTOR_DOCKER_CLIENT_H_
