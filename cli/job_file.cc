#include "cli/job_file.h"

#include <google/protobuf/util/json_util.h>
#include <yaml-cpp/yaml.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "cli/command_table.h"
#include "cli/service_flag.h"
#include "common/files.h"
#include "common/image_ref.h"
#include "common/json_string.h"
#include "common/status_macros.h"

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
                          name == "images" || name == "secrets" || name == "args";
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
        AppendJsonString(text, out);
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

// A positive duration flag, or an error naming the flag and an example.
absl::StatusOr<absl::Duration> DurationFlag(const ParsedFlags& flags, const std::string& name,
                                            const std::string& example) {
  absl::Duration value;
  if (!absl::ParseDuration(flags.Get(name), &value) || value <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat("--", name, " wants a duration like ", example,
                                                   ", got \"", flags.Get(name), "\""));
  }
  return value;
}

// --build DOCKERFILE[:CONTEXT], --build-arg K=V, --build-target STAGE.
// The controller checks the paths and names; this only splits them.
absl::Status ApplyBuildFlags(const ParsedFlags& flags, v1::JobSpec& spec) {
  if (!flags.Has("build")) {
    if (flags.Has("build-arg") || flags.Has("build-target")) {
      return absl::InvalidArgumentError("--build-arg and --build-target need --build");
    }
    return absl::OkStatus();
  }
  v1::Build* build = spec.mutable_build();
  std::pair<std::string, std::string> parts =
      absl::StrSplit(flags.Get("build"), absl::MaxSplits(':', 1));
  if (parts.first.empty()) {
    return absl::InvalidArgumentError("--build wants DOCKERFILE[:CONTEXT], e.g. Dockerfile:.");
  }
  build->set_dockerfile(parts.first);
  build->set_context(parts.second);
  for (const std::string& kv : flags.GetAll("build-arg")) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("--build-arg wants NAME=VALUE, got \"", kv, "\""));
    }
    (*build->mutable_args())[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  if (flags.Has("build-target")) build->set_target(flags.Get("build-target"));
  return absl::OkStatus();
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
  if (flags.Has("list")) spec.set_test_lister(flags.Get("list"));
  if (flags.Has("test-command")) spec.set_test_command(flags.Get("test-command"));
  if (flags.Has("test-timeout")) {
    ASSIGN_OR_RETURN(absl::Duration limit, DurationFlag(flags, "test-timeout", "30s or 2m"));
    spec.set_test_timeout_ms(absl::ToInt64Milliseconds(limit));
  }
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

namespace {

// --image, --arch, --repo, --commit.
absl::Status ApplyImageFlags(const ParsedFlags& flags, v1::JobSpec& spec) {
  // --image IMG (may hold "{arch}"), or --image ARCH=IMG per architecture.
  for (const std::string& value : flags.GetAll("image")) {
    size_t eq = value.find('=');
    if (eq == std::string::npos) {
      spec.set_image(value);
    } else if (eq == 0 || eq + 1 == value.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--image wants IMG or ARCH=IMG, got \"", value, "\""));
    } else {
      (*spec.mutable_images())[value.substr(0, eq)] = value.substr(eq + 1);
    }
  }
  for (const std::string& value : flags.GetAll("arch")) {
    for (absl::string_view arch : absl::StrSplit(value, ',', absl::SkipEmpty())) {
      spec.add_architectures(std::string(arch));
    }
  }
  if (flags.Has("repo")) spec.set_repo(flags.Get("repo"));
  if (flags.Has("commit")) spec.set_commit(flags.Get("commit"));
  return absl::OkStatus();
}

// --env, --label, --secret, --secret-file.
absl::Status ApplyEnvFlags(const ParsedFlags& flags, v1::JobSpec& spec) {
  for (const std::string& kv : flags.GetAll("env")) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      return absl::InvalidArgumentError(absl::StrCat("--env wants K=V, got \"", kv, "\""));
    }
    (*spec.mutable_env())[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (const std::string& kv : flags.GetAll("label")) {
    absl::StatusOr<std::map<std::string, std::string>> labels = ParseKeyValues(kv);
    if (!labels.ok()) return labels.status();
    spec.mutable_required_labels()->insert(labels->begin(), labels->end());
  }
  for (const std::string& kv : flags.GetAll("secret")) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0)
      return absl::InvalidArgumentError("--secret wants NAME=VALUE");
    (*spec.mutable_secrets())[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (const std::string& kv : flags.GetAll("secret-file")) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      return absl::InvalidArgumentError("--secret-file wants NAME=PATH");
    }
    absl::StatusOr<std::string> value = ReadFile(kv.substr(eq + 1));
    if (!value.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot read secret file ", kv.substr(eq + 1)));
    }
    while (!value->empty() && (value->back() == '\n' || value->back() == '\r')) value->pop_back();
    (*spec.mutable_secrets())[kv.substr(0, eq)] = *value;
  }
  return absl::OkStatus();
}

// --timeout, --retries, --queue-timeout, --memory-mb, --cpus, --pids.
absl::Status ApplyLimitFlags(const ParsedFlags& flags, v1::JobSpec& spec) {
  if (flags.Has("timeout")) {
    ASSIGN_OR_RETURN(absl::Duration timeout, DurationFlag(flags, "timeout", "30s, 10m or 1h"));
    spec.set_timeout_ms(absl::ToInt64Milliseconds(timeout));
  }
  if (flags.Has("retries")) {
    int retries = 0;
    if (!absl::SimpleAtoi(flags.Get("retries"), &retries) || retries < 0) {
      return absl::InvalidArgumentError("--retries wants a number from 0 to 10");
    }
    spec.set_retries(retries);
  }
  if (flags.Get("retry-test-failures") == "true") spec.set_retry_test_failures(true);
  if (flags.Has("queue-timeout")) {
    ASSIGN_OR_RETURN(absl::Duration timeout, DurationFlag(flags, "queue-timeout", "10m"));
    spec.set_queue_timeout_ms(absl::ToInt64Milliseconds(timeout));
  }
  if (flags.Has("memory-mb")) {
    int64_t mb = 0;
    if (!absl::SimpleAtoi(flags.Get("memory-mb"), &mb) || mb < 1) {
      return absl::InvalidArgumentError("--memory-mb wants a positive number");
    }
    spec.mutable_resources()->set_memory_mb(mb);
  }
  if (flags.Has("cpus")) {
    double cpus = 0;
    if (!absl::SimpleAtod(flags.Get("cpus"), &cpus) || cpus <= 0) {
      return absl::InvalidArgumentError("--cpus wants a positive number");
    }
    spec.mutable_resources()->set_cpus(cpus);
  }
  if (flags.Has("pids")) {
    int64_t pids = 0;
    if (!absl::SimpleAtoi(flags.Get("pids"), &pids) || pids < 1) {
      return absl::InvalidArgumentError("--pids wants a positive number");
    }
    spec.mutable_resources()->set_pids(pids);
  }
  return absl::OkStatus();
}

// --network, --pull, --user, --executor, --service, and where the results go:
// --allure-project.
absl::Status ApplyContainerFlags(const ParsedFlags& flags, v1::JobSpec& spec) {
  if (flags.Has("network")) spec.set_network(flags.Get("network"));
  if (flags.Has("pull")) {
    // Checked here for a usage error at once; the controller checks again.
    absl::Status policy = ParsePullPolicy(flags.Get("pull")).status();
    if (!policy.ok()) return absl::InvalidArgumentError(absl::StrCat("--pull: ", policy.message()));
    spec.set_pull_policy(flags.Get("pull"));
  }
  if (flags.Has("user")) spec.set_user(flags.Get("user"));
  if (flags.Has("executor")) spec.set_executor(flags.Get("executor"));
  if (flags.Has("allure-project")) spec.set_allure_project(flags.Get("allure-project"));
  for (const std::string& value : flags.GetAll("service")) {
    ASSIGN_OR_RETURN(*spec.add_services(), ParseServiceFlag(value));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::JobSpec> SpecFromFlags(const ParsedFlags& flags) {
  v1::JobSpec spec;
  if (flags.Has("file")) {
    absl::StatusOr<v1::JobSpec> loaded = LoadJobFile(flags.Get("file"));
    if (!loaded.ok()) return loaded.status();
    spec = *loaded;
  }
  RETURN_IF_ERROR(ApplyImageFlags(flags, spec));
  RETURN_IF_ERROR(ApplyEnvFlags(flags, spec));
  RETURN_IF_ERROR(ApplyLimitFlags(flags, spec));
  RETURN_IF_ERROR(ApplyContainerFlags(flags, spec));
  RETURN_IF_ERROR(ApplyBuildFlags(flags, spec));
  absl::Status applied = ApplyTestFlags(flags, spec);
  if (!applied.ok()) return applied;
  for (const std::string& arg : flags.passthrough()) spec.add_command(arg);
  for (const std::string& arg : flags.positional()) spec.add_command(arg);
  if (spec.command_size() == 0 && spec.suites_size() == 0 && spec.tests_size() == 0 &&
      spec.list_command().empty() && spec.test_lister().empty()) {
    return absl::InvalidArgumentError(
        "no command: put it after --, e.g. arenactl run --image IMG -- pytest -q "
        "(or give -f job.yaml, --suite, or --tests/--list/--list-command with --test-command)");
  }
  return spec;
}

FlagSpec JobFlagSpec() {
  std::vector<const FlagInfo*> flags;
  for (const FlagGroup* group : JobFlagGroups()) {
    for (const FlagInfo& flag : group->flags) flags.push_back(&flag);
  }
  return SpecOf(flags);
}

}  // namespace arena
