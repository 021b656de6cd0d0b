#include "agent/executor/container_spec.h"

#include "absl/strings/str_cat.h"

namespace arena {
namespace {

// Capabilities a test suite commonly needs (file ownership, setuid helpers,
// signals, low ports); every other one is dropped.
const std::vector<std::string> kMinimalCapabilities = {
    "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID", "NET_BIND_SERVICE"};
}  // namespace

ContainerSpec ContainerSpecFor(const RunRequest& request, const std::string& agent_id,
                               const std::string& workspace) {
  ContainerSpec spec;
  spec.name = absl::StrCat("arena-", request.attempt_id);
  spec.image = request.image;
  spec.platform = absl::StrCat("linux/", request.arch);
  spec.command = request.command;
  for (const auto& [key, value] : request.env) spec.env.push_back(absl::StrCat(key, "=", value));
  spec.labels["arena.attempt"] = request.attempt_id;
  spec.labels["arena.task"] = request.task_id;
  spec.labels["arena.job"] = request.job_id;
  spec.labels["arena.agent"] = agent_id;
  if (!workspace.empty()) {
    spec.binds.push_back(absl::StrCat(workspace, ":/workspace"));
    spec.working_dir = "/workspace";
  }
  spec.pids_limit = request.pids;
  spec.memory_bytes = request.memory_mb * 1024 * 1024;
  spec.nano_cpus = static_cast<int64_t>(request.cpus * 1e9);
  spec.network_mode = request.network;
  spec.user = request.user;
  spec.cap_add = {kMinimalCapabilities.begin(), kMinimalCapabilities.end()};
  return spec;
}

std::vector<std::string> CleanThenRun(const RunRequest& request) {
  std::vector<std::string> paths = request.artifacts;
  paths.insert(paths.end(), request.junit.begin(), request.junit.end());
  if (paths.empty()) return request.command;
  std::vector<std::string> argv = {
      "sh", "-c",
      "n=$1; shift; while [ \"$n\" -gt 0 ]; do rm -rf -- \"$1\"; shift; n=$((n-1)); done; "
      "exec \"$@\"",
      "arena-clean", absl::StrCat(paths.size())};
  argv.insert(argv.end(), paths.begin(), paths.end());
  argv.insert(argv.end(), request.command.begin(), request.command.end());
  return argv;
}

}  // namespace arena
