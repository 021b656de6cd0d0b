#include "controller/store/job_events.h"

#include <gtest/gtest.h>

#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"

namespace arena {

namespace {

TEST(JobEvents, StateChangesWakeBothKindsOfWaiterBytesOnlyLogReaders) {
  JobEvents events;
  uint64_t any = events.Generation();
  uint64_t state = events.StateGeneration();
  events.LogsGrew();
  EXPECT_NE(events.Generation(), any);
  EXPECT_EQ(events.StateGeneration(), state);
  any = events.Generation();
  events.StatesChanged();
  EXPECT_NE(events.Generation(), any);
  EXPECT_NE(events.StateGeneration(), state);
}

TEST(JobEvents, AWaiterReturnsWhenTheChangeComesNotAtItsTimeout) {
  JobEvents events;
  uint64_t seen = events.StateGeneration();
  absl::Notification waiting;
  absl::Duration took;
  std::thread waiter([&] {
    waiting.Notify();
    absl::Time start = absl::Now();
    events.WaitForStateChange(seen, absl::Seconds(30));
    took = absl::Now() - start;
  });
  waiting.WaitForNotification();
  events.StatesChanged();
  waiter.join();
  EXPECT_LT(took, absl::Seconds(10));
}

TEST(JobEvents, AWaitForAChangeAlreadySeenReturnsAtOnce) {
  JobEvents events;
  uint64_t seen = events.Generation();
  events.LogsGrew();
  absl::Time start = absl::Now();
  events.WaitForChange(seen, absl::Seconds(30));
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
}

}  // namespace
}  // namespace arena
