// Which repository URLs a clone may read. The controller checks them at
// submit and each agent again before it clones: https://, http://, ssh://,
// git:// and scp-like user@host:path always; file:// URLs and plain paths
// (which read the cloning host's own disk) only when allowed; git transport
// helpers ("ext::cmd", "fd::", unknown schemes) never, since they run
// commands on the host. Pure functions: thread-safe.
#ifndef ARENA_COMMON_REPO_URL_H_
#define ARENA_COMMON_REPO_URL_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace arena {

// OK when `repo` may be cloned; PermissionDenied with the reason otherwise.
// `host` ("agent", "controller") names who refuses, for the message.
absl::Status CheckRepoAllowed(absl::string_view repo, bool allow_local, absl::string_view host);

// The keys a git credential for `repo` may be stored under, most specific
// first: "host:port" when the URL names a port, then "host" (lower case,
// user and path dropped; IPv6 hosts keep their brackets). Empty for local
// paths and transport helpers, which never get credentials.
std::vector<std::string> RepoHostKeys(absl::string_view repo);

// Whether `key` is well formed as a credential's host: a host name or
// address, optionally ":port", nothing else.
bool IsGitHostKey(absl::string_view key);

}  // namespace arena

#endif  // ARENA_COMMON_REPO_URL_H_
