#include "controller/results/recorder.h"

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/states.h"
#include "common/status_macros.h"
#include "controller/results/junit_parser.h"
#include "controller/store/artifact_store.h"
#include "controller/store/store.h"

namespace arena {
namespace {

// A test-queue task's one result, from how its command ended.
v1::TestResult ResultFromExit(const AttemptContext& attempt) {
  v1::TestResult result;
  result.set_name(attempt.task->test_id());
  result.set_test_key(attempt.task->test_id());
  result.set_duration_ms(attempt.duration_ms);
  switch (attempt.state) {
    case v1::PASSED:
      result.set_status("passed");
      break;
    case v1::FAILED:
    case v1::TIMED_OUT:
      result.set_status("failed");
      result.set_message(attempt.reason);
      break;
    default:
      result.set_status("error");
      result.set_message(attempt.reason);
      break;
  }
  return result;
}

int StatusRank(const std::string& status) {
  if (status == "error") return 3;
  if (status == "failed") return 2;
  if (status == "passed") return 1;
  return 0;
}

// The member of the batch a JUnit row belongs to: its key is the test id,
// or its name, or its classname and name joined as runners print ids.
const BatchMember* FindMember(const std::map<std::string, const BatchMember*>& by_id,
                              const v1::TestResult& r) {
  for (const std::string& id :
       {r.test_key(), r.name(), absl::StrCat(r.classname(), "::", r.name()),
        absl::StrCat(r.classname(), ".", r.name()), absl::StrCat(r.classname(), "/", r.name())}) {
    auto it = by_id.find(id);
    if (it != by_id.end()) return it->second;
  }
  return nullptr;
}

// Files each result under its task and attempt (a batch member's own when
// it is one of theirs), marks quarantine and collects what failed.
void FileResults(const AttemptContext& attempt, const std::set<std::string>& quarantined,
                 std::vector<v1::TestResult>& results, RecordedResults* recorded) {
  const v1::Task& task = *attempt.task;
  std::map<std::string, const BatchMember*> by_id;
  for (const BatchMember& m : attempt.batch) by_id[m.test_id] = &m;
  int64_t now = absl::ToUnixMillis(absl::Now());
  for (v1::TestResult& r : results) {
    const BatchMember* member = by_id.empty() ? nullptr : FindMember(by_id, r);
    r.set_task_id(member != nullptr ? member->task_id : task.id());
    r.set_attempt_id(member != nullptr ? member->attempt_id : attempt.attempt_id);
    r.set_attempt_number(member != nullptr ? member->attempt_number : attempt.attempt_number);
    r.set_agent_id(attempt.agent_id);
    r.set_arch(task.arch());
    if (task.kind() == v1::TASK_KIND_SUITE) r.set_suite(task.suite());
    r.set_finished_unix_ms(now);
    // In test-queue mode the scheduled id is the identity across runs.
    if (task.kind() == v1::TASK_KIND_TEST && results.size() == 1 && by_id.empty()) {
      r.set_test_key(task.test_id());
    }
    if (member != nullptr) {
      r.set_test_key(member->test_id);
      auto [it, added] = recorded->batch_status.emplace(member->test_id, r.status());
      if (!added && StatusRank(r.status()) > StatusRank(it->second)) it->second = r.status();
      recorded->batch_time_ms[member->test_id] += r.duration_ms();
    }
    recorded->time_ms += r.duration_ms();
    r.set_quarantined(quarantined.count(r.test_key()) > 0);
    if (r.status() == "failed" || r.status() == "error")
      recorded->failed_keys.push_back(r.test_key());
  }
}

}  // namespace

std::vector<std::string> AttemptNotes(const v1::TaskEvent& event) {
  constexpr int kMaxNotes = 50;
  constexpr size_t kMaxNoteBytes = 1000;
  std::vector<std::string> notes;
  for (int i = 0; i < event.notes_size() && i < kMaxNotes; ++i) {
    std::string note;
    for (char c : event.notes(i).substr(0, kMaxNoteBytes)) {
      bool control = static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
      note += control ? absl::CEscape(std::string(1, c)) : std::string(1, c);
    }
    notes.push_back(std::move(note));
  }
  if (event.notes_size() > kMaxNotes) {
    notes.push_back(absl::StrCat("... and ", event.notes_size() - kMaxNotes, " more notes"));
  }
  return notes;
}

void ShareWallTime(int64_t wall_ms, std::vector<v1::TestResult>* results) {
  if (results->empty()) return;
  // In double: the durations are the runner's, and their sum or their
  // product with the wall time could overflow int64.
  double total = 0;
  for (const v1::TestResult& r : *results) total += std::max<int64_t>(0, r.duration_ms());
  const int64_t wall = std::max<int64_t>(0, wall_ms);
  const auto n = static_cast<int64_t>(results->size());
  for (v1::TestResult& r : *results) {
    double own = static_cast<double>(std::max<int64_t>(0, r.duration_ms()));
    r.set_share_ms(total > 0 ? static_cast<int64_t>(static_cast<double>(wall) * own / total)
                             : wall / n);
  }
}

absl::StatusOr<RecordedResults> RecordAttemptResults(Store* store, ArtifactStore* artifacts,
                                                     const AttemptContext& attempt,
                                                     const v1::TaskEvent& event,
                                                     const std::set<std::string>& quarantined) {
  const v1::Task& task = *attempt.task;
  RecordedResults recorded;
  std::vector<ArtifactRecord> files;
  for (const v1::FileInfo& file : event.files()) {
    bool junit = file.kind() == v1::FILE_KIND_JUNIT;
    int64_t size = artifacts == nullptr
                       ? -1
                       : artifacts->Size(attempt.job_id, attempt.attempt_id, junit, file.path());
    if (size != file.size()) {
      return absl::FailedPreconditionError(absl::StrCat("file ", file.path(), " of ",
                                                        attempt.attempt_id, " has ", size, " of ",
                                                        file.size(), " bytes"));
    }
    RETURN_IF_ERROR(artifacts->Sync(attempt.job_id, attempt.attempt_id, junit, file.path()));
    files.push_back({attempt.attempt_id, attempt.job_id, task.id(), file.path(), size, junit});
  }
  if (!files.empty()) RETURN_IF_ERROR(store->results().UpsertArtifacts(files));

  std::vector<v1::TestResult> results;
  for (const ArtifactRecord& file : files) {
    if (!file.junit) continue;
    absl::StatusOr<std::string> xml =
        file.size > static_cast<int64_t>(kMaxJunitBytes)
            ? absl::StatusOr<std::string>(absl::ResourceExhaustedError(
                  absl::StrCat("JUnit report of ", file.size >> 20, " MiB is over the ",
                               kMaxJunitBytes >> 20, " MiB limit")))
            : artifacts->Read(attempt.job_id, attempt.attempt_id, true, file.path, 0, file.size);
    absl::StatusOr<std::vector<v1::TestResult>> parsed = xml.ok() ? ParseJunit(*xml) : xml.status();
    if (!parsed.ok()) {
      absl::StrAppend(&recorded.junit_error, recorded.junit_error.empty() ? "" : "; ", file.path,
                      ": ", parsed.status().message());
      continue;
    }
    for (v1::TestResult& r : *parsed) results.push_back(std::move(r));
  }
  // A batch's tests without a row have no result (they run again alone).
  if (results.empty() && task.kind() == v1::TASK_KIND_TEST && recorded.junit_error.empty() &&
      attempt.batch.empty()) {
    results.push_back(ResultFromExit(attempt));
  }
  FileResults(attempt, quarantined, results, &recorded);
  ShareWallTime(attempt.duration_ms, &results);
  if (!results.empty())
    RETURN_IF_ERROR(store->results().InsertTestResults(attempt.job_id, results));
  recorded.count = static_cast<int>(results.size());
  return recorded;
}

}  // namespace arena
