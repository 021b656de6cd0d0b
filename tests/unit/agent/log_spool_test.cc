#include "agent/session/log_spool.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/files.h"
#include "tests/unit/test_dir.h"

namespace arena {
namespace {

// Every chunk the spool has to send now.
std::vector<v1::LogChunk> Drain(LogSpool& spool) {
  std::vector<v1::LogChunk> chunks;
  while (std::optional<v1::LogChunk> chunk = spool.NextChunk("att-1")) chunks.push_back(*chunk);
  return chunks;
}

TEST(LogSpool, SendsItsChannelsBytesInOffsetOrderOneStreamAChunk) {
  TestDir dir;
  LogSpool spool(dir.File("att-1.build.log"), "build", 0, {});
  ASSERT_TRUE(spool.ok());
  spool.Append(1, "Step 1/2\n");
  spool.Append(3, "arena: built\n");
  std::vector<v1::LogChunk> chunks = Drain(spool);
  ASSERT_EQ(chunks.size(), 2u);
  EXPECT_EQ(chunks[0].channel(), "build");
  EXPECT_EQ(chunks[0].offset(), 0);
  EXPECT_EQ(chunks[0].data(), "Step 1/2\n");
  EXPECT_EQ(chunks[1].stream(), v1::LOG_STREAM_SYSTEM);
  EXPECT_EQ(chunks[1].offset(), 9);
  EXPECT_TRUE(spool.AllSent());
  EXPECT_FALSE(spool.AllDurable());
  spool.Ack(22);
  EXPECT_TRUE(spool.AllDurable());
  EXPECT_EQ(*ReadFile(dir.File("att-1.build.log")), "Step 1/2\narena: built\n");
  spool.Remove();
  EXPECT_FALSE(FileExists(dir.File("att-1.build.log")));
}

TEST(LogSpool, AfterAReconnectResumesWhereTheControllerSays) {
  TestDir dir;
  LogSpool spool(dir.File("s.log"), "", 0, {});
  spool.Append(1, "0123456789");
  ASSERT_EQ(Drain(spool).size(), 1u);
  spool.Resync();
  spool.Append(1, "abc");
  EXPECT_TRUE(Drain(spool).empty());  // nothing until the controller's ack
  spool.Ack(4);
  std::vector<v1::LogChunk> chunks = Drain(spool);
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(chunks[0].offset(), 4);
  EXPECT_EQ(chunks[0].data(), "456789abc");
  EXPECT_EQ(chunks[0].channel(), "");
}

TEST(LogSpool, MasksSecretsAndCapsWithAMarker) {
  TestDir dir;
  LogSpool spool(dir.File("s.log"), "build", 40, {"hunter2"});
  spool.Append(1, "password hun");
  spool.Append(1, "ter2 in a build arg\n");
  spool.Flush();
  spool.Append(1, std::string(100, 'x'));
  spool.Append(1, "LATER-BYTES");
  std::string text = *ReadFile(dir.File("s.log"));
  EXPECT_THAT(text, testing::StartsWith("password *** in a build arg\n"));
  EXPECT_THAT(text, testing::HasSubstr("[arena: log truncated: the task printed more than 40"));
  EXPECT_THAT(text, testing::Not(testing::HasSubstr("hunter2")));
  EXPECT_THAT(text, testing::Not(testing::HasSubstr("LATER-BYTES")));
}

TEST(LogSpool, KeepsAtMostAWindowUnacknowledged) {
  TestDir dir;
  LogSpool spool(dir.File("s.log"), "", 0, {});
  spool.Append(1, std::string(LogSpool::kWindowBytes + 10, 'y'));
  int64_t sent = 0;
  for (const v1::LogChunk& chunk : Drain(spool)) sent += static_cast<int64_t>(chunk.data().size());
  EXPECT_EQ(sent, LogSpool::kWindowBytes);
  spool.Ack(LogSpool::kWindowBytes);
  EXPECT_EQ(Drain(spool).size(), 1u);
  EXPECT_TRUE(spool.AllSent());
}

TEST(LogSpool, MasksSecretsThatCameLaterFromThenOn) {
  TestDir dir;
  LogSpool spool(dir.File("s.log"), "build", 0, {"first-secret"});
  spool.Append(1, "a first-sec");
  spool.AddSecrets({"late-password"});
  spool.Append(1, "ret b late-password c\n");
  spool.Flush();
  EXPECT_EQ(*ReadFile(dir.File("s.log")), "a *** b *** c\n");  // split across the change too
}

}  // namespace
}  // namespace arena
