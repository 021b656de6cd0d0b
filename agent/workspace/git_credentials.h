// A git host's credential made usable for one clone: files in a private
// directory of the agent (0700 dir, 0600 files, never in the workspace or
// the container) plus the git flags and environment that point at them,
// removed when the GitCredentialFiles goes. Also the reading of git's
// messages that says a clone was refused. Owned by the clone that made it.
// Not thread-safe; one per clone.
#ifndef ARENA_AGENT_WORKSPACE_GIT_CREDENTIALS_H_
#define ARENA_AGENT_WORKSPACE_GIT_CREDENTIALS_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace arena {

struct GitCredential {
  std::string host;  // as the controller matched it, for messages
  std::string username;
  std::string password;     // HTTPS basic auth (a token)
  std::string ssh_key;      // private key for ssh:// and host:path repos
  std::string known_hosts;  // the pinned host keys for SSH
  std::string ca_pem;       // a private CA for HTTPS

  bool empty() const { return password.empty() && ssh_key.empty() && ca_pem.empty(); }
};

class GitCredentialFiles {
 public:
  // Writes the credential's files below `dir` (created 0700).
  static absl::StatusOr<GitCredentialFiles> Write(const std::string& dir,
                                                  const GitCredential& credential);
  GitCredentialFiles(GitCredentialFiles&& other) noexcept;
  GitCredentialFiles& operator=(GitCredentialFiles&&) = delete;
  ~GitCredentialFiles();  // removes the directory

  // "-c" options to put before git's subcommand: the credential helper list
  // cleared and replaced by a one-shot helper reading the 0600 file.
  const std::vector<std::string>& git_flags() const { return flags_; }
  // Environment for git: GIT_SSL_CAINFO for the CA, GIT_SSH_COMMAND with the
  // key and the pinned known hosts.
  const std::vector<std::pair<std::string, std::string>>& env() const { return env_; }

 private:
  GitCredentialFiles() = default;
  std::string dir_;
  std::vector<std::string> flags_;
  std::vector<std::pair<std::string, std::string>> env_;
};

enum class GitFailure {
  kOther,
  kRefusedCredentials,  // wrong or missing token or key
  kUnknownHostKey,      // SSH host key not among the pinned ones
  kUntrustedCertificate,
};

// What git's combined output of a failed clone says went wrong.
GitFailure ClassifyGitFailure(absl::string_view output);

// Single-quotes `text` for sh.
std::string ShellQuote(absl::string_view text);

}  // namespace arena

#endif  // ARENA_AGENT_WORKSPACE_GIT_CREDENTIALS_H_
