#include "agent/workspace/git_credentials.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/files.h"
#include "common/repo_url.h"
#include "tests/unit/test_dir.h"

namespace arena {
namespace {

using Keys = std::vector<std::string>;

TEST(RepoHostKeys, NamesHostAndPortThenHostWithoutUserOrPath) {
  EXPECT_EQ(RepoHostKeys("https://127.0.0.1:8443/git/app.git"),
            (Keys{"127.0.0.1:8443", "127.0.0.1"}));
  EXPECT_EQ(RepoHostKeys("https://user:pw@Git.Example.com/o/r.git"), Keys{"git.example.com"});
  EXPECT_EQ(RepoHostKeys("ssh://git@h.example:2222/r.git"), (Keys{"h.example:2222", "h.example"}));
  EXPECT_EQ(RepoHostKeys("git@github.com:o/r.git"), Keys{"github.com"});
  EXPECT_EQ(RepoHostKeys("https://[::1]:8443/r"), (Keys{"[::1]:8443", "[::1]"}));
  EXPECT_EQ(RepoHostKeys("https://[::1]/r"), Keys{"[::1]"});
}

TEST(RepoHostKeys, GivesNoHostForLocalPathsOrTransportHelpers) {
  for (const char* repo : {"/srv/r.git", "file:///srv/r", "ext::sh -c x", "./r"}) {
    EXPECT_TRUE(RepoHostKeys(repo).empty()) << repo;
  }
}

TEST(RepoHostKeys, DoesNotMatchAnotherHostThatSharesAPrefix) {
  EXPECT_EQ(RepoHostKeys("https://git.example.com.evil.org/r"), Keys{"git.example.com.evil.org"});
  EXPECT_EQ(RepoHostKeys("https://git.example.com@evil.org/r"), Keys{"evil.org"});
}

TEST(IsGitHostKey, AcceptsHostsAndPortsOnly) {
  for (const char* ok : {"github.com", "127.0.0.1:8443", "[::1]:22"}) EXPECT_TRUE(IsGitHostKey(ok));
  for (const char* bad : {"", "https://h", "h/path", "u@h", "h p"}) EXPECT_FALSE(IsGitHostKey(bad));
}

TEST(ClassifyGitFailure, ReadsGitsRefusals) {
  EXPECT_EQ(ClassifyGitFailure("fatal: Authentication failed for 'https://h/r.git/'\n"),
            GitFailure::kRefusedCredentials);
  EXPECT_EQ(ClassifyGitFailure("fatal: could not read Username for 'https://h': terminal prompts "
                               "disabled\n"),
            GitFailure::kRefusedCredentials);
  EXPECT_EQ(ClassifyGitFailure("git@h: Permission denied (publickey).\r\nfatal: Could not read"),
            GitFailure::kRefusedCredentials);
  EXPECT_EQ(ClassifyGitFailure("No ED25519 host key is known for [127.0.0.1]:2222 and you have "
                               "requested strict checking.\r\nHost key verification failed.\r\n"),
            GitFailure::kUnknownHostKey);
  EXPECT_EQ(ClassifyGitFailure("fatal: unable to access 'https://h/': SSL certificate problem: "
                               "self-signed certificate\n"),
            GitFailure::kUntrustedCertificate);
  EXPECT_EQ(ClassifyGitFailure("fatal: repository 'https://h/r' not found\n"), GitFailure::kOther);
  EXPECT_EQ(ClassifyGitFailure("fatal: unable to access: Connection refused\n"),
            GitFailure::kOther);
}

TEST(GitCredentialFiles, WritesPrivateFilesAndRemovesThemWhenDone) {
  TestDir tmp;
  std::string dir = absl::StrCat(tmp.path(), "/git/att-1");
  GitCredential credential{"h", "bot", "s3cret", "KEY", "h ssh-ed25519 AAAA", "CA"};
  {
    absl::StatusOr<GitCredentialFiles> files = GitCredentialFiles::Write(dir, credential);
    ASSERT_TRUE(files.ok()) << files.status();
    struct stat st;
    ASSERT_EQ(stat(dir.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
    for (const char* name : {"credential", "ssh_key", "known_hosts", "ca.pem"}) {
      ASSERT_EQ(stat(absl::StrCat(dir, "/", name).c_str(), &st), 0) << name;
      EXPECT_EQ(st.st_mode & 0777, 0600u) << name;
    }
    std::string flags;
    for (const std::string& f : files->git_flags()) absl::StrAppend(&flags, f, " ");
    EXPECT_TRUE(absl::StartsWith(flags, "-c credential.helper= -c credential.helper=!f()"));
    EXPECT_FALSE(absl::StrContains(flags, "s3cret"));  // never on a command line
    ASSERT_EQ(files->env().size(), 2u);
    EXPECT_EQ(files->env()[0].first, "GIT_SSL_CAINFO");
    EXPECT_TRUE(absl::StrContains(files->env()[1].second, "StrictHostKeyChecking=yes"));
  }
  struct stat st;
  EXPECT_NE(stat(dir.c_str(), &st), 0);
}

TEST(ShellQuote, SurvivesQuotesInPaths) { EXPECT_EQ(ShellQuote("a'b"), "'a'\\''b'"); }

}  // namespace
}  // namespace arena
