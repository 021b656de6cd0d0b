#include "common/tar.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/files.h"
#include "tests/unit/test_dir.h"

namespace arena {
namespace {

// Writes the header's checksum (bytes 148-155: six octal digits, NUL, space).
void SealHeader(std::string* header) {
  header->replace(148, 8, "        ");
  unsigned sum = 0;
  for (size_t i = 0; i < 512; ++i) sum += static_cast<unsigned char>((*header)[i]);
  header->replace(148, 7, absl::StrFormat("%06o", sum) + std::string(1, '\0'));
}

// One ustar entry: header and padded body.
std::string Entry(const std::string& name, const std::string& body, char type = '0') {
  std::string header(512, '\0');
  header.replace(0, name.size(), name);
  header.replace(100, 7, "0000644");
  header.replace(124, 11, absl::StrFormat("%011o", body.size()));
  header[156] = type;
  header.replace(257, 5, "ustar");
  SealHeader(&header);
  std::string padded = body + std::string((512 - body.size() % 512) % 512, '\0');
  return header + padded;
}

std::string Pax(const std::string& path) {
  std::string record = absl::StrCat(" path=", path, "\n");
  // The length prefix counts itself.
  std::string length = absl::StrCat(record.size() + 3);
  return Entry("PaxHeaders/x", absl::StrCat(length, record), 'x');
}

TEST(Tar, ExtractsFilesFedInAnyChunkSize) {
  std::string blob;
  for (int i = 0; i < 3000; ++i) blob += static_cast<char>(i * 7);
  std::string archive = Entry("reports/", "", '5') + Entry("reports/a.xml", "<x/>") +
                        Entry("reports/blob", blob) + Pax(std::string(150, 'p') + "/long.txt") +
                        Entry("ignored-name", "long path body") + std::string(1024, '\0');
  for (size_t chunk : {1u, 7u, 512u, 100000u}) {
    TestDir dir;
    TarExtractor tar(dir.path(), 1 << 20);
    for (size_t i = 0; i < archive.size(); i += chunk) {
      ASSERT_TRUE(tar.Feed(absl::string_view(archive).substr(i, chunk)).ok());
    }
    ASSERT_TRUE(tar.Finish().ok());
    ASSERT_EQ(tar.files().size(), 3u);
    EXPECT_EQ(*ReadFile(dir.File("reports/a.xml")), "<x/>");
    EXPECT_EQ(*ReadFile(dir.File("reports/blob")), blob);
    EXPECT_EQ(*ReadFile(dir.File(std::string(150, 'p') + "/long.txt")), "long path body");
  }
}

// A ustar entry of `type` whose link target is `target`.
std::string Link(const std::string& name, const std::string& target, char type = '2') {
  std::string entry = Entry(name, "", type);
  entry.replace(157, target.size(), target);
  std::string header = entry.substr(0, 512);
  SealHeader(&header);
  return header + entry.substr(512);
}

TEST(Tar, SkipsEscapesLinksAndOversizeFilesAndSaysWhy) {
  TestDir dir;
  TarExtractor tar(dir.File("out"), 10);
  std::string archive = Entry("../escape", "x") + Entry("/abs", "y") +
                        Link("out-link", "/etc/passwd") + Link("in-link", "ok") +
                        Link("hard", "ok", '1') + Entry("big", std::string(100, 'b')) +
                        Entry("bad\nname", "n") + Entry("ok", "z") + std::string(1024, '\0');
  ASSERT_TRUE(tar.Feed(archive).ok());
  ASSERT_TRUE(tar.Finish().ok());
  ASSERT_EQ(tar.files().size(), 1u);
  EXPECT_EQ(tar.files()[0].path, "ok");
  EXPECT_FALSE(FileExists(dir.File("escape")));
  EXPECT_FALSE(FileExists(dir.File("out/big")));
  std::map<std::string, std::string> why;
  for (const TarExtractor::Skipped& s : tar.skipped()) why[s.path] = s.why;
  ASSERT_EQ(why.size(), 7u);
  EXPECT_NE(why["../escape"].find("leave"), std::string::npos);
  EXPECT_NE(why["out-link"].find("symlink to /etc/passwd (points out"), std::string::npos);
  EXPECT_NE(why["in-link"].find("links are not followed"), std::string::npos);
  EXPECT_NE(why["hard"].find("hard link"), std::string::npos);
  EXPECT_NE(why["big"].find("100 bytes would pass the limit (10 bytes left)"), std::string::npos);
  EXPECT_NE(why["bad\\nname"].find("control character"), std::string::npos);
}

TEST(Tar, RefusesTruncationAndGarbage) {
  TestDir dir;
  {
    TarExtractor tar(dir.File("cut"), 1 << 20);
    ASSERT_TRUE(tar.Feed(Entry("f", std::string(600, 'c')).substr(0, 700)).ok());
    EXPECT_FALSE(tar.Finish().ok());
  }
  {
    TarExtractor tar(dir.File("garbage"), 1 << 20);
    std::string header(512, 'z');
    EXPECT_EQ(tar.Feed(header).code(), absl::StatusCode::kInvalidArgument);
  }
}

TEST(Tar, RefusesAHeaderWhoseChecksumDoesNotMatch) {
  TestDir dir;
  std::string entry = Entry("f", "hello");
  entry[0] = 'g';  // the name changed after the checksum was written
  TarExtractor tar(dir.File("bad"), 1 << 20);
  absl::Status fed = tar.Feed(entry);
  EXPECT_EQ(fed.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(fed.message()).find("checksum"), std::string::npos) << fed;
  EXPECT_FALSE(FileExists(dir.File("bad/g")));
}

// An archive GNU tar wrote (ustar, a long name through its own extension,
// a directory): what Docker's archive API sends is the same format.
TEST(Tar, ReadsWhatGnuTarWrites) {
  TestDir dir;
  std::string long_name(150, 'n');
  ASSERT_TRUE(MakeDirs(dir.File("src/sub")).ok());
  ASSERT_TRUE(WriteFileAtomic(dir.File("src/sub/a.txt"), "alpha").ok());
  ASSERT_TRUE(WriteFileAtomic(dir.File("src/" + long_name), "long").ok());
  std::string command = absl::StrCat("tar -C ", dir.File("src"), " -cf ", dir.File("a.tar"), " .");
  ASSERT_EQ(std::system(command.c_str()), 0);
  absl::StatusOr<std::string> archive = ReadFile(dir.File("a.tar"));
  ASSERT_TRUE(archive.ok());
  TarExtractor tar(dir.File("out"), 1 << 20);
  for (size_t at = 0; at < archive->size(); at += 333) {
    ASSERT_TRUE(tar.Feed(archive->substr(at, 333)).ok()) << at;
  }
  ASSERT_TRUE(tar.Finish().ok());
  EXPECT_EQ(*ReadFile(dir.File("out/sub/a.txt")), "alpha");
  EXPECT_EQ(*ReadFile(dir.File("out/" + long_name)), "long");
}

}  // namespace
}  // namespace arena
