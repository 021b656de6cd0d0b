#include "agent/executor/single_flight.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"

namespace arena {
namespace {

TEST(SingleFlight, ConcurrentCallersOfOneKeyShareOneRun) {
  SingleFlight<int> flights;
  absl::Notification release;
  std::atomic<int> runs{0};
  absl::Mutex mu;
  int waited = 0;
  StopSignal stop;
  std::vector<int> results(4, 0);
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      absl::StatusOr<int> r = flights.Do(
          "tag",
          [&]() -> absl::StatusOr<int> {
            ++runs;
            release.WaitForNotification();
            return 42;
          },
          [&] {
            absl::MutexLock lock(&mu);
            ++waited;
          },
          &stop);
      results[i] = r.ok() ? *r : -1;
    });
  }
  {
    // Three callers have joined the run in flight (bounded: a failure is
    // a failed test, not a hung one).
    absl::MutexLock lock(&mu);
    auto three_waiting = [&] { return waited == 3; };
    EXPECT_TRUE(mu.AwaitWithTimeout(absl::Condition(&three_waiting), absl::Seconds(30)));
  }
  release.Notify();
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(runs.load(), 1);
  EXPECT_EQ(flights.started(), 1);
  for (int r : results) EXPECT_EQ(r, 42);
  // Over: the next call runs again.
  EXPECT_EQ(*flights.Do(
                "tag", [] { return absl::StatusOr<int>(7); }, [] {}, &stop),
            7);
  EXPECT_EQ(flights.started(), 2);
}

TEST(SingleFlight, AWaiterLeadsWhenTheLeaderWasCancelled) {
  SingleFlight<int> flights;
  absl::Notification leading, release;
  StopSignal stop;
  std::thread leader([&] {
    flights
        .Do(
            "k",
            [&]() -> absl::StatusOr<int> {
              leading.Notify();
              release.WaitForNotification();
              return absl::CancelledError("leader cancelled");
            },
            [] {}, &stop)
        .IgnoreError();
  });
  leading.WaitForNotification();
  // The leader is let go once this caller waits on its run, so the caller
  // sees the cancelled outcome and must lead itself.
  absl::StatusOr<int> mine = flights.Do(
      "k", [] { return absl::StatusOr<int>(5); }, [&] { release.Notify(); }, &stop);
  leader.join();
  EXPECT_EQ(*mine, 5);
  EXPECT_EQ(flights.started(), 2);
}

TEST(SingleFlight, AWaiterStopsWaitingWhenCancelled) {
  SingleFlight<int> flights;
  absl::Notification leading, release;
  StopSignal never, stop;
  std::thread leader([&] {
    flights
        .Do(
            "k",
            [&]() -> absl::StatusOr<int> {
              leading.Notify();
              release.WaitForNotification();
              return 1;
            },
            [] {}, &never)
        .IgnoreError();
  });
  leading.WaitForNotification();
  stop.Cancel("job cancelled");
  absl::StatusOr<int> mine = flights.Do(
      "k", [] { return absl::StatusOr<int>(5); }, [] {}, &stop);
  EXPECT_TRUE(absl::IsCancelled(mine.status()));
  release.Notify();
  leader.join();
}

}  // namespace
}  // namespace arena
