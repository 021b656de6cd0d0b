#include "cli/job_file.h"

#include <google/protobuf/util/json_util.h>
#include <yaml-cpp/yaml.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/files.h"

namespace arena {
namespace {

constexpr size_t kMaxJobFileBytes = 4 << 20;
constexpr int kMaxDepth = 32;

// YAML to JSON text. Plain scalars that read as booleans, null or numbers
// stay so; quoted ones are strings.
absl::Status ToJson(const YAML::Node& node, int depth, std::string* out, bool strings = false) {
  if (depth > kMaxDepth) return absl::InvalidArgumentError("the job file nests too deeply");
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      *out += '{';
      bool first = true;
      for (const auto& item : node) {
        if (!item.first.IsScalar()) return absl::InvalidArgumentError("map keys must be scalars");
        if (!first) *out += ',';
        first = false;
        YAML::Node key(item.first.Scalar());
        key.SetTag("!");  // keys are always strings
        absl::Status status = ToJson(key, depth + 1, out);
        if (!status.ok()) return status;
        *out += ':';
        // Maps of strings (env, labels, images): `COUNT: 4` means "4".
        const std::string& name = item.first.Scalar();
        bool string_map = name == "env" || name == "required_labels" || name == "requiredLabels" ||
                          name == "images" || name == "secrets";
        status = ToJson(item.second, depth + 1, out, string_map || strings);
        if (!status.ok()) return status;
      }
      *out += '}';
      return absl::OkStatus();
    }
    case YAML::NodeType::Sequence: {
      *out += '[';
      for (size_t i = 0; i < node.size(); ++i) {
        if (i > 0) *out += ',';
        absl::Status status = ToJson(node[i], depth + 1, out, strings);
        if (!status.ok()) return status;
      }
      *out += ']';
      return absl::OkStatus();
    }
    case YAML::NodeType::Scalar: {
      const std::string& text = node.Scalar();
      bool plain = node.Tag() == "?" && !strings;
      double number = 0;
      if (plain && (text == "true" || text == "false" || text == "null")) {
        *out += text;
      } else if (plain && absl::SimpleAtod(text, &number) &&
                 text.find_first_of("xXnN") == std::string::npos) {
        *out += text;
      } else {
        *out += '"';
        for (char c : text) {
          switch (c) {
            case '"':
              *out += "\\\"";
              break;
            case '\\':
              *out += "\\\\";
              break;
            case '\n':
              *out += "\\n";
              break;
            case '\t':
              *out += "\\t";
              break;
            case '\r':
              *out += "\\r";
              break;
            default:
              if (static_cast<unsigned char>(c) < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof(buf), "\\u%04x", c);
                *out += buf;
              } else {
                *out += c;
              }
          }
        }
        *out += '"';
      }
      return absl::OkStatus();
    }
    case YAML::NodeType::Null:
      *out += "null";
      return absl::OkStatus();
    default:
      return absl::InvalidArgumentError("the job file holds an undefined value");
  }
}

absl::StatusOr<std::pair<std::string, std::string>> NameAndCommand(const std::string& flag,
                                                                   const std::string& value) {
  size_t eq = value.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == value.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, " wants NAME=COMMAND, got \"", value, "\""));
  }
  return std::make_pair(value.substr(0, eq), value.substr(eq + 1));
}

}  // namespace

absl::StatusOr<v1::JobSpec> ParseJobSpecText(absl::string_view text) {
  if (text.size() > kMaxJobFileBytes)
    return absl::InvalidArgumentError("the job file is over 4 MiB");
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("line ", e.mark.line + 1, ": ", e.msg));
  }
  if (!root.IsMap()) return absl::InvalidArgumentError("a job file is a map of JobSpec fields");
  std::string json;
  absl::Status converted = ToJson(root, 0, &json);
  if (!converted.ok()) return converted;
  v1::JobSpec spec;
  google::protobuf::util::JsonParseOptions options;
  auto status = google::protobuf::util::JsonStringToMessage(json, &spec, options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(std::string(status.message()));
  }
  return spec;
}

absl::StatusOr<v1::JobSpec> LoadJobFile(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return absl::InvalidArgumentError(absl::StrCat("cannot read job file ", path));
  absl::StatusOr<v1::JobSpec> spec = ParseJobSpecText(*text);
  if (!spec.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", spec.status().message()));
  }
  return spec;
}

absl::Status ApplyTestFlags(const ParsedFlags& flags, v1::JobSpec& spec) {
  for (const char* flag : {"suite", "suite-serial"}) {
    for (const std::string& value : flags.GetAll(flag)) {
      absl::StatusOr<std::pair<std::string, std::string>> suite = NameAndCommand(flag, value);
      if (!suite.ok()) return suite.status();
      v1::Suite* added = spec.add_suites();
      added->set_name(suite->first);
      added->set_command(suite->second);
      added->set_parallel_safe(std::string(flag) == "suite");
    }
  }
  for (const std::string& path : flags.GetAll("junit")) spec.add_junit(path);
  for (const std::string& path : flags.GetAll("artifact")) spec.add_artifacts(path);
  for (const std::string& value : flags.GetAll("tests")) {
    for (absl::string_view id : absl::StrSplit(value, ',', absl::SkipEmpty())) {
      spec.add_tests(std::string(id));
    }
  }
  for (const std::string& id : flags.GetAll("destructive")) spec.add_destructive_tests(id);
  if (flags.Has("list-command")) spec.set_list_command(flags.Get("list-command"));
  if (flags.Has("test-command")) spec.set_test_command(flags.Get("test-command"));
  if (flags.Has("reruns")) {
    int reruns = 0;
    if (!absl::SimpleAtoi(flags.Get("reruns"), &reruns) || reruns < 0) {
      return absl::InvalidArgumentError("--reruns wants a number from 0 to 10");
    }
    spec.set_reruns(reruns);
  }
  if (flags.Get("flaky-fails") == "true") spec.set_flaky_fails(true);
  return absl::OkStatus();
}

}  // namespace arena
