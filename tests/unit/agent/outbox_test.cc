#include "agent/session/outbox.h"

#include <gtest/gtest.h>

#include <thread>

#include "absl/time/clock.h"
#include "common/files.h"
#include "tests/unit/test_dir.h"

namespace arena {
namespace {

v1::AgentMessage Grant() {
  v1::AgentMessage message;
  message.mutable_grant()->set_credits(1);
  return message;
}

v1::TaskEvent Exited(const std::string& id) {
  v1::TaskEvent event;
  event.set_attempt_id(id);
  event.set_kind(v1::TASK_EVENT_EXITED);
  return event;
}

// What the writer would send now, without waiting.
std::vector<v1::AgentMessage> DrainNow(Outbox& outbox) {
  std::vector<v1::AgentMessage> out;
  while (std::optional<v1::AgentMessage> m = outbox.Next(absl::ZeroDuration())) out.push_back(*m);
  return out;
}

TEST(Outbox, DropsControlMessagesWhileNoConnectionIsOpen) {
  Outbox outbox;
  EXPECT_FALSE(outbox.Push(Grant()));
  EXPECT_FALSE(outbox.Next(absl::ZeroDuration()).has_value());
  outbox.Open();
  EXPECT_TRUE(outbox.Push(Grant()));
  outbox.Close();
  outbox.Open();
  EXPECT_TRUE(DrainNow(outbox).empty());  // queued for the connection that ended
}

TEST(Outbox, SendsControlThenLogsThenFilesThenTheResult) {
  TestDir dir;
  ASSERT_TRUE(WriteFileAtomic(dir.File("report.xml"), "<testsuite/>").ok());
  auto output =
      std::make_shared<OutputSpool>(dir.path(), "att-1", 0, std::vector<std::string>(), "");
  Outbox outbox;
  outbox.Open();
  outbox.Add(output);
  output->Append(1, "line\n");
  output->SetFiles({{"junit/report.xml", true, dir.File("report.xml"), 12}});
  outbox.Finish("att-1", Exited("att-1"));
  outbox.Push(Grant());
  std::vector<v1::AgentMessage> sent = DrainNow(outbox);
  ASSERT_EQ(sent.size(), 4u);
  EXPECT_TRUE(sent[0].has_grant());
  ASSERT_TRUE(sent[1].has_log());
  EXPECT_EQ(sent[1].log().data(), "line\n");
  ASSERT_TRUE(sent[2].has_file());
  EXPECT_EQ(sent[2].file().data(), "<testsuite/>");
  ASSERT_TRUE(sent[3].has_event());
  EXPECT_EQ(sent[3].event().kind(), v1::TASK_EVENT_EXITED);
  ASSERT_EQ(sent[3].event().files_size(), 1);
  EXPECT_EQ(sent[3].event().files(0).path(), "junit/report.xml");
}

TEST(Outbox, TheResultWaitsForItsLogAndIsSentOncePerConnection) {
  TestDir dir;
  auto output =
      std::make_shared<OutputSpool>(dir.path(), "att-1", 0, std::vector<std::string>(), "");
  Outbox outbox;
  outbox.Open();
  outbox.Add(output);
  outbox.Finish("att-1", Exited("att-1"));
  output->Append(1, "late\n");  // the attempt's last bytes, after its end
  std::vector<v1::AgentMessage> sent = DrainNow(outbox);
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_TRUE(sent[0].has_log());
  EXPECT_TRUE(sent[1].has_event());
  EXPECT_TRUE(DrainNow(outbox).empty());
  // A reconnect: the log waits for the controller's ack, then the result
  // goes again (the controller may not have recorded it).
  outbox.Close();
  outbox.Open();
  EXPECT_TRUE(DrainNow(outbox).empty());
  output->Ack("", 5);
  sent = DrainNow(outbox);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_TRUE(sent[0].has_event());
}

TEST(Outbox, NeverSendsTheResultOfAFencedAttempt) {
  TestDir dir;
  auto output =
      std::make_shared<OutputSpool>(dir.path(), "att-1", 0, std::vector<std::string>(), "");
  Outbox outbox;
  outbox.Open();
  outbox.Add(output);
  outbox.Fence("att-1");
  outbox.Finish("att-1", Exited("att-1"));
  EXPECT_TRUE(DrainNow(outbox).empty());
  outbox.Remove("att-1");
  EXPECT_TRUE(DrainNow(outbox).empty());
}

TEST(Outbox, KeepsLogsWithinTheWindowUntilAcknowledged) {
  TestDir dir;
  auto output =
      std::make_shared<OutputSpool>(dir.path(), "att-1", 0, std::vector<std::string>(), "");
  Outbox outbox;
  outbox.Open();
  outbox.Add(output);
  output->Append(1, std::string(LogSpool::kWindowBytes + 10, 'x'));
  std::vector<v1::AgentMessage> sent = DrainNow(outbox);
  int64_t bytes = 0;
  for (const v1::AgentMessage& m : sent) bytes += static_cast<int64_t>(m.log().data().size());
  EXPECT_EQ(bytes, LogSpool::kWindowBytes);
  output->Ack("", LogSpool::kWindowBytes);
  sent = DrainNow(outbox);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].log().data().size(), 10u);
}

TEST(Outbox, AWaitingWriterWakesWhenOutputArrives) {
  TestDir dir;
  auto output =
      std::make_shared<OutputSpool>(dir.path(), "att-1", 0, std::vector<std::string>(), "");
  Outbox outbox;
  outbox.Open();
  outbox.Add(output);
  std::thread appender([&] {
    output->Append(1, "hi\n");
    outbox.Poke();
  });
  absl::Time start = absl::Now();
  std::optional<v1::AgentMessage> message = outbox.Next(absl::Seconds(30));
  appender.join();
  ASSERT_TRUE(message.has_value());
  EXPECT_EQ(message->log().data(), "hi\n");
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
}

TEST(Outbox, CloseEndsAWaitingWriter) {
  Outbox outbox;
  outbox.Open();
  std::thread closer([&] { outbox.Close(); });
  EXPECT_FALSE(outbox.Next(absl::Seconds(30)).has_value());
  closer.join();
  EXPECT_FALSE(outbox.open());
}

}  // namespace
}  // namespace arena
