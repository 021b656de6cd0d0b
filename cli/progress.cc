#include "cli/progress.h"

#include <cstdint>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/terminal.h"
#include "common/states.h"

namespace arena {
namespace {

bool OnePage(const v1::Job& job) { return job.task_total() > job.tasks_size(); }

// The time left: from what history expects of the tests left and done
// when the job's tests have history, else from the count of tasks done.
absl::Duration TimeLeft(const v1::Job& job, const std::string& arch, int64_t done, int64_t left,
                        int64_t running, absl::Duration elapsed) {
  int64_t left_ms = 0;
  int64_t done_ms = 0;
  for (const v1::WorkEstimate& e : job.estimates()) {
    if (!arch.empty() && e.arch() != arch) continue;
    left_ms += e.left_ms();
    done_ms += e.done_ms();
  }
  if (left_ms > 0 && done_ms > 0) {
    return elapsed * (static_cast<double>(left_ms) / static_cast<double>(done_ms));
  }
  if (left_ms > 0 && running > 0) return absl::Milliseconds(left_ms / running);
  if (done > 0) return elapsed * left / done;
  return absl::ZeroDuration();
}

}  // namespace

std::string Progress(const v1::Job& job, const std::string& arch, absl::Time now) {
  std::map<v1::State, int64_t> counts;
  int64_t total = 0;
  if (OnePage(job)) {
    for (const v1::TaskCount& c : job.task_counts()) counts[c.state()] += c.count();
    total = job.task_total();
  } else {
    for (const v1::Task& t : job.tasks()) {
      if (!arch.empty() && t.arch() != arch) continue;
      ++counts[t.state()];
      ++total;
    }
  }
  const int64_t done = total - counts[v1::QUEUED] - counts[v1::RUNNING];
  std::string out = absl::StrCat(done, "/", total, " tasks done");
  for (v1::State s : {v1::PASSED, v1::FAILED, v1::ERROR, v1::TIMED_OUT, v1::CANCELLED}) {
    if (counts[s] > 0) absl::StrAppend(&out, ", ", counts[s], " ", StateName(s));
  }
  absl::StrAppend(&out, "; ", counts[v1::RUNNING], " running, ", counts[v1::QUEUED], " queued");
  const int64_t left = total - done;
  const absl::Duration elapsed = now - absl::FromUnixMillis(job.created_unix_ms());
  if (left > 0 && job.created_unix_ms() > 0 && elapsed > absl::ZeroDuration()) {
    absl::Duration eta = TimeLeft(job, arch, done, left, counts[v1::RUNNING], elapsed);
    if (eta > absl::ZeroDuration()) {
      absl::StrAppend(&out, ", about ", absl::FormatDuration(absl::Ceil(eta, absl::Seconds(1))),
                      " left");
    }
  }
  return out;
}

std::vector<std::string> ProgressLines(const v1::Job& job, absl::Time now) {
  std::set<std::string> archs;
  for (const v1::Task& t : job.tasks()) archs.insert(t.arch());
  if (OnePage(job)) {
    return {absl::StrCat(SafeField(absl::StrJoin(archs, ",")), ": ", Progress(job, "", now))};
  }
  std::vector<std::string> lines;
  for (const std::string& arch : archs) {
    lines.push_back(absl::StrCat(SafeField(arch), ": ", Progress(job, arch, now)));
  }
  return lines;
}

}  // namespace arena
