#include "agent/workspace/workspace.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/files.h"
#include "common/repo_url.h"
#include "common/status_macros.h"

namespace arena {

absl::StatusOr<int> RunProcess(const std::vector<std::string>& argv, OutputSink output,
                               int timeout_seconds,
                               const std::vector<std::pair<std::string, std::string>>& env) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return absl::InternalError("pipe failed");
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = fork();
  if (pid < 0) return absl::InternalError(absl::StrCat("fork: ", strerror(errno)));
  if (pid == 0) {
    dup2(pipe_fds[1], STDOUT_FILENO);
    dup2(pipe_fds[1], STDERR_FILENO);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, STDIN_FILENO);
    setenv("GIT_TERMINAL_PROMPT", "0", 1);
    for (const auto& [name, value] : env) setenv(name.c_str(), value.c_str(), 1);
    execvp(args[0], args.data());
    _exit(127);
  }
  close(pipe_fds[1]);
  absl::Time deadline = absl::Now() + absl::Seconds(timeout_seconds);
  char buf[4096];
  bool killed = false;
  while (true) {
    int wait_ms =
        static_cast<int>(std::max<int64_t>(0, absl::ToInt64Milliseconds(deadline - absl::Now())));
    struct pollfd pfd = {pipe_fds[0], POLLIN, 0};
    int ready = poll(&pfd, 1, std::min(wait_ms, 1000));
    if (ready > 0) {
      ssize_t n = read(pipe_fds[0], buf, sizeof(buf));
      if (n <= 0) break;
      output(absl::string_view(buf, static_cast<size_t>(n)));
    } else if (absl::Now() >= deadline) {
      kill(pid, SIGKILL);
      killed = true;
      break;
    }
  }
  close(pipe_fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (killed) return absl::DeadlineExceededError(absl::StrCat(argv[0], " timed out"));
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

absl::Status RemoveStaleAttempts(const std::string& dir) {
  RETURN_IF_ERROR(MakeDirs(dir, 0700));
  DIR* handle = opendir(dir.c_str());
  if (handle == nullptr) return absl::InternalError(absl::StrCat("cannot list ", dir));
  std::vector<std::string> stale;
  while (struct dirent* entry = readdir(handle)) {
    if (absl::StartsWith(entry->d_name, "att-")) stale.push_back(entry->d_name);
  }
  closedir(handle);
  for (const std::string& name : stale) RETURN_IF_ERROR(RemoveTree(absl::StrCat(dir, "/", name)));
  return absl::OkStatus();
}

namespace {

// git's own protocol allow-list, so what CheckRepoAllowed let through cannot
// reach a local repository by another way (redirects, alternates).
std::vector<std::string> GitProtocolFlags(bool allow_local) {
  std::vector<std::string> flags = {"-c", "protocol.allow=never"};
  for (const char* p : {"https", "http", "ssh", "git"}) {
    flags.insert(flags.end(), {"-c", absl::StrCat("protocol.", p, ".allow=always")});
  }
  if (allow_local) flags.insert(flags.end(), {"-c", "protocol.file.allow=always"});
  return flags;
}

// Why git refused the clone of `repo`, from its output.
absl::Status CloneFailure(const std::string& repo, const std::string& messages, int code) {
  std::vector<std::string> hosts = RepoHostKeys(repo);
  std::string who = hosts.empty() ? "the server" : hosts.front();
  switch (ClassifyGitFailure(messages)) {
    case GitFailure::kRefusedCredentials:
      return absl::UnauthenticatedError(
          absl::StrCat("git ", who, " refused credentials for ", repo));
    case GitFailure::kUnknownHostKey:
      return absl::UnauthenticatedError(absl::StrCat(
          "git ", who, "'s SSH host key is not a pinned known host (refused) for ", repo));
    case GitFailure::kUntrustedCertificate:
      return absl::UnauthenticatedError(absl::StrCat(
          "git ", who, "'s TLS certificate is not trusted (give its CA with --ca-file) for ",
          repo));
    case GitFailure::kOther:
      break;
  }
  return absl::FailedPreconditionError(
      absl::StrCat("git clone of ", repo, " failed (exit ", code, ")"));
}

// Runs the clone with the credential's files in place, removed on return.
absl::Status Clone(const std::string& repo, const std::string& dir, const CloneOptions& options,
                   OutputSink output) {
  std::string messages;
  auto capture = [&](absl::string_view data) {
    messages.append(data.data(), data.size());
    output(data);
  };
  std::vector<std::string> clone = {"git"};
  for (std::string& flag : GitProtocolFlags(options.allow_local)) clone.push_back(std::move(flag));
  // Set but empty: git asks no askpass program (a desktop's SSH_ASKPASS) when
  // the helper's answer is refused or missing.
  std::vector<std::pair<std::string, std::string>> env = {{"GIT_ASKPASS", ""}};
  std::optional<GitCredentialFiles> files;
  if (!options.credential.empty()) {
    ASSIGN_OR_RETURN(GitCredentialFiles written,
                     GitCredentialFiles::Write(options.credential_dir, options.credential));
    files.emplace(std::move(written));
    clone.insert(clone.end(), files->git_flags().begin(), files->git_flags().end());
    env.insert(env.end(), files->env().begin(), files->env().end());
  }
  clone.insert(clone.end(), {"clone", "--quiet", "--no-checkout", "--", repo, dir});
  ASSIGN_OR_RETURN(int code, RunProcess(clone, capture, 600, env));
  if (code == 0) return absl::OkStatus();
  RemoveTree(dir).IgnoreError();
  return CloneFailure(repo, messages, code);
}

}  // namespace

absl::StatusOr<std::string> PrepareWorkspace(const std::string& root, const std::string& attempt_id,
                                             const std::string& repo, const std::string& commit,
                                             bool allow_local, OutputSink output) {
  CloneOptions options;
  options.allow_local = allow_local;
  return PrepareWorkspace(root, attempt_id, repo, commit, options, std::move(output));
}

absl::StatusOr<std::string> PrepareWorkspace(const std::string& root, const std::string& attempt_id,
                                             const std::string& repo, const std::string& commit,
                                             const CloneOptions& options, OutputSink output) {
  RETURN_IF_ERROR(CheckRepoAllowed(repo, options.allow_local, "agent"));
  std::string dir = absl::StrCat(root, "/", attempt_id);
  RETURN_IF_ERROR(RemoveTree(dir));
  RETURN_IF_ERROR(MakeDirs(root, 0700));
  std::string messages;
  auto capture = [&](absl::string_view data) {
    messages.append(data.data(), data.size());
    output(data);
  };
  output(absl::StrCat("arena: cloning ", repo, commit.empty() ? "" : absl::StrCat(" at ", commit),
                      "\n"));
  RETURN_IF_ERROR(Clone(repo, dir, options, output));
  int code = 0;
  std::string ref = commit.empty() ? "HEAD" : commit;
  // A sha, a tag or a branch: branches exist only as origin/NAME in a fresh
  // clone, so try that second.
  std::string resolved;
  for (const std::string& candidate : {ref, absl::StrCat("origin/", ref)}) {
    std::string sha;
    ASSIGN_OR_RETURN(code,
                     RunProcess(
                         {"git", "-C", dir, "rev-parse", "--verify", "--quiet",
                          absl::StrCat(candidate, "^{commit}")},
                         [&sha](absl::string_view d) { sha.append(d.data(), d.size()); }, 60));
    if (code == 0) {
      resolved = std::string(absl::StripAsciiWhitespace(sha));
      break;
    }
  }
  if (resolved.empty()) {
    RemoveTree(dir).IgnoreError();
    return absl::NotFoundError(
        absl::StrCat("unknown ref \"", ref, "\" in ", repo, " (not a commit, tag or branch)"));
  }
  output(absl::StrCat("arena: checking out ", resolved, "\n"));
  ASSIGN_OR_RETURN(code, RunProcess({"git", "-C", dir, "checkout", "--quiet", "--detach", resolved},
                                    capture, 300));
  if (code != 0) {
    RemoveTree(dir).IgnoreError();
    return absl::FailedPreconditionError(
        absl::StrCat("git checkout of ", ref, " in ", repo, " failed"));
  }
  return dir;
}

}  // namespace arena
