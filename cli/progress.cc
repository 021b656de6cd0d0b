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
  if (done > 0 && left > 0 && job.created_unix_ms() > 0 && elapsed > absl::ZeroDuration()) {
    absl::Duration eta = absl::Ceil(elapsed * left / done, absl::Seconds(1));
    absl::StrAppend(&out, ", about ", absl::FormatDuration(eta), " left");
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
