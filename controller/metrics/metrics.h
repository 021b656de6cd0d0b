// Prometheus metrics: counters, gauges and histograms kept in memory and
// rendered in the text exposition format for /metrics.
// Owner: the Controller (one Metrics, shared by pointer). Thread-safe.
#ifndef ARENA_CONTROLLER_METRICS_METRICS_H_
#define ARENA_CONTROLLER_METRICS_METRICS_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace arena {

class Metrics {
 public:
  // Label sets are rendered as given: {"arch", "amd64"} -> arch="amd64".
  using Labels = std::vector<std::pair<std::string, std::string>>;

  Metrics();

  void Add(const std::string& counter, double value, const Labels& labels = {});
  void Set(const std::string& gauge, double value, const Labels& labels = {});
  void Observe(const std::string& histogram, double seconds);
  // Runs before each render, for gauges read from elsewhere (the store, the
  // scheduler's snapshot). Called without the metrics lock held.
  void OnRender(std::function<void(Metrics&)> collector);

  std::string Render();

 private:
  struct Family {
    std::string type;
    std::string help;
    std::map<std::string, double> samples;  // rendered labels -> value
    std::vector<double> bounds;             // histograms
    std::vector<uint64_t> buckets;
    double sum = 0;
    uint64_t count = 0;
  };
  void Define(const std::string& name, const std::string& type, const std::string& help,
              std::vector<double> bounds = {});

  absl::Mutex mu_;
  std::map<std::string, Family> families_ ABSL_GUARDED_BY(mu_);
  std::vector<std::function<void(Metrics&)>> collectors_ ABSL_GUARDED_BY(mu_);
};

}  // namespace arena

#endif  // ARENA_CONTROLLER_METRICS_METRICS_H_
