// Process log lines on stderr, one per event. Text: "2026-11-28T10:00:00.123Z
// info scheduler: message"; JSON: {"ts": ..., "level": ..., "component": ...,
// "msg": ...}. Lines below the configured level are dropped. Thread-safe:
// each line is written with a single write(2).
#ifndef ARENA_COMMON_LOGGING_H_
#define ARENA_COMMON_LOGGING_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace arena {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// From --log-level (debug, info, warn, error) and --log-format (text, json);
// InvalidArgument naming the bad value. Call before other threads start.
absl::Status SetLogOptions(const std::string& level, const std::string& format);

void Log(LogLevel level, absl::string_view component, absl::string_view message);
// Log(kInfo, ...).
void LogLine(absl::string_view component, absl::string_view message);

// The line Log() writes (without the newline), for tests.
std::string FormatLogLine(LogLevel level, absl::string_view component, absl::string_view message,
                          bool json);

}  // namespace arena

#endif  // ARENA_COMMON_LOGGING_H_
