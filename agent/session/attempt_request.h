// How an Assign from the controller becomes the executor's RunRequest: the
// command, environment (with Arena's ARENA_* variables and the secrets),
// limits, files to copy, warm-container key, build and the checkout. And
// which values an attempt's logs mask. Pure functions (nothing to own),
// used by the session on the attempt's thread; thread-safe.
#ifndef ARENA_AGENT_SESSION_ATTEMPT_REQUEST_H_
#define ARENA_AGENT_SESSION_ATTEMPT_REQUEST_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "agent/executor/executor.h"
#include "arena/v1/agent.pb.h"

namespace arena {

// What the agent adds to an Assign.
struct RunRequestContext {
  std::string work_dir;   // checkouts below it
  std::string state_dir;  // git credential files below STATE/git
  std::string files_dir;  // "" when the attempt copies no files
  bool allow_local_repos = false;
  int64_t max_file_bytes = int64_t{512} << 20;
  // Set when the git server refused the clone (the attempt's error is then
  // permanent).
  std::shared_ptr<std::atomic<bool>> clone_refused;
  // For a build: asks the controller for its base images' credentials.
  std::function<std::vector<RegistryLogin>(const std::vector<std::string>& hosts)>
      fetch_base_logins;
};

RunRequest RunRequestFor(const v1::Assign& assign, const RunRequestContext& context);

// Where the attempt's copied files go below `spool_dir`, or "" when it
// copies none.
std::string FilesDirFor(const v1::Assign& assign, const std::string& spool_dir);

// What the attempt's logs mask: its secrets, its git and registry passwords.
std::vector<std::string> MaskedValues(const v1::Assign& assign);

}  // namespace arena

#endif  // ARENA_AGENT_SESSION_ATTEMPT_REQUEST_H_
