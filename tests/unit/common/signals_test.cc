#include "common/signals.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <thread>

namespace arena {
namespace {

// The test runs in a thread of its own so the mask stays there and the
// rest of the test binary keeps default signal handling.
TEST(Signals, ABlockedSigtermWaitsForTheWaiterInsteadOfEndingTheProcess) {
  int taken = 0;
  std::thread waiter([&] {
    ASSERT_TRUE(BlockTerminationSignals().ok());
    pthread_kill(pthread_self(), SIGTERM);  // pending, not delivered
    taken = WaitForTerminationSignal();
  });
  waiter.join();
  EXPECT_EQ(taken, SIGTERM);
}

TEST(Signals, SigintIsTakenToo) {
  int taken = 0;
  std::thread waiter([&] {
    ASSERT_TRUE(BlockTerminationSignals().ok());
    pthread_kill(pthread_self(), SIGINT);
    taken = WaitForTerminationSignal();
  });
  waiter.join();
  EXPECT_EQ(taken, SIGINT);
}

}  // namespace
}  // namespace arena
