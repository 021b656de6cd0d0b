#include "controller/metrics/metrics.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace arena {
namespace {

std::string RenderLabels(const Metrics::Labels& labels) {
  if (labels.empty()) return "";
  std::string out = "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    std::string value;
    for (char c : labels[i].second) {
      if (c == '\\' || c == '"') value.push_back('\\');
      if (c == '\n') {
        value += "\\n";
        continue;
      }
      value.push_back(c);
    }
    absl::StrAppend(&out, i ? "," : "", labels[i].first, "=\"", value, "\"");
  }
  return out + "}";
}

// The shortest text that reads back as `v` ("0.0025", not
// "0.0025000000000000001").
std::string Number(double v) {
  for (int precision : {15, 16}) {
    std::string text = absl::StrFormat("%.*g", precision, v);
    if (std::strtod(text.c_str(), nullptr) == v) return text;
  }
  return absl::StrFormat("%.17g", v);
}

const std::vector<double> kLatencyBounds = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                            0.1,   0.25,   0.5,   1,    2.5,   5};
const std::vector<double> kDurationBounds = {0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600};

}  // namespace

Metrics::Metrics() {
  Define("arena_agents", "gauge", "Enrolled agents by state.");
  Define("arena_tasks", "gauge", "Tasks in the store by state.");
  Define("arena_queue_depth", "gauge", "Queued tasks waiting for an agent, by architecture.");
  Define("arena_time_to_start_seconds", "histogram",
         "From a task being queued to its container starting.", kDurationBounds);
  Define("arena_task_duration_seconds", "histogram", "From container start to the recorded result.",
         kDurationBounds);
  Define("arena_log_bytes_total", "counter", "Log bytes received from agents and stored.");
  Define("arena_scheduler_event_seconds", "histogram",
         "Time the scheduler thread spends on one event (store and log writes included).",
         kLatencyBounds);
  Define("arena_tasks_finished_total", "counter", "Task results recorded, by state.");
  Define("arena_http_errors_total", "counter", "REST answers with a 4xx or 5xx status, by code.");
  Define("arena_grpc_errors_total", "counter",
         "Public gRPC calls answered with an error, by status code.");
  Define("arena_store_write_seconds", "histogram",
         "One durable SQLite write (an autocommit statement or a COMMIT, fsync included).",
         kLatencyBounds);
}

void Metrics::Define(const std::string& name, const std::string& type, const std::string& help,
                     std::vector<double> bounds) {
  absl::MutexLock lock(&mu_);
  Family& f = families_[name];
  f.type = type;
  f.help = help;
  f.bounds = std::move(bounds);
  f.buckets.assign(f.bounds.size(), 0);
}

void Metrics::Add(const std::string& counter, double value, const Labels& labels) {
  absl::MutexLock lock(&mu_);
  families_[counter].samples[RenderLabels(labels)] += value;
}

void Metrics::Set(const std::string& gauge, double value, const Labels& labels) {
  absl::MutexLock lock(&mu_);
  families_[gauge].samples[RenderLabels(labels)] = value;
}

void Metrics::Observe(const std::string& histogram, double seconds) {
  absl::MutexLock lock(&mu_);
  Family& f = families_[histogram];
  for (size_t i = 0; i < f.bounds.size(); ++i) {
    if (seconds <= f.bounds[i]) ++f.buckets[i];
  }
  f.sum += seconds;
  ++f.count;
}

void Metrics::OnRender(std::function<void(Metrics&)> collector) {
  absl::MutexLock lock(&mu_);
  collectors_.push_back(std::move(collector));
}

std::string Metrics::Render() {
  std::vector<std::function<void(Metrics&)>> collectors;
  {
    absl::MutexLock lock(&mu_);
    collectors = collectors_;
  }
  for (auto& collect : collectors) collect(*this);
  absl::MutexLock lock(&mu_);
  std::string out;
  for (const auto& [name, f] : families_) {
    absl::StrAppend(&out, "# HELP ", name, " ", f.help, "\n# TYPE ", name, " ", f.type, "\n");
    if (f.type == "histogram") {
      for (size_t i = 0; i < f.bounds.size(); ++i) {
        absl::StrAppend(&out, name, "_bucket{le=\"", Number(f.bounds[i]), "\"} ", f.buckets[i],
                        "\n");
      }
      absl::StrAppend(&out, name, "_bucket{le=\"+Inf\"} ", f.count, "\n", name, "_sum ",
                      Number(f.sum), "\n", name, "_count ", f.count, "\n");
      continue;
    }
    for (const auto& [labels, value] : f.samples) {
      absl::StrAppend(&out, name, labels, " ", Number(value), "\n");
    }
  }
  return out;
}

}  // namespace arena
