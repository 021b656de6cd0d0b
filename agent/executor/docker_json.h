// The Docker Engine API's JSON, both ways: request bodies written from the
// client's types, and answers read into them. Pure functions over the body
// text, so they are tested on recorded replies without a socket. An
// answer that is not JSON, lacks a field the client needs, or has one of
// the wrong type gives an error Status (Internal, naming the request and the
// field); nothing here throws or aborts, whatever dockerd (or something
// posing as it) sends. Optional fields that are absent or null read as
// empty. A request string that is not UTF-8 is written with U+FFFD in its
// place rather than thrown about. Thread-safe (no state).
#ifndef ARENA_AGENT_EXECUTOR_DOCKER_JSON_H_
#define ARENA_AGENT_EXECUTOR_DOCKER_JSON_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace arena {

struct ContainerSpec {
  std::string name;
  std::string image;
  std::string platform;  // "linux/arm64"; empty for the daemon's default
  std::vector<std::string> command;
  std::vector<std::string> env;  // "K=V"
  std::map<std::string, std::string> labels;
  std::string working_dir;
  // Output goes only to the attach stream (no json-file copy: exact bytes,
  // no second copy on the host's disk).
  std::string log_driver = "none";
  std::vector<std::string> binds;  // "host:container[:ro]"
  std::string network_mode = "none";
  int64_t memory_bytes = 0;
  int64_t nano_cpus = 0;
  int64_t pids_limit = 0;
  std::string user;
  std::vector<std::string> cap_add;  // after dropping ALL
  // HostConfig.StorageOpt (e.g. size=512M: the writable layer's quota) and
  // HostConfig.Tmpfs (mount point -> options).
  std::map<std::string, std::string> storage_opt;
  std::map<std::string, std::string> tmpfs;
  std::vector<std::string> extra_hosts;  // "name:address" lines for /etc/hosts
};

struct ExecSpec {
  std::vector<std::string> command;
  std::vector<std::string> env;  // "K=V"
  std::string working_dir;
  std::string user;
};

struct ContainerState {
  bool oom_killed = false;
  int exit_code = 0;
  bool running = false;
  std::string working_dir;  // Config.WorkingDir; empty means "/"
  int pid = 0;              // State.Pid: its main process on the host; 0 when not running
  // State.Health.Status: "" without a HEALTHCHECK, else "starting",
  // "healthy" or "unhealthy".
  std::string health;
};

struct ImageInfo {
  std::string platform;                   // "os/arch[/variant]"
  std::string id;                         // "sha256:..."
  std::vector<std::string> repo_digests;  // "name@sha256:..."
  std::vector<std::string> repo_tags;     // "name:tag"
  int64_t size = 0;                       // bytes, shared layers included
};

// POST /containers/create's body: the container, network none unless
// asked, no-new-privileges, every capability dropped but `cap_add`.
std::string ContainerCreateBody(const ContainerSpec& spec);
// POST /containers/ID/exec's body.
std::string ExecCreateBody(const ExecSpec& spec);
// {"NAME": "VALUE", ...} (build args, labels).
std::string StringMapJson(const std::map<std::string, std::string>& values);
// The list filter {"label": [LABEL]}.
std::string LabelFilterJson(const std::string& label);

// GET /version: ApiVersion ("1.41").
absl::StatusOr<std::string> ParseVersionAnswer(absl::string_view body);
// POST /containers/create and /containers/ID/exec: the new object's Id.
// `what` names the request in errors ("create container").
absl::StatusOr<std::string> ParseCreatedId(absl::string_view body, absl::string_view what);
// POST /containers/ID/wait: StatusCode.
absl::StatusOr<int> ParseWaitAnswer(absl::string_view body);
// GET /containers/ID/json: State.{OOMKilled,ExitCode,Running} and
// Config.WorkingDir (optional).
absl::StatusOr<ContainerState> ParseContainerInspect(absl::string_view body);
// GET /containers/ID/json?size=1: SizeRw.
absl::StatusOr<int64_t> ParseWritableLayerBytes(absl::string_view body);
// GET /exec/ID/json: ExitCode (null while the process runs: an error).
absl::StatusOr<int> ParseExecExitCode(absl::string_view body);
// GET /containers/json: every container's Id.
absl::StatusOr<std::vector<std::string>> ParseContainerIds(absl::string_view body);
// GET /images/json: every image's RepoTags but "<none>:<none>".
absl::StatusOr<std::vector<std::string>> ParseImageTags(absl::string_view body);
// GET /images/REF/json: platform ("linux" when Os is absent), Id, names,
// size.
absl::StatusOr<ImageInfo> ParseImageInspect(absl::string_view body);
// GET /distribution/REF/json: Platforms as "os/arch[/variant]".
absl::StatusOr<std::vector<std::string>> ParseDistributionPlatforms(absl::string_view body);

// The error message Docker put in a JSON error body, or the body itself
// (its first 200 bytes, without trailing newlines).
std::string DockerErrorMessage(absl::string_view body);

}  // namespace arena

#endif  // ARENA_AGENT_EXECUTOR_DOCKER_JSON_H_
