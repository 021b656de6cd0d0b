#include "common/logging.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/json_string.h"

namespace arena {
namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};
std::atomic<bool> g_json{false};

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

}  // namespace

absl::Status SetLogOptions(const std::string& level, const std::string& format) {
  int parsed = -1;
  for (LogLevel l : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn, LogLevel::kError}) {
    if (level == LevelName(l)) parsed = static_cast<int>(l);
  }
  if (parsed < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--log-level wants debug, info, warn or error, got \"", level, "\""));
  }
  if (format != "text" && format != "json") {
    return absl::InvalidArgumentError(
        absl::StrCat("--log-format wants text or json, got \"", format, "\""));
  }
  g_level = parsed;
  g_json = format == "json";
  return absl::OkStatus();
}

std::string FormatLogLine(LogLevel level, absl::string_view component, absl::string_view message,
                          bool json) {
  std::string ts = absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone());
  if (json) {
    return absl::StrCat("{\"ts\":\"", ts, "\",\"level\":\"", LevelName(level),
                        "\",\"component\":", JsonString(component),
                        ",\"msg\":", JsonString(message), "}");
  }
  return absl::StrCat(ts, " ", LevelName(level), " ", component, ": ", message);
}

void Log(LogLevel level, absl::string_view component, absl::string_view message) {
  if (static_cast<int>(level) < g_level.load()) return;
  std::string line = FormatLogLine(level, component, message, g_json.load()) + "\n";
  ssize_t unused = write(STDERR_FILENO, line.data(), line.size());
  (void)unused;
}

void LogLine(absl::string_view component, absl::string_view message) {
  Log(LogLevel::kInfo, component, message);
}

}  // namespace arena
