#include "agent/executor/build_context.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/files.h"
#include "tests/unit/test_dir.h"

namespace arena {
namespace {

void Put(const TestDir& dir, const std::string& path, const std::string& text) {
  std::string full = dir.File(path);
  ASSERT_TRUE(MakeDirs(full.substr(0, full.rfind('/'))).ok());
  ASSERT_TRUE(WriteFileAtomic(full, text, 0644).ok());
}

// A checkout with a Dockerfile, a context file and a .git directory.
class BuildHash : public testing::Test {
 protected:
  void SetUp() override {
    Put(dir_, "Dockerfile", "FROM base\nCOPY app/ /app/\n");
    Put(dir_, "app/main.py", "print('hi')\n");
    Put(dir_, ".git/HEAD", "ref: refs/heads/main\n");
    inputs_.arch = "amd64";
    inputs_.args = {{"VERSION", "1"}};
  }
  std::string Hash() {
    absl::StatusOr<BuildContext> context = ScanBuildContext(dir_.path(), inputs_);
    EXPECT_TRUE(context.ok()) << context.status();
    return context.ok() ? context->hash : "";
  }
  TestDir dir_;
  BuildInputs inputs_;
};

TEST_F(BuildHash, IsStableForTheSameInputs) {
  std::string first = Hash();
  EXPECT_EQ(first.size(), 64u);
  EXPECT_EQ(Hash(), first);
  // Another commit's .git, a file's mtime: not inputs of the image.
  Put(dir_, ".git/HEAD", "ref: refs/heads/other\n");
  Put(dir_, "app/main.py", "print('hi')\n");  // rewritten, same bytes
  EXPECT_EQ(Hash(), first);
}

TEST_F(BuildHash, ChangesWithTheDockerfile) {
  std::string first = Hash();
  Put(dir_, "Dockerfile", "FROM base\nCOPY app/ /app/\nRUN true\n");
  EXPECT_NE(Hash(), first);
}

TEST_F(BuildHash, ChangesWithAContextFileItsModeOrANewFile) {
  std::string first = Hash();
  Put(dir_, "app/main.py", "print('bye')\n");
  std::string changed = Hash();
  EXPECT_NE(changed, first);
  ASSERT_EQ(chmod(dir_.File("app/main.py").c_str(), 0755), 0);
  std::string executable = Hash();
  EXPECT_NE(executable, changed);
  Put(dir_, "app/extra.txt", "");
  EXPECT_NE(Hash(), executable);
}

TEST_F(BuildHash, ChangesWithArgsTargetAndPlatform) {
  std::string first = Hash();
  inputs_.args["VERSION"] = "2";
  std::string arg = Hash();
  EXPECT_NE(arg, first);
  inputs_.target = "test";
  std::string target = Hash();
  EXPECT_NE(target, arg);
  inputs_.arch = "arm64";
  EXPECT_NE(Hash(), target);
}

TEST_F(BuildHash, LeavesOutWhatDockerignoreExcludes) {
  Put(dir_, ".dockerignore", "docs\n*.md\n");
  std::string first = Hash();
  Put(dir_, "docs/guide.txt", "ignored");
  Put(dir_, "README.md", "ignored");
  EXPECT_EQ(Hash(), first);
  Put(dir_, "app/notes.txt", "not ignored");
  EXPECT_NE(Hash(), first);
}

TEST_F(BuildHash, ADockerfileOutsideTheContextIsSentUnderAnArenaName) {
  Put(dir_, "docker/Dockerfile", "FROM base\n");
  inputs_.dockerfile = "docker/Dockerfile";
  inputs_.context = "app";
  absl::StatusOr<BuildContext> context = ScanBuildContext(dir_.path(), inputs_);
  ASSERT_TRUE(context.ok()) << context.status();
  EXPECT_EQ(context->dockerfile_path, ".arena.Dockerfile");
  std::vector<std::string> paths;
  for (const ContextEntry& e : context->entries) paths.push_back(e.path);
  EXPECT_THAT(paths, testing::ElementsAre(".arena.Dockerfile", "main.py"));
  inputs_.context = ".";
  context = ScanBuildContext(dir_.path(), inputs_);
  ASSERT_TRUE(context.ok());
  EXPECT_EQ(context->dockerfile_path, "docker/Dockerfile");
}

TEST_F(BuildHash, RefusesPathsOutsideTheCheckoutAndMissingFiles) {
  for (const char* path : {"../Dockerfile", "/etc/passwd", "missing"}) {
    inputs_.dockerfile = path;
    EXPECT_TRUE(absl::IsInvalidArgument(ScanBuildContext(dir_.path(), inputs_).status())) << path;
  }
  inputs_.dockerfile = "Dockerfile";
  inputs_.context = "app/../..";
  EXPECT_TRUE(absl::IsInvalidArgument(ScanBuildContext(dir_.path(), inputs_).status()));
  inputs_.context = ".";
  ContextLimits small;
  small.max_bytes = 4;
  EXPECT_THAT(std::string(ScanBuildContext(dir_.path(), inputs_, small).status().message()),
              testing::HasSubstr("over the agent's limit"));
}

TEST_F(BuildHash, KeepsSymlinksAsLinksNeverFollowingThem) {
  ASSERT_EQ(symlink("/etc/passwd", dir_.File("app/link").c_str()), 0);
  absl::StatusOr<BuildContext> context = ScanBuildContext(dir_.path(), inputs_);
  ASSERT_TRUE(context.ok()) << context.status();
  bool found = false;
  for (const ContextEntry& e : context->entries) {
    if (e.path != "app/link") continue;
    found = true;
    EXPECT_TRUE(S_ISLNK(e.mode));
    EXPECT_EQ(e.link_target, "/etc/passwd");
    EXPECT_EQ(e.size, 0);
  }
  EXPECT_TRUE(found);
}

TEST(BuildTag, NamesTheHashAndAPlatformSafeArch) {
  std::string hash(64, 'a');
  EXPECT_EQ(BuildTag(hash, "amd64"), "arena-build/aaaaaaaaaaaaaaaaaaaa:amd64");
  EXPECT_EQ(BuildTag(hash, "arm/v7"), "arena-build/aaaaaaaaaaaaaaaaaaaa:arm-v7");
}

TEST(DockerIgnore, MatchesLikeDocker) {
  DockerIgnore ignore("# comment\n\nnode_modules\n**/*.log\n/build/\n*.md\n!KEEP.md\nsrc/*/tmp\n");
  EXPECT_TRUE(ignore.Excluded("node_modules"));
  EXPECT_TRUE(ignore.Excluded("node_modules/x/y.js"));  // below an excluded directory
  EXPECT_FALSE(ignore.Excluded("app/node_modules"));    // patterns are anchored at the root
  EXPECT_TRUE(ignore.Excluded("a.log"));
  EXPECT_TRUE(ignore.Excluded("deep/down/b.log"));
  EXPECT_TRUE(ignore.Excluded("build/out.o"));
  EXPECT_TRUE(ignore.Excluded("README.md"));
  EXPECT_FALSE(ignore.Excluded("KEEP.md"));  // the last matching line wins
  EXPECT_TRUE(ignore.Excluded("src/x/tmp/file"));
  EXPECT_FALSE(ignore.Excluded("src/tmp"));
  EXPECT_FALSE(ignore.Excluded("main.py"));
  EXPECT_TRUE(ignore.has_exceptions());
  EXPECT_FALSE(DockerIgnore("a\n").has_exceptions());
}

TEST(BaseImages, NamesTheImagesFromLinesOfTheDockerfile) {
  const char* dockerfile =
      "ARG TARGETARCH=amd64\n"
      "ARG REG\n"
      "# a comment\n"
      "FROM --platform=$BUILDPLATFORM ${REG:-docker.io}/golang:1.21 AS build\n"
      "RUN make\n"
      "from registry.example.com:5000/base:${TARGETARCH} as test\n"
      "FROM build\n"
      "FROM scratch\n"
      "FROM \\\n  alpine:3\n";
  EXPECT_THAT(BaseImages(dockerfile, {{"TARGETARCH", "arm64"}}),
              testing::ElementsAre("docker.io/golang:1.21", "registry.example.com:5000/base:arm64",
                                   "alpine:3"));
  EXPECT_THAT(BaseImages(dockerfile, {{"REG", "127.0.0.1:5000"}}),
              testing::ElementsAre("127.0.0.1:5000/golang:1.21",
                                   "registry.example.com:5000/base:amd64", "alpine:3"));
}

}  // namespace
}  // namespace arena
