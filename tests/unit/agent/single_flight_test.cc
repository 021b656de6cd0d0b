#include "agent/executor/single_flight.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"

namespace arena {
namespace {

TEST(SingleFlight, ConcurrentCallersOfOneKeyShareOneRun) {
  SingleFlight<int> flights;
  absl::Notification release;
  std::atomic<int> runs{0}, waited{0};
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
          [&] { ++waited; }, &stop);
      results[i] = r.ok() ? *r : -1;
    });
  }
  while (waited.load() < 3) absl::SleepFor(absl::Milliseconds(5));
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
  std::thread releaser([&] {
    absl::SleepFor(absl::Milliseconds(50));
    release.Notify();
  });
  absl::StatusOr<int> mine = flights.Do(
      "k", [] { return absl::StatusOr<int>(5); }, [] {}, &stop);
  leader.join();
  releaser.join();
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
