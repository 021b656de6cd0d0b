#include "controller/metrics/metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace arena {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(Metrics, CountersAddUpPerLabelSet) {
  Metrics m;
  m.Add("arena_tasks_finished_total", 1, {{"state", "passed"}});
  m.Add("arena_tasks_finished_total", 2, {{"state", "passed"}});
  m.Add("arena_tasks_finished_total", 1, {{"state", "failed"}});
  std::string out = m.Render();
  EXPECT_THAT(out, HasSubstr("# TYPE arena_tasks_finished_total counter\n"));
  EXPECT_THAT(out, HasSubstr("arena_tasks_finished_total{state=\"passed\"} 3\n"));
  EXPECT_THAT(out, HasSubstr("arena_tasks_finished_total{state=\"failed\"} 1\n"));
}

TEST(Metrics, GaugesKeepTheLastValue) {
  Metrics m;
  m.Set("arena_queue_depth", 5, {{"arch", "amd64"}});
  m.Set("arena_queue_depth", 2, {{"arch", "amd64"}});
  EXPECT_THAT(m.Render(), HasSubstr("arena_queue_depth{arch=\"amd64\"} 2\n"));
}

TEST(Metrics, HistogramBucketsAreCumulativeWithSumAndCount) {
  Metrics m;
  m.Observe("arena_scheduler_event_seconds", 0.002);  // <= 0.0025 and above
  m.Observe("arena_scheduler_event_seconds", 0.2);    // <= 0.25 and above
  m.Observe("arena_scheduler_event_seconds", 10);     // +Inf only
  std::string out = m.Render();
  EXPECT_THAT(out, HasSubstr("arena_scheduler_event_seconds_bucket{le=\"0.001\"} 0\n"));
  EXPECT_THAT(out, HasSubstr("arena_scheduler_event_seconds_bucket{le=\"0.0025\"} 1\n"));
  EXPECT_THAT(out, HasSubstr("arena_scheduler_event_seconds_bucket{le=\"0.25\"} 2\n"));
  EXPECT_THAT(out, HasSubstr("arena_scheduler_event_seconds_bucket{le=\"5\"} 2\n"));
  EXPECT_THAT(out, HasSubstr("arena_scheduler_event_seconds_bucket{le=\"+Inf\"} 3\n"));
  EXPECT_THAT(out, HasSubstr("arena_scheduler_event_seconds_count 3\n"));
  EXPECT_THAT(out, HasSubstr("arena_scheduler_event_seconds_sum 10.202"));
}

TEST(Metrics, LabelValuesAreEscaped) {
  Metrics m;
  m.Set("arena_agents", 1, {{"state", "a\"b\\c\nd"}});
  EXPECT_THAT(m.Render(), HasSubstr("arena_agents{state=\"a\\\"b\\\\c\\nd\"} 1\n"));
}

TEST(Metrics, CollectorsRunBeforeEachRenderWithoutTheLock) {
  Metrics m;
  int renders = 0;
  m.OnRender([&renders](Metrics& self) {
    ++renders;
    self.Set("arena_agents", renders, {{"state", "connected"}});  // would deadlock if locked
  });
  EXPECT_THAT(m.Render(), HasSubstr("arena_agents{state=\"connected\"} 1\n"));
  EXPECT_THAT(m.Render(), HasSubstr("arena_agents{state=\"connected\"} 2\n"));
}

TEST(Metrics, ConcurrentCountsAreNotLost) {
  Metrics m;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&m] {
      for (int i = 0; i < 1000; ++i) m.Add("arena_log_bytes_total", 1);
    });
  }
  for (std::thread& t : threads) t.join();
  std::string out = m.Render();
  EXPECT_THAT(out, HasSubstr("arena_log_bytes_total 4000\n"));
  EXPECT_THAT(out, Not(HasSubstr("arena_log_bytes_total 3")));
}

}  // namespace
}  // namespace arena
