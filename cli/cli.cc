#include "cli/cli.h"

#include <google/protobuf/util/json_util.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "cli/command_line.h"
#include "cli/command_table.h"
#include "cli/help_text.h"
#include "cli/terminal.h"
#include "common/files.h"

namespace arena {

int Fail(int code, const std::string& message) {
  Notice(message);
  return code;
}

int FailUsage(const Cli& cli) {
  const CommandInfo* command = FindCommand(cli.command);
  std::string synopsis =
      command == nullptr ? "--help" : absl::StrJoin(SynopsisLines(*command), " | ");
  return Fail(kExitUsage, absl::StrCat("usage: arenactl ", synopsis));
}

void Notice(absl::string_view message) {
  BeginOwnOutput(stderr);
  std::fprintf(stderr, "arenactl: %s\n", SafeField(message).c_str());
}

std::string FormatMs(int64_t ms) {
  if (ms <= 0) return "-";
  return absl::FormatTime("%Y-%m-%d %H:%M:%S", absl::FromUnixMillis(ms), absl::LocalTimeZone());
}

std::string Ago(int64_t ms) {
  if (ms <= 0) return "-";
  int64_t seconds = (absl::ToUnixMillis(absl::Now()) - ms) / 1000;
  if (seconds < 0) seconds = 0;
  if (seconds < 60) return absl::StrCat(seconds, "s ago");
  if (seconds < 3600) return absl::StrCat(seconds / 60, "m ago");
  if (seconds < 86400) return absl::StrCat(seconds / 3600, "h ago");
  return absl::FormatTime("%Y-%m-%d", absl::FromUnixMillis(ms), absl::LocalTimeZone());
}

bool UseColour() {
  static const bool colour = isatty(STDOUT_FILENO) && std::getenv("NO_COLOR") == nullptr &&
                             std::getenv("TERM") != nullptr &&
                             std::string(std::getenv("TERM")) != "dumb";
  return colour;
}

namespace {

std::string Padded(const std::string& text, int width) {
  return static_cast<int>(text.size()) >= width
             ? text
             : text + std::string(static_cast<size_t>(width) - text.size(), ' ');
}

std::string Coloured(const std::string& text, const char* code) {
  if (!UseColour() || code == nullptr) return text;
  return absl::StrCat("\033[", code, "m", text, "\033[0m");
}

}  // namespace

std::string Paint(const std::string& text, v1::State state, int width) {
  const char* code = nullptr;
  switch (state) {
    case v1::PASSED:
      code = "32";
      break;
    case v1::FAILED:
    case v1::TIMED_OUT:
      code = "31";
      break;
    case v1::ERROR:
    case v1::LOST:
      code = "33";
      break;
    case v1::RUNNING:
      code = "34";
      break;
    case v1::CANCELLED:
      code = "2";
      break;
    default:
      break;
  }
  return Coloured(Padded(SafeField(text), width), code);
}

std::string PaintStatus(const std::string& text, const std::string& status, int width) {
  const char* code = status == "passed"    ? "32"
                     : status == "failed"  ? "31"
                     : status == "error"   ? "33"
                     : status == "skipped" ? "2"
                                           : nullptr;
  return Coloured(Padded(SafeField(text), width), code);
}

namespace {

// The config file's keys: the global flags that take a value.
bool IsConfigKey(absl::string_view key) {
  for (const FlagInfo& flag : GlobalFlags()) {
    if (!flag.boolean() && flag.name == key) return true;
  }
  return false;
}

// "controller, ca-file, token, token-file or output".
std::string ConfigKeys() {
  std::vector<std::string> keys;
  for (const FlagInfo& flag : GlobalFlags()) {
    if (!flag.boolean()) keys.push_back(flag.name);
  }
  std::string last = keys.back();
  keys.pop_back();
  return absl::StrCat(absl::StrJoin(keys, ", "), " or ", last);
}

}  // namespace

absl::StatusOr<std::map<std::string, std::string>> LoadConfig() {
  std::string path;
  if (const char* explicit_path = std::getenv("ARENA_CONFIG")) {
    path = explicit_path;
  } else if (const char* home = std::getenv("HOME")) {
    path = absl::StrCat(home, "/.config/arena/config");
  }
  std::map<std::string, std::string> config;
  if (path.empty() || !FileExists(path)) return config;
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return absl::InvalidArgumentError(absl::StrCat("cannot read ", path));
  int number = 0;
  for (absl::string_view line : absl::StrSplit(*text, '\n')) {
    ++number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    size_t eq = line.find('=');
    std::string key(absl::StripAsciiWhitespace(line.substr(0, eq)));
    if (eq == absl::string_view::npos || !IsConfigKey(key)) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", number, ": want \"key = value\" with ", ConfigKeys()));
    }
    config[key] = std::string(absl::StripAsciiWhitespace(line.substr(eq + 1)));
  }
  return config;
}

void PrintJson(const google::protobuf::Message& message) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  std::cout << out;
}

absl::StatusOr<ParsedFlags> CommandFlags(const Cli& cli) {
  const CommandInfo* command = FindCommand(cli.command);
  if (command == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("unknown command ", SafeField(cli.command)));
  }
  std::vector<std::string> args = cli.args;
  if (!cli.passthrough.empty()) {
    args.push_back("--");
    args.insert(args.end(), cli.passthrough.begin(), cli.passthrough.end());
  }
  return ParseCommandFlags(*command, args);
}

}  // namespace arena
