#include "agent/workspace/git_credentials.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/files.h"
#include "common/status_macros.h"

namespace arena {

std::string ShellQuote(absl::string_view text) {
  return absl::StrCat("'", absl::StrReplaceAll(text, {{"'", "'\\''"}}), "'");
}

absl::StatusOr<GitCredentialFiles> GitCredentialFiles::Write(const std::string& dir,
                                                             const GitCredential& credential) {
  GitCredentialFiles files;
  RETURN_IF_ERROR(RemoveTree(dir));
  RETURN_IF_ERROR(MakeDirs(dir, 0700));
  files.dir_ = dir;  // from here on the destructor cleans up
  // An empty value first clears helpers from system and user config.
  files.flags_ = {"-c", "credential.helper="};
  if (!credential.password.empty()) {
    std::string path = absl::StrCat(dir, "/credential");
    RETURN_IF_ERROR(WriteFileAtomic(
        path,
        absl::StrCat("username=", credential.username, "\npassword=", credential.password, "\n"),
        0600));
    files.flags_.insert(files.flags_.end(),
                        {"-c", absl::StrCat("credential.helper=!f() { test \"$1\" = get && cat ",
                                            ShellQuote(path), "; }; f")});
  }
  if (!credential.ca_pem.empty()) {
    std::string path = absl::StrCat(dir, "/ca.pem");
    RETURN_IF_ERROR(WriteFileAtomic(path, credential.ca_pem, 0600));
    // Debian's git (libcurl-gnutls) ignores "-c http.sslCAInfo" on the
    // command line; the environment variable is honoured.
    files.env_.emplace_back("GIT_SSL_CAINFO", path);
  }
  if (!credential.ssh_key.empty()) {
    std::string key = absl::StrCat(dir, "/ssh_key");
    std::string known = absl::StrCat(dir, "/known_hosts");
    std::string key_text = credential.ssh_key;
    if (!absl::EndsWith(key_text, "\n")) key_text += "\n";  // ssh rejects keys without one
    RETURN_IF_ERROR(WriteFileAtomic(key, key_text, 0600));
    RETURN_IF_ERROR(WriteFileAtomic(known, credential.known_hosts, 0600));
    files.env_.emplace_back(
        "GIT_SSH_COMMAND",
        absl::StrCat(
            "ssh -F /dev/null -i ", ShellQuote(key),
            " -o IdentitiesOnly=yes -o BatchMode=yes -o UserKnownHostsFile=", ShellQuote(known),
            " -o GlobalKnownHostsFile=/dev/null", " -o StrictHostKeyChecking=yes"));
  }
  return files;
}

GitCredentialFiles::GitCredentialFiles(GitCredentialFiles&& other) noexcept
    : dir_(std::move(other.dir_)), flags_(std::move(other.flags_)), env_(std::move(other.env_)) {
  other.dir_.clear();
}

GitCredentialFiles::~GitCredentialFiles() {
  if (!dir_.empty()) RemoveTree(dir_).IgnoreError();
}

GitFailure ClassifyGitFailure(absl::string_view output) {
  // ssh says "No ... host key is known" before the generic verification
  // failure; a changed key says "IDENTIFICATION HAS CHANGED".
  if (absl::StrContains(output, "host key is known for") ||
      absl::StrContains(output, "REMOTE HOST IDENTIFICATION HAS CHANGED") ||
      absl::StrContains(output, "Host key verification failed")) {
    return GitFailure::kUnknownHostKey;
  }
  if (absl::StrContains(output, "Authentication failed") ||
      absl::StrContains(output, "Permission denied (publickey") ||
      absl::StrContains(output, "could not read Username") ||
      absl::StrContains(output, "could not read Password") ||
      absl::StrContains(output, "The requested URL returned error: 403")) {
    return GitFailure::kRefusedCredentials;
  }
  if (absl::StrContains(output, "SSL certificate problem") ||
      absl::StrContains(output, "server certificate verification failed")) {
    return GitFailure::kUntrustedCertificate;
  }
  return GitFailure::kOther;
}

}  // namespace arena
