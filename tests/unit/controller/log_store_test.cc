#include "controller/store/log_store.h"

#include <gtest/gtest.h>

#include "controller/store/job_events.h"
#include "tests/unit/test_dir.h"

namespace arena {
namespace {

TEST(LogStore, AppendIsIdempotentByOffset) {
  TestDir dir;
  LogStore logs(dir.path(), nullptr);
  EXPECT_EQ(*logs.Append("job", "att", 0, "hello ", 1), 6);
  EXPECT_EQ(*logs.Append("job", "att", 0, "hello ", 1), 6);     // resent
  EXPECT_EQ(*logs.Append("job", "att", 3, "lo world", 1), 11);  // overlaps
  EXPECT_EQ(*logs.Read("job", "att", 0, 100), "hello world");
  EXPECT_EQ(*logs.Read("job", "att", 6, 3), "wor");
  EXPECT_EQ(logs.Size("job", "att"), 11);
}

// Files stay open between appends (a bounded number of them) and are
// synced in groups; a reopened store finds every byte.
TEST(LogStore, ManyLogsSyncedInGroupsSurviveReopening) {
  TestDir dir;
  {
    LogStore logs(dir.path(), nullptr);
    for (int round = 0; round < 2; ++round) {
      for (int i = 0; i < 300; ++i) {  // more logs than stay open
        std::string attempt = "att" + std::to_string(i);
        EXPECT_EQ(*logs.Append("job", attempt, round * 4, "abcd", 1), (round + 1) * 4);
      }
      ASSERT_TRUE(logs.Sync().ok());
    }
    EXPECT_EQ(*logs.Append("job", "att7", 6, "cdXY", 1), 10);  // overlaps, then new bytes
    ASSERT_TRUE(logs.Sync().ok());
  }
  LogStore reopened(dir.path(), nullptr);
  EXPECT_EQ(*reopened.Read("job", "att7", 0, 100), "abcdabcdXY");
  EXPECT_EQ(*reopened.Read("job", "att299", 0, 100), "abcdabcd");
  EXPECT_EQ(*reopened.Append("job", "att299", 8, "!", 1), 9);
}

TEST(LogStore, RefusesAGap) {
  TestDir dir;
  LogStore logs(dir.path(), nullptr);
  ASSERT_TRUE(logs.Append("job", "att", 0, "abc", 1).ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(logs.Append("job", "att", 10, "x", 1).status()));
  EXPECT_EQ(*logs.Read("job", "att", 0, 100), "abc");
}

TEST(LogStore, KeepsBinaryBytesExactlyAndTagsStreams) {
  TestDir dir;
  LogStore logs(dir.path(), nullptr);
  std::string binary("\0\x01\xff\n\r", 5);
  ASSERT_TRUE(logs.Append("job", "att", 0, binary, 1).ok());
  ASSERT_TRUE(logs.Append("job", "att", 5, "err", 2).ok());
  EXPECT_EQ(*logs.Read("job", "att", 0, 100), binary + "err");
  EXPECT_EQ(*ReadFile(dir.File("job/att.streams")), "0 1\n5 2\n");
}

TEST(LogStore, AnAppendTellsTheJobEventsLogReaders) {
  TestDir dir;
  JobEvents events;
  LogStore logs(dir.path(), &events);
  uint64_t seen = events.Generation();
  uint64_t state = events.StateGeneration();
  ASSERT_TRUE(logs.Append("job", "att", 0, "x", 1).ok());
  EXPECT_NE(events.Generation(), seen);
  EXPECT_EQ(events.StateGeneration(), state);  // bytes are not a state change
  seen = events.Generation();
  ASSERT_TRUE(logs.Append("job", "att", 0, "x", 1).ok());  // a resend stores nothing
  EXPECT_EQ(events.Generation(), seen);
}

TEST(LogStore, ASyncFailureIsNotForgotten) {
  // A log whose sync failed stays dirty: here the file is fine, so the
  // check is that Sync covers every append and then has nothing left.
  TestDir dir;
  LogStore logs(dir.path(), nullptr);
  ASSERT_TRUE(logs.Append("job", "att", 0, "abc", 1).ok());
  EXPECT_TRUE(logs.Sync().ok());
  EXPECT_TRUE(logs.Sync().ok());
  EXPECT_EQ(logs.Size("job", "att"), 3);
}

// A second channel ("build") is a file of its own beside the attempt's
// log, with its own offsets: the task's log never holds its bytes.
TEST(LogStore, ChannelsAreSeparateLogsWithTheirOwnOffsets) {
  TestDir dir;
  LogStore logs(dir.path(), nullptr);
  EXPECT_EQ(*logs.Append("job", "att", 0, "task output\n", 1), 12);
  EXPECT_EQ(*logs.Append("job", "att", 0, "Step 1/2 : FROM x\n", 1, "build"), 18);
  EXPECT_EQ(*logs.Append("job", "att", 0, "Step 1/2 : FROM x\n", 1, "build"), 18);  // resent
  EXPECT_EQ(*logs.Append("job", "att", 18, "Step 2/2 : RUN y\n", 1, "build"), 35);
  EXPECT_FALSE(logs.Append("job", "att", 99, "gap", 1, "build").ok());
  ASSERT_TRUE(logs.Sync().ok());
  EXPECT_EQ(*logs.Read("job", "att", 0, 100), "task output\n");
  EXPECT_EQ(*logs.Read("job", "att", 0, 100, "build"), "Step 1/2 : FROM x\nStep 2/2 : RUN y\n");
  EXPECT_EQ(logs.Size("job", "att"), 12);
  EXPECT_EQ(logs.Size("job", "att", "build"), 35);
  EXPECT_EQ(logs.Size("job", "att", "service:db"), 0);  // nothing stored there
  EXPECT_TRUE(FileExists(dir.File("job/att.build.log")));
  EXPECT_EQ(*logs.ReadStream("job", "att", 1, 100), "task output\n");
}

TEST(LogStore, RefusesChannelsThatCouldLeaveTheDirectory) {
  TestDir dir;
  LogStore logs(dir.path(), nullptr);
  for (const char* bad : {"../x", "Build", "build/x", "service:", "service:../../x", ":x",
                          "service:.hidden", "a b"}) {
    absl::StatusOr<int64_t> stored = logs.Append("job", "att", 0, "x", 1, bad);
    EXPECT_TRUE(absl::IsInvalidArgument(stored.status())) << bad;
    EXPECT_FALSE(logs.Read("job", "att", 0, 10, bad).ok()) << bad;
    EXPECT_EQ(logs.Size("job", "att", bad), 0) << bad;
  }
  EXPECT_TRUE(logs.Append("job", "att", 0, "x", 1, "service:db-1.main_2").ok());
}

}  // namespace
// The stream index is a log like the others: written before the bytes it
// describes and kept through closing and reopening many logs.
TEST(LogStore, StreamRunsSurviveManyOpenLogsAndResends) {
  TestDir dir;
  LogStore logs(dir.path(), nullptr);
  const int kAttempts = 300;  // more than the store keeps open at once
  for (int i = 0; i < kAttempts; ++i) {
    std::string att = "att" + std::to_string(i);
    ASSERT_TRUE(logs.Append("job", att, 0, "out1 ", 1).ok());
    ASSERT_TRUE(logs.Append("job", att, 5, "err1 ", 2).ok());
    ASSERT_TRUE(logs.Sync().ok());
  }
  for (int i = 0; i < kAttempts; ++i) {
    std::string att = "att" + std::to_string(i);
    ASSERT_TRUE(logs.Append("job", att, 5, "err1 ", 2).ok());  // a resend: nothing new
    ASSERT_TRUE(logs.Append("job", att, 10, "out2", 1).ok());
  }
  ASSERT_TRUE(logs.Sync().ok());
  for (int i : {0, 150, kAttempts - 1}) {
    std::string att = "att" + std::to_string(i);
    EXPECT_EQ(*logs.ReadStream("job", att, 1, 100), "out1 out2") << att;
    EXPECT_EQ(*logs.ReadStream("job", att, 2, 100), "err1 ") << att;
    EXPECT_EQ(*logs.Read("job", att, 0, 100), "out1 err1 out2") << att;
  }
}

TEST(LogStore, AStreamIndexLineIsWrittenOncePerRun) {
  TestDir dir;
  LogStore logs(dir.path(), nullptr);
  ASSERT_TRUE(logs.Append("job", "att", 0, "a", 1).ok());
  ASSERT_TRUE(logs.Append("job", "att", 1, "b", 1).ok());
  ASSERT_TRUE(logs.Append("job", "att", 2, "c", 2).ok());
  ASSERT_TRUE(logs.Sync().ok());
  EXPECT_EQ(*ReadFile(dir.File("job/att.streams")), "0 1\n2 2\n");
}

}  // namespace arena
