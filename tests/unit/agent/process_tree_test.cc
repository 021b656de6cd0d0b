// Descendants from a /proc laid out as the kernel writes it (stat lines
// whose command names hold spaces and parentheses).
#include "agent/executor/process_tree.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/files.h"

namespace arena {
namespace {

TEST(ProcessTree, FindsEveryDescendantAndOnlyThem) {
  char tmpl[] = "/tmp/arena-proc-test-XXXXXX";
  std::string proc = mkdtemp(tmpl);
  // pid -> ppid; 10 is the root, 13 was re-parented to it, 20 is another tree.
  for (auto [pid, ppid, name] :
       std::vector<std::tuple<int, int, std::string>>{{10, 1, "shim"},
                                                      {11, 10, "sh"},
                                                      {12, 11, "odd) name ("},
                                                      {13, 10, "sleep"},
                                                      {14, 12, "x"},
                                                      {20, 1, "other"},
                                                      {21, 20, "sh"}}) {
    ASSERT_TRUE(MakeDirs(absl::StrCat(proc, "/", pid)).ok());
    ASSERT_TRUE(WriteFileAtomic(absl::StrCat(proc, "/", pid, "/stat"),
                                absl::StrCat(pid, " (", name, ") S ", ppid, " ", pid, " 0\n"))
                    .ok());
  }
  ASSERT_TRUE(MakeDirs(proc + "/self").ok());
  std::vector<pid_t> found = DescendantsOf(10, proc);
  std::sort(found.begin(), found.end());
  EXPECT_EQ(found, (std::vector<pid_t>{11, 12, 13, 14}));
  EXPECT_EQ(ParentOf(12, proc), 11);
  EXPECT_EQ(ParentOf(99, proc), -1);
  EXPECT_TRUE(DescendantsOf(14, proc).empty());
  RemoveTree(proc).IgnoreError();
}

}  // namespace
}  // namespace arena
