// JUnit XML for a finished job: one testcase per task (its architecture),
// failures and errors carrying the last lines of the task's log.
#ifndef ARENA_CLI_JUNIT_H_
#define ARENA_CLI_JUNIT_H_

#include <map>
#include <string>

#include "absl/strings/string_view.h"
#include "arena/v1/jobs.pb.h"

namespace arena {

// `log_tails` maps task id to the end of its log (may be missing).
std::string JunitXml(const v1::Job& job, const std::map<std::string, std::string>& log_tails);

// The last `lines` lines of `text`.
std::string LastLines(absl::string_view text, int lines);

// Escapes for XML 1.0 text and attributes; control characters XML cannot
// carry become '?'.
std::string XmlEscape(absl::string_view text);

}  // namespace arena

#endif  // ARENA_CLI_JUNIT_H_
