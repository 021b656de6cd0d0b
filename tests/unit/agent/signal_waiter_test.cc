#include "agent/signal_waiter.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <thread>

namespace arena {
namespace {

// In a thread of its own, so the blocked mask stays there and the rest of
// the test binary keeps default signal handling; each signal is directed at
// the waiter's thread, which has them blocked.
TEST(SignalWaiter, TheFirstSignalStopsAndALaterOneIsTakenToo) {
  absl::Notification stop;
  std::thread main_thread([&] {
    SignalWaiter waiter(&stop);
    ASSERT_TRUE(waiter.status().ok());
    ASSERT_EQ(pthread_kill(waiter.thread_handle(), SIGTERM), 0);
    EXPECT_TRUE(stop.WaitForNotificationWithTimeout(absl::Seconds(30)));
    ASSERT_EQ(pthread_kill(waiter.thread_handle(), SIGINT), 0);  // logged, ignored
  });
  main_thread.join();
  EXPECT_TRUE(stop.HasBeenNotified());
}

}  // namespace
}  // namespace arena
