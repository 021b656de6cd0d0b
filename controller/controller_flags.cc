#include "controller/controller_flags.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/arch.h"
#include "common/image_ref.h"
#include "common/status_macros.h"
#include "controller/spec/job_spec.h"

namespace arena {
namespace {

absl::StatusOr<SchedulerOptions> SchedulerOptionsFrom(const ParsedFlags& flags) {
  SchedulerOptions options;
  if (flags.Has("agent-lease") && (!absl::ParseDuration(flags.Get("agent-lease"), &options.lease) ||
                                   options.lease < absl::Seconds(1))) {
    return absl::InvalidArgumentError("--agent-lease wants a duration of at least 1s");
  }
  options.restart_grace = options.lease;
  if (flags.Has("restart-grace") &&
      (!absl::ParseDuration(flags.Get("restart-grace"), &options.restart_grace) ||
       options.restart_grace < absl::ZeroDuration())) {
    return absl::InvalidArgumentError("--restart-grace wants a duration");
  }
  if (flags.Has("max-log-bytes") &&
      (!absl::SimpleAtoi(flags.Get("max-log-bytes"), &options.max_log_bytes) ||
       options.max_log_bytes < 1024)) {
    return absl::InvalidArgumentError("--max-log-bytes wants a number of at least 1024");
  }
  if (flags.Has("fleet-sample-interval") &&
      (!absl::ParseDuration(flags.Get("fleet-sample-interval"), &options.fleet_interval) ||
       options.fleet_interval < absl::Seconds(1) || options.fleet_interval > absl::Hours(1))) {
    return absl::InvalidArgumentError("--fleet-sample-interval wants a duration from 1s to 1h");
  }
  return options;
}

absl::Status ApplyPolicyFlags(const ParsedFlags& flags, SpecPolicy* options) {
  if (flags.Has("max-memory-mb") &&
      (!absl::SimpleAtoi(flags.Get("max-memory-mb"), &options->max_memory_mb) ||
       options->max_memory_mb < 16)) {
    return absl::InvalidArgumentError("--max-memory-mb wants a number of at least 16");
  }
  if (flags.Has("max-cpus") &&
      (!absl::SimpleAtod(flags.Get("max-cpus"), &options->max_cpus) || options->max_cpus <= 0)) {
    return absl::InvalidArgumentError("--max-cpus wants a positive number");
  }
  if (flags.Has("max-pids") &&
      (!absl::SimpleAtoi(flags.Get("max-pids"), &options->max_pids) || options->max_pids < 16)) {
    return absl::InvalidArgumentError("--max-pids wants a number of at least 16");
  }
  if (flags.Has("max-disk-mb") &&
      (!absl::SimpleAtoi(flags.Get("max-disk-mb"), &options->max_disk_mb) ||
       options->max_disk_mb < 16)) {
    return absl::InvalidArgumentError("--max-disk-mb wants a number of at least 16");
  }
  options->default_disk_mb = std::min(options->default_disk_mb, options->max_disk_mb);
  options->default_memory_mb = std::min(options->default_memory_mb, options->max_memory_mb);
  options->default_cpus = std::min(options->default_cpus, options->max_cpus);
  options->default_pids = std::min(options->default_pids, options->max_pids);
  options->allow_local_repos = flags.Has("allow-local-repos");
  if (flags.Has("allow-network")) {
    options->allowed_networks = {"none"};
    for (absl::string_view n : absl::StrSplit(flags.Get("allow-network"), ',', absl::SkipEmpty())) {
      if (n != "none" && n != "host" && n != "bridge") {
        return absl::InvalidArgumentError("--allow-network takes none, host, bridge");
      }
      if (n != "none") options->allowed_networks.emplace_back(n);
    }
  }
  if (flags.Has("allowed-pull-policies")) {
    options->allowed_pull_policies.clear();
    for (absl::string_view p :
         absl::StrSplit(flags.Get("allowed-pull-policies"), ',', absl::SkipEmpty())) {
      if (!ParsePullPolicy(p).ok()) {
        return absl::InvalidArgumentError(
            "--allowed-pull-policies takes always, if-not-present, never");
      }
      options->allowed_pull_policies.emplace_back(p);
    }
    if (options->allowed_pull_policies.empty()) {
      return absl::InvalidArgumentError("--allowed-pull-policies names no policy");
    }
  }
  return absl::OkStatus();
}

absl::Status ApplyAllureFlags(const ParsedFlags& flags, ControllerConfig* config) {
  std::string url = flags.Get("allure-url");
  while (absl::EndsWith(url, "/")) url.pop_back();
  bool any =
      flags.Has("allure-project") || flags.Has("allure-token-file") || flags.Has("allure-ca-file");
  if (url.empty()) {
    if (any)
      return absl::InvalidArgumentError(
          "--allure-project, --allure-token-file and "
          "--allure-ca-file need --allure-url");
    return absl::OkStatus();
  }
  size_t scheme = url.find("://");
  if ((!absl::StartsWith(url, "http://") && !absl::StartsWith(url, "https://")) ||
      url.size() == scheme + 3 || url.find('/', scheme + 3) != std::string::npos) {
    return absl::InvalidArgumentError(
        "--allure-url wants http(s)://HOST[:PORT], the allure-docker-service API's root");
  }
  std::string project = flags.Get("allure-project");
  if (!project.empty() && !ValidAllureProject(project)) {
    return absl::InvalidArgumentError(
        "--allure-project wants lowercase letters, digits and inner hyphens (at most 100)");
  }
  config->allure_url = url;
  config->allure_token_file = flags.Get("allure-token-file");
  config->allure_ca_file = flags.Get("allure-ca-file");
  config->spec_policy.allure_enabled = true;
  config->spec_policy.default_allure_project = project;
  return absl::OkStatus();
}

}  // namespace

FlagSpec ControllerFlagSpec() {
  FlagSpec spec;
  spec.value_flags = {"data-dir",          "listen",
                      "http-listen",       "advertise",
                      "default-image",     "agent-cert-ttl",
                      "agent-lease",       "restart-grace",
                      "max-log-bytes",     "fleet-sample-interval",
                      "max-memory-mb",     "max-disk-mb",
                      "max-cpus",          "max-pids",
                      "allow-network",     "log-level",
                      "log-format",        "allowed-pull-policies",
                      "allure-url",        "allure-project",
                      "allure-token-file", "allure-ca-file"};
  spec.bool_flags = {"help", "http-insecure", "allow-local-repos"};
  return spec;
}

absl::StatusOr<HostPort> SplitHostPort(const std::string& address) {
  size_t colon = address.rfind(':');
  int port = 0;
  if (colon == std::string::npos || !absl::SimpleAtoi(address.substr(colon + 1), &port) ||
      port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad address \"", address, "\", want HOST:PORT"));
  }
  std::string host = address.substr(0, colon);
  if (host.size() > 1 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  return HostPort{host, port};
}

bool IsLoopback(const std::string& host) {
  return host == "localhost" || host == "::1" || absl::StartsWith(host, "127.");
}

absl::StatusOr<ControllerConfig> ConfigFromFlags(const ParsedFlags& flags) {
  ControllerConfig config;
  config.data_dir = flags.Get("data-dir");
  if (config.data_dir.empty()) return absl::InvalidArgumentError("--data-dir is required");
  ASSIGN_OR_RETURN(config.grpc, SplitHostPort(flags.Get("listen", "127.0.0.1:7443")));
  ASSIGN_OR_RETURN(config.http, SplitHostPort(flags.Get("http-listen", "127.0.0.1:7080")));
  config.http_insecure = flags.Has("http-insecure");
  if (config.http_insecure && !IsLoopback(config.http.host)) {
    return absl::InvalidArgumentError("--http-insecure is allowed only on a loopback address");
  }
  ASSIGN_OR_RETURN(config.scheduler, SchedulerOptionsFrom(flags));
  if (flags.Has("agent-cert-ttl") &&
      (!absl::ParseDuration(flags.Get("agent-cert-ttl"), &config.agent_cert_ttl) ||
       config.agent_cert_ttl < absl::Seconds(1))) {
    return absl::InvalidArgumentError("--agent-cert-ttl wants a duration of at least 1s");
  }
  config.tls_names =
      absl::StrSplit(flags.Get("advertise", "localhost,127.0.0.1"), ',', absl::SkipEmpty());
  config.spec_policy.default_image = flags.Get("default-image");
  config.spec_policy.default_arch = NativeArch();
  RETURN_IF_ERROR(ApplyPolicyFlags(flags, &config.spec_policy));
  RETURN_IF_ERROR(ApplyAllureFlags(flags, &config));
  return config;
}

}  // namespace arena
