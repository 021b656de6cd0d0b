#include "agent/executor/context_tar.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "common/files.h"
#include "common/tar.h"
#include "tests/unit/test_dir.h"

namespace arena {
namespace {

// The whole stream, read `chunk` bytes at a time.
std::string ReadAll(ContextTar& tar, size_t chunk) {
  std::string out;
  std::string buffer(chunk, '\0');
  while (true) {
    absl::StatusOr<size_t> n = tar.Read(buffer.data(), buffer.size());
    EXPECT_TRUE(n.ok()) << n.status();
    if (!n.ok() || *n == 0) return out;
    out.append(buffer.data(), *n);
  }
}

class ContextTarTest : public testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(MakeDirs(src_.File("ctx/app/" + long_dir_)).ok());
    ASSERT_TRUE(WriteFileAtomic(src_.File("ctx/Dockerfile"), "FROM base\n", 0644).ok());
    for (int i = 0; i < 5000; ++i) blob_ += static_cast<char>(i * 13);
    ASSERT_TRUE(WriteFileAtomic(src_.File("ctx/app/run.sh"), blob_, 0755).ok());
    ASSERT_TRUE(
        WriteFileAtomic(src_.File("ctx/app/" + long_dir_ + "/deep.txt"), "deep", 0644).ok());
    ASSERT_EQ(symlink("run.sh", src_.File("ctx/app/link").c_str()), 0);
    BuildInputs inputs;
    inputs.arch = "amd64";
    absl::StatusOr<BuildContext> scanned = ScanBuildContext(src_.File("ctx"), inputs);
    ASSERT_TRUE(scanned.ok()) << scanned.status();
    context_ = *scanned;
  }
  TestDir src_;
  std::string long_dir_ = std::string(120, 'd');  // past ustar's 100-byte names
  std::string blob_;
  BuildContext context_;
};

TEST_F(ContextTarTest, IsTheSameArchiveWhateverTheReadSize) {
  ContextTar one(&context_.entries);
  std::string whole = ReadAll(one, 1 << 20);
  EXPECT_EQ(whole.size() % 512, 0u);
  for (size_t chunk : {1u, 7u, 511u, 4096u}) {
    ContextTar tar(&context_.entries);
    EXPECT_EQ(ReadAll(tar, chunk), whole) << chunk;
  }
}

TEST_F(ContextTarTest, GnuTarReadsBackFilesModesLinksAndLongNames) {
  ContextTar tar(&context_.entries);
  std::string archive = ReadAll(tar, 65536);
  TestDir out;
  ASSERT_TRUE(WriteFileAtomic(out.File("ctx.tar"), archive, 0644).ok());
  ASSERT_TRUE(MakeDirs(out.File("x")).ok());
  std::string command = absl::StrCat("tar -xf ", out.File("ctx.tar"), " -C ", out.File("x"));
  ASSERT_EQ(std::system(command.c_str()), 0);
  EXPECT_EQ(*ReadFile(out.File("x/Dockerfile")), "FROM base\n");
  EXPECT_EQ(*ReadFile(out.File("x/app/run.sh")), blob_);
  EXPECT_EQ(*ReadFile(out.File("x/app/" + long_dir_ + "/deep.txt")), "deep");
  struct stat st;
  ASSERT_EQ(stat(out.File("x/app/run.sh").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0755u);
  char target[64] = {};
  ASSERT_GT(readlink(out.File("x/app/link").c_str(), target, sizeof(target)), 0);
  EXPECT_STREQ(target, "run.sh");
}

TEST_F(ContextTarTest, ArenasOwnExtractorReadsItToo) {
  ContextTar tar(&context_.entries);
  TestDir out;
  TarExtractor extractor(out.path(), 1 << 20);
  ASSERT_TRUE(extractor.Feed(ReadAll(tar, 1000)).ok());
  ASSERT_TRUE(extractor.Finish().ok());
  EXPECT_EQ(extractor.files().size(), 3u);  // the link is skipped there, by design
  EXPECT_EQ(*ReadFile(out.File("app/" + long_dir_ + "/deep.txt")), "deep");
}

TEST_F(ContextTarTest, AFileThatShrankMeanwhileIsAnError) {
  ASSERT_TRUE(WriteFileAtomic(src_.File("ctx/app/run.sh"), "short", 0755).ok());
  ContextTar tar(&context_.entries);
  std::string buffer(1 << 16, '\0');
  absl::Status status;
  for (int i = 0; i < 100 && status.ok(); ++i) {
    absl::StatusOr<size_t> n = tar.Read(buffer.data(), buffer.size());
    if (!n.ok()) status = n.status();
    if (n.ok() && *n == 0) break;
  }
  EXPECT_TRUE(absl::IsInvalidArgument(status)) << status;
}

}  // namespace
}  // namespace arena
