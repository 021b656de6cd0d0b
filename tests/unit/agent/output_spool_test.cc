#include "agent/session/output_spool.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/files.h"
#include "tests/unit/test_dir.h"

namespace arena {
namespace {

std::vector<v1::LogChunk> DrainLogs(OutputSpool& spool) {
  std::vector<v1::LogChunk> chunks;
  while (std::optional<v1::LogChunk> chunk = spool.NextLogChunk()) chunks.push_back(*chunk);
  return chunks;
}

TEST(OutputSpool, SendsTheTaskLogBeforeItsChannelsAndWaitsForChannelsToBeDurable) {
  TestDir dir;
  OutputSpool spool(dir.path(), "att-1", 0, {}, "");
  ASSERT_TRUE(spool.ok());
  spool.AppendChannel("build", "Step 1/1\n");
  spool.Append(1, "hello\n");
  EXPECT_THAT(spool.channels(), ::testing::ElementsAre("build"));
  EXPECT_TRUE(spool.HasLogToSend());
  std::vector<v1::LogChunk> chunks = DrainLogs(spool);
  ASSERT_EQ(chunks.size(), 2u);
  EXPECT_EQ(chunks[0].channel(), "");
  EXPECT_EQ(chunks[0].attempt_id(), "att-1");
  EXPECT_EQ(chunks[0].data(), "hello\n");
  EXPECT_EQ(chunks[1].channel(), "build");
  EXPECT_FALSE(spool.LogsDone());  // the build channel is not durable yet
  spool.Ack("build", 9);
  EXPECT_TRUE(spool.LogsDone());
  EXPECT_EQ(spool.log_produced(), 6);
  EXPECT_TRUE(FileExists(dir.File("att-1.build.log")));
  spool.Remove();
  EXPECT_FALSE(FileExists(dir.File("att-1.log")));
  EXPECT_FALSE(FileExists(dir.File("att-1.build.log")));
}

TEST(OutputSpool, DropsAChannelWithABadName) {
  TestDir dir;
  OutputSpool spool(dir.path(), "att-1", 0, {}, "");
  spool.AppendChannel("../escape", "x");
  EXPECT_TRUE(spool.channels().empty());
  EXPECT_FALSE(spool.HasLogToSend());
}

TEST(OutputSpool, MasksSecretsAddedLaterInChannelsMadeLater) {
  TestDir dir;
  OutputSpool spool(dir.path(), "att-1", 0, {"s3cret"}, "");
  spool.AddSecrets({"hunter2"});
  spool.AppendChannel("build", "pw hunter2 s3cret\n");
  spool.Flush();
  std::vector<v1::LogChunk> chunks = DrainLogs(spool);
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(chunks[0].data(), "pw *** ***\n");
}

TEST(OutputSpool, SendsFilesInPiecesAndDropsOneThatVanished) {
  TestDir dir;
  std::string files = dir.File("att-1.files");
  ASSERT_TRUE(MakeDirs(files).ok());
  ASSERT_TRUE(WriteFileAtomic(files + "/a", "aaaa").ok());
  OutputSpool spool(dir.path(), "att-1", 0, {}, files);
  spool.SetFiles({{"gone.xml", true, files + "/missing", 3}, {"a", false, files + "/a", 4}});
  ASSERT_TRUE(spool.HasFileToSend());
  std::string note;
  EXPECT_FALSE(spool.NextFileChunk(&note).has_value());
  EXPECT_THAT(note, ::testing::HasSubstr("JUnit report gone.xml: not sent"));
  note.clear();
  std::optional<v1::FileChunk> chunk = spool.NextFileChunk(&note);
  ASSERT_TRUE(chunk.has_value());
  EXPECT_EQ(chunk->path(), "a");
  EXPECT_EQ(chunk->data(), "aaaa");
  EXPECT_EQ(chunk->kind(), v1::FILE_KIND_ARTIFACT);
  EXPECT_TRUE(note.empty());
  EXPECT_FALSE(spool.HasFileToSend());
  v1::TaskEvent event;
  spool.AddManifest(&event);
  ASSERT_EQ(event.files_size(), 1);  // the vanished one is not listed
  EXPECT_EQ(event.files(0).size(), 4);
  spool.Resync();  // a reconnect sends the files again
  EXPECT_TRUE(spool.HasFileToSend());
  spool.Remove();
  EXPECT_FALSE(FileExists(files));
}

TEST(OutputSpool, AfterAResyncWaitsForTheControllersAck) {
  TestDir dir;
  OutputSpool spool(dir.path(), "att-1", 0, {}, "");
  spool.Append(1, "0123456789");
  ASSERT_EQ(DrainLogs(spool).size(), 1u);
  spool.Resync();
  EXPECT_FALSE(spool.HasLogToSend());
  spool.Ack("", 5);
  std::vector<v1::LogChunk> chunks = DrainLogs(spool);
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(chunks[0].offset(), 5);
  EXPECT_EQ(chunks[0].data(), "56789");
}

}  // namespace
}  // namespace arena
