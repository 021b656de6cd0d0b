#include "agent/workspace/workspace.h"

#include <gtest/gtest.h>

#include "common/repo_url.h"

namespace arena {
namespace {

TEST(CheckRepoAllowed, AcceptsNetworkRepositories) {
  for (const char* repo : {"https://github.com/o/r.git", "HTTP://example.com/r", "ssh://git@h/r",
                           "git://h/r", "git@github.com:o/r.git", "host:path/r"}) {
    EXPECT_TRUE(CheckRepoAllowed(repo, false, "agent").ok()) << repo;
  }
}

TEST(CheckRepoAllowed, RefusesRepositoriesOnTheAgentsHostUnlessAllowed) {
  for (const char* repo :
       {"file:///etc", "FILE:///srv/r.git", "/srv/r.git", "./r", "../r", "r", "/tmp/a:b", "~/r"}) {
    absl::Status refused = CheckRepoAllowed(repo, false, "agent");
    EXPECT_TRUE(absl::IsPermissionDenied(refused)) << repo;
    EXPECT_NE(refused.message().find("--allow-local-repos"), absl::string_view::npos) << repo;
    EXPECT_TRUE(CheckRepoAllowed(repo, true, "agent").ok()) << repo;
  }
}

TEST(CheckRepoAllowed, RefusesTransportHelpersEvenWhenLocalReposAreAllowed) {
  for (const char* repo :
       {"ext::sh -c touch% /tmp/pwned", "fd::3", "testgit::/r", "ext::ssh -o x h", "foo://h/r"}) {
    EXPECT_TRUE(absl::IsPermissionDenied(CheckRepoAllowed(repo, false, "agent"))) << repo;
    EXPECT_TRUE(absl::IsPermissionDenied(CheckRepoAllowed(repo, true, "agent"))) << repo;
  }
}

}  // namespace
}  // namespace arena
