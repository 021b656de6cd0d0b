// Process log lines on stderr: "2026-11-28T10:00:00.123Z component: message".
// Thread-safe: each line is written with a single write(2).
#ifndef ARENA_COMMON_LOGGING_H_
#define ARENA_COMMON_LOGGING_H_

#include "absl/strings/string_view.h"

namespace arena {

void LogLine(absl::string_view component, absl::string_view message);

}  // namespace arena

#endif  // ARENA_COMMON_LOGGING_H_
