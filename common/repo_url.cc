#include "common/repo_url.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace arena {
namespace {

enum class RepoKind { kRemote, kLocal, kTransportHelper };

// How git reads `repo`: "<scheme>://" URLs by scheme; "<helper>::<address>"
// through git-remote-<helper>; "host:path" with no slash before the colon is
// ssh; anything else is a path on this host.
RepoKind KindOfRepo(absl::string_view repo) {
  size_t scheme_end = repo.find("://");
  size_t helper_end = repo.find("::");
  if (helper_end != absl::string_view::npos &&
      (scheme_end == absl::string_view::npos || helper_end < scheme_end)) {
    return RepoKind::kTransportHelper;
  }
  if (scheme_end != absl::string_view::npos) {
    std::string scheme = absl::AsciiStrToLower(repo.substr(0, scheme_end));
    for (const char* remote : {"https", "http", "ssh", "git", "git+ssh", "ssh+git"}) {
      if (scheme == remote) return RepoKind::kRemote;
    }
    return scheme == "file" ? RepoKind::kLocal : RepoKind::kTransportHelper;
  }
  size_t colon = repo.find(':');
  size_t slash = repo.find('/');
  if (colon != absl::string_view::npos && colon > 0 &&
      (slash == absl::string_view::npos || slash > colon)) {
    return RepoKind::kRemote;  // scp-like user@host:path
  }
  return RepoKind::kLocal;
}

// "host[:port]" of `repo`, or empty.
std::string HostPort(absl::string_view repo) {
  size_t scheme_end = repo.find("://");
  absl::string_view rest;
  if (scheme_end != absl::string_view::npos) {
    rest = repo.substr(scheme_end + 3);
    rest = rest.substr(0, rest.find('/'));
  } else {
    rest = repo.substr(0, repo.find(':'));  // scp-like: no port
  }
  size_t at = rest.rfind('@');
  if (at != absl::string_view::npos) rest = rest.substr(at + 1);
  return absl::AsciiStrToLower(rest);
}

}  // namespace

std::vector<std::string> RepoHostKeys(absl::string_view repo) {
  if (KindOfRepo(repo) != RepoKind::kRemote) return {};
  std::string host_port = HostPort(repo);
  if (host_port.empty()) return {};
  size_t bracket = host_port.rfind(']');
  size_t colon = host_port.rfind(':');
  bool has_port = colon != std::string::npos && (bracket == std::string::npos || colon > bracket);
  if (!has_port) return {host_port};
  return {host_port, host_port.substr(0, colon)};
}

bool IsGitHostKey(absl::string_view key) {
  if (key.empty() || key.size() > 255) return false;
  for (char c : key) {
    if (!absl::ascii_isalnum(c) && c != '.' && c != '-' && c != ':' && c != '[' && c != ']') {
      return false;
    }
  }
  return true;
}

absl::Status CheckRepoAllowed(absl::string_view repo, bool allow_local, absl::string_view host) {
  switch (KindOfRepo(repo)) {
    case RepoKind::kRemote:
      return absl::OkStatus();
    case RepoKind::kLocal:
      if (allow_local) return absl::OkStatus();
      return absl::PermissionDeniedError(absl::StrCat(
          "repository ", repo, " is on the ", host, "'s own host (a file:// URL or a path); this ",
          host, " refuses local repositories (start it with --allow-local-repos to allow them)"));
    case RepoKind::kTransportHelper:
      break;
  }
  return absl::PermissionDeniedError(
      absl::StrCat("repository ", repo, " uses a git transport that runs commands on the host; ",
                   "only https://, http://, ssh://, git:// and host:path repositories are cloned"));
}

}  // namespace arena
