// Per-attempt workspaces: DIR/ATTEMPT holds a checkout of the job's repo at
// its commit, mounted into the container at /workspace, removed afterwards.
// Functions over the filesystem, called on the attempt's thread; the
// checkout is owned (and removed) by the executor. Thread-safe (distinct
// directories).
#ifndef ARENA_AGENT_WORKSPACE_WORKSPACE_H_
#define ARENA_AGENT_WORKSPACE_WORKSPACE_H_

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "agent/workspace/git_credentials.h"

namespace arena {

using OutputSink = std::function<void(absl::string_view)>;

// Runs argv (no shell) with stdout and stderr sent to `output`; returns the
// exit status. Bounded by `timeout_seconds` (then SIGKILL). `env` is added
// to the child's environment.
absl::StatusOr<int> RunProcess(const std::vector<std::string>& argv, OutputSink output,
                               int timeout_seconds,
                               const std::vector<std::pair<std::string, std::string>>& env = {});

// Clones `repo` into root/attempt_id and checks out `commit` (the default
// branch when empty). Returns the directory. PermissionDenied when
// CheckRepoAllowed refuses the URL (git itself is also told to use only the
// allowed protocols); FailedPrecondition with git's message when the clone
// or checkout fails.
absl::StatusOr<std::string> PrepareWorkspace(const std::string& root, const std::string& attempt_id,
                                             const std::string& repo, const std::string& commit,
                                             bool allow_local, OutputSink output);

// How a clone reaches its repository.
struct CloneOptions {
  bool allow_local = false;
  // Used for the clone only, from files below `credential_dir` (removed
  // before PrepareWorkspace returns).
  GitCredential credential;
  std::string credential_dir;
};

// As above, with the host's credential. Unauthenticated with "git HOST
// refused credentials for REPO" (or the host key or certificate named) when
// git says the server refused the clone: no retry can fix that.
absl::StatusOr<std::string> PrepareWorkspace(const std::string& root, const std::string& attempt_id,
                                             const std::string& repo, const std::string& commit,
                                             const CloneOptions& options, OutputSink output);

// Removes what earlier attempts left in `dir` (entries named "att-*"), and
// nothing else, so a shared --work-dir is safe. Creates `dir` if missing.
absl::Status RemoveStaleAttempts(const std::string& dir);

}  // namespace arena

#endif  // ARENA_AGENT_WORKSPACE_WORKSPACE_H_
