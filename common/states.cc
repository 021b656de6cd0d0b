#include "common/states.h"

#include "absl/strings/str_cat.h"

namespace arena {

const char* StateName(v1::State state) {
  switch (state) {
    case v1::QUEUED:
      return "queued";
    case v1::RUNNING:
      return "running";
    case v1::PASSED:
      return "passed";
    case v1::FAILED:
      return "failed";
    case v1::ERROR:
      return "error";
    case v1::CANCELLED:
      return "cancelled";
    case v1::TIMED_OUT:
      return "timed_out";
    default:
      return "unknown";
  }
}

v1::State StateFromName(const std::string& name) {
  for (v1::State state :
       {v1::QUEUED, v1::RUNNING, v1::PASSED, v1::FAILED, v1::ERROR, v1::CANCELLED, v1::TIMED_OUT}) {
    if (name == StateName(state)) return state;
  }
  return v1::STATE_UNSPECIFIED;
}

bool IsTerminal(v1::State state) {
  return state != v1::QUEUED && state != v1::RUNNING && state != v1::STATE_UNSPECIFIED;
}

std::string TaskName(const v1::Task& task) {
  switch (task.kind()) {
    case v1::TASK_KIND_SUITE:
      return absl::StrCat(task.arch(), "/", task.suite());
    case v1::TASK_KIND_LIST:
      return absl::StrCat(task.arch(), "/list");
    case v1::TASK_KIND_TEST:
      return absl::StrCat(task.arch(), "/", task.test_id());
    default:
      return task.arch();
  }
}

}  // namespace arena
