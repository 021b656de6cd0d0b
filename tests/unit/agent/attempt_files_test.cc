#include "agent/executor/attempt_files.h"

#include <gtest/gtest.h>

namespace arena {
namespace {

TEST(SourceFor, KeepsTheDirectoriesOfTheRequestedPath) {
  struct Case {
    const char* path;
    const char* working_dir;
    const char* container_path;
    const char* stored_dir;
  };
  for (const Case& c :
       std::vector<Case>{{"a/report.xml", "/workspace", "/workspace/a/report.xml", "a"},
                         {"b/report.xml", "/workspace", "/workspace/b/report.xml", "b"},
                         {"report.xml", "/workspace", "/workspace/report.xml", ""},
                         {"/out/files", "/workspace", "/out/files", "out"},
                         {"./x//y/", "", "/x/y", "x"},
                         {"x/../z/f", "/w", "/w/z/f", "z"}}) {
    absl::StatusOr<CopySource> source = SourceFor(c.path, c.working_dir);
    ASSERT_TRUE(source.ok()) << c.path;
    EXPECT_EQ(source->container_path, c.container_path) << c.path;
    EXPECT_EQ(source->stored_dir, c.stored_dir) << c.path;
  }
}

TEST(SourceFor, RefusesTheRootAndNamesThatCannotBeDownloaded) {
  EXPECT_FALSE(SourceFor("/", "/workspace").ok());
  EXPECT_FALSE(SourceFor(".", "").ok());
  EXPECT_FALSE(SourceFor("/..", "").ok());
  EXPECT_FALSE(SourceFor("dir\nname/f", "/w").ok());
  EXPECT_NE(SourceFor("/", "").status().message().find("root directory"), absl::string_view::npos);
}

}  // namespace
}  // namespace arena
