#include "agent/signal_waiter.h"

#include <gtest/gtest.h>

namespace arena {
namespace {

TEST(SignalWaiter, TheFirstSignalStopsAndLaterOnesAreTakenToo) {
  absl::Notification stop;
  {
    // SIGUSR2, directed at the waiter's own thread, so no other thread of
    // the test binary can receive it.
    SignalWaiter waiter(&stop, {SIGUSR2});
    ASSERT_EQ(pthread_kill(waiter.thread_handle(), SIGUSR2), 0);
    EXPECT_TRUE(stop.WaitForNotificationWithTimeout(absl::Seconds(30)));
    ASSERT_EQ(pthread_kill(waiter.thread_handle(), SIGUSR2), 0);  // logged, ignored
  }
  // The destructor ended the thread; the mask is restored for later tests.
  sigset_t usr2;
  sigemptyset(&usr2);
  sigaddset(&usr2, SIGUSR2);
  pthread_sigmask(SIG_UNBLOCK, &usr2, nullptr);
}

}  // namespace
}  // namespace arena
