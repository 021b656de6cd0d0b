#include "cli/cli.h"

#include <google/protobuf/util/json_util.h>

#include <cstdio>
#include <iostream>

#include "absl/time/time.h"

namespace arena {

int Fail(int code, const std::string& message) {
  std::cerr << "arenactl: " << message << "\n";
  return code;
}

std::string FormatMs(int64_t ms) {
  if (ms <= 0) return "-";
  return absl::FormatTime("%Y-%m-%d %H:%M:%S", absl::FromUnixMillis(ms), absl::LocalTimeZone());
}

void PrintJson(const google::protobuf::Message& message) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  std::cout << out;
}

absl::StatusOr<ParsedFlags> CommandFlags(const Cli& cli, FlagSpec spec) {
  std::vector<std::string> args = cli.args;
  if (!cli.passthrough.empty()) {
    args.push_back("--");
    args.insert(args.end(), cli.passthrough.begin(), cli.passthrough.end());
  }
  return ParseFlags(spec, args);
}

}  // namespace arena
