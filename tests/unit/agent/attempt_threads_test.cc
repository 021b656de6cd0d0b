#include "agent/session/attempt_threads.h"

#include <gtest/gtest.h>

#include <atomic>

#include "absl/synchronization/notification.h"

namespace arena {
namespace {

TEST(AttemptThreads, JoinAllWaitsForEveryThreadItStarted) {
  std::atomic<int> done{0};
  absl::Notification release;
  AttemptThreads threads;
  for (int i = 0; i < 4; ++i) {
    threads.Start([&] {
      release.WaitForNotification();
      ++done;
    });
  }
  EXPECT_EQ(threads.size(), 4);
  release.Notify();
  threads.JoinAll();
  EXPECT_EQ(done.load(), 4);
  EXPECT_EQ(threads.size(), 0);
}

TEST(AttemptThreads, JoinsFinishedThreadsAtTheNextStart) {
  AttemptThreads threads;
  absl::Notification finished;
  threads.Start([&] { finished.Notify(); });
  finished.WaitForNotification();
  threads.JoinAll();  // returns at once: nothing runs
  threads.Start([] {});
  threads.JoinAll();
  EXPECT_EQ(threads.size(), 0);
}

TEST(AttemptThreads, TheDestructorJoinsAThreadStartedFromAnotherThread) {
  std::atomic<bool> inner_ran{false};
  {
    AttemptThreads threads;
    threads.Start([&] { threads.Start([&] { inner_ran = true; }); });
  }
  EXPECT_TRUE(inner_ran.load());
}

}  // namespace
}  // namespace arena
