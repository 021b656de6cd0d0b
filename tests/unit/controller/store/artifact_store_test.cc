// ArtifactStore on a real directory: chunks in order, resends from offset 0,
// unsafe names refused before anything touches the disk.
#include "controller/store/artifact_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <string>

#include "common/files.h"
#include "tests/unit/test_dir.h"

namespace arena {
namespace {

// Every byte value, so that nothing is lost to text handling.
std::string AllBytes(size_t size) {
  std::string data(size, '\0');
  for (size_t i = 0; i < size; ++i) data[i] = static_cast<char>((i * 7 + i / 256) & 0xff);
  return data;
}

class ArtifactStoreTest : public ::testing::Test {
 protected:
  absl::StatusOr<int64_t> Write(const std::string& path, int64_t offset, absl::string_view data,
                                bool junit = false) {
    return store_.Write("job-1", "att-1", junit, path, offset, data);
  }
  absl::StatusOr<std::string> Read(const std::string& path, int64_t offset = 0,
                                   int64_t max_bytes = 1 << 20, bool junit = false) {
    return store_.Read("job-1", "att-1", junit, path, offset, max_bytes);
  }
  TestDir dir_;
  ArtifactStore store_{dir_.path()};
};

TEST_F(ArtifactStoreTest, ChunksWrittenInOrderReadBackByteExact) {
  std::string data = AllBytes(100000);
  int64_t size = 0;
  for (size_t at = 0; at < data.size(); at += 33333) {
    absl::StatusOr<int64_t> grown =
        Write("out/report.bin", size, absl::string_view(data).substr(at, 33333));
    ASSERT_TRUE(grown.ok()) << grown.status();
    size = *grown;
  }
  EXPECT_EQ(size, 100000);
  EXPECT_EQ(store_.Size("job-1", "att-1", false, "out/report.bin"), 100000);
  EXPECT_EQ(*Read("out/report.bin"), data);
  EXPECT_EQ(*ReadFile(dir_.File("job-1/att-1/files/out/report.bin")), data);
  EXPECT_TRUE(store_.Sync("job-1", "att-1", false, "out/report.bin").ok());
}

TEST_F(ArtifactStoreTest, ReadsARangeAndStopsAtTheEnd) {
  ASSERT_TRUE(Write("a.txt", 0, "0123456789").ok());
  EXPECT_EQ(*Read("a.txt", 3, 4), "3456");
  EXPECT_EQ(*Read("a.txt", 8, 100), "89");
  EXPECT_EQ(*Read("a.txt", 10, 100), "");
  EXPECT_EQ(*Read("a.txt", 0, 0), "");
}

TEST_F(ArtifactStoreTest, JunitAndFilesAreKeptApart) {
  ASSERT_TRUE(Write("r.xml", 0, "<files/>").ok());
  ASSERT_TRUE(Write("r.xml", 0, "<junit/>", /*junit=*/true).ok());
  EXPECT_EQ(*Read("r.xml"), "<files/>");
  EXPECT_EQ(*Read("r.xml", 0, 100, /*junit=*/true), "<junit/>");
  EXPECT_TRUE(FileExists(dir_.File("job-1/att-1/junit/r.xml")));
}

TEST_F(ArtifactStoreTest, OffsetZeroStartsTheFileOver) {
  ASSERT_TRUE(Write("log", 0, "first attempt, long").ok());
  absl::StatusOr<int64_t> size = Write("log", 0, "resent");
  ASSERT_TRUE(size.ok()) << size.status();
  EXPECT_EQ(*size, 6);
  EXPECT_EQ(*Read("log"), "resent");
}

TEST_F(ArtifactStoreTest, AChunkAfterAGapOrOverlapIsRefusedAndLeavesTheFileAsItWas) {
  ASSERT_TRUE(Write("log", 0, "abc").ok());
  absl::StatusOr<int64_t> gap = Write("log", 5, "fgh");
  EXPECT_TRUE(absl::IsFailedPrecondition(gap.status())) << gap.status();
  absl::StatusOr<int64_t> overlap = Write("log", 1, "XY");
  EXPECT_TRUE(absl::IsFailedPrecondition(overlap.status())) << overlap.status();
  EXPECT_EQ(*Read("log"), "abc");
  EXPECT_EQ(store_.Size("job-1", "att-1", false, "log"), 3);
  EXPECT_EQ(*Write("log", 3, "d"), 4);
}

TEST_F(ArtifactStoreTest, UnsafePathsAreRefusedAndNothingIsWrittenOutsideTheRoot) {
  const std::string nul("a\0b", 3);
  const std::vector<std::string> unsafe = {
      "",  "/etc/passwd", "../escape", "a/../../escape",      "a/./b", "a//b", "a/",
      ".", "..",          nul,         std::string(1025, 'n')};
  for (const std::string& path : unsafe) {
    absl::StatusOr<int64_t> written = Write(path, 0, "x");
    EXPECT_TRUE(absl::IsInvalidArgument(written.status())) << "\"" << path << "\"";
    EXPECT_TRUE(absl::IsInvalidArgument(Read(path).status())) << "\"" << path << "\"";
    EXPECT_EQ(store_.Size("job-1", "att-1", false, path), -1) << "\"" << path << "\"";
    EXPECT_TRUE(absl::IsInvalidArgument(store_.Sync("job-1", "att-1", false, path)));
  }
  EXPECT_FALSE(FileExists(dir_.File("job-1/att-1/escape")));
  EXPECT_FALSE(FileExists(dir_.File("job-1/escape")));
  EXPECT_FALSE(FileExists(dir_.File("job-1")));  // nothing was created at all
}

TEST_F(ArtifactStoreTest, AMissingArtifactIsNotFound) {
  EXPECT_TRUE(absl::IsNotFound(Read("never-written").status()));
  EXPECT_EQ(store_.Size("job-1", "att-1", false, "never-written"), -1);
  EXPECT_FALSE(store_.Sync("job-1", "att-1", false, "never-written").ok());
}

TEST_F(ArtifactStoreTest, AFileWhereADirectoryShouldBeIsAnErrorNotACrash) {
  ASSERT_TRUE(Write("dir", 0, "a file").ok());
  absl::StatusOr<int64_t> under = Write("dir/inner", 0, "x");
  EXPECT_FALSE(under.ok());
  EXPECT_EQ(*Read("dir"), "a file");
}

}  // namespace
}  // namespace arena
