// arena-controller's command line as a checked configuration: addresses,
// scheduler and container policy, certificate lifetime, TLS names. Pure;
// thread-safe.
#ifndef ARENA_CONTROLLER_CONTROLLER_FLAGS_H_
#define ARENA_CONTROLLER_CONTROLLER_FLAGS_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/flags.h"
#include "controller/scheduler/scheduler.h"
#include "controller/spec/spec_policy.h"

namespace arena {

struct HostPort {
  std::string host;  // without IPv6 brackets
  int port = 0;
};

struct ControllerConfig {
  std::string data_dir;
  HostPort grpc;
  HostPort http;
  bool http_insecure = false;          // plain HTTP, loopback only
  std::vector<std::string> tls_names;  // --advertise: the server certificate's SANs
  absl::Duration agent_cert_ttl = absl::Hours(24);
  SchedulerOptions scheduler;  // the pointers are set by the Controller
  SpecPolicy spec_policy;      // what jobs may ask for and get by default
  // The team's Allure server (--allure-url; empty: none), with the files
  // its token and its CA are read from when the controller starts.
  std::string allure_url;
  std::string allure_token_file;
  std::string allure_ca_file;
};

// The value flags and bool flags arena-controller takes.
FlagSpec ControllerFlagSpec();
// "HOST:PORT" or "[V6]:PORT"; InvalidArgument otherwise.
absl::StatusOr<HostPort> SplitHostPort(const std::string& address);
bool IsLoopback(const std::string& host);
// InvalidArgument naming the flag that is wrong.
absl::StatusOr<ControllerConfig> ConfigFromFlags(const ParsedFlags& flags);

}  // namespace arena

#endif  // ARENA_CONTROLLER_CONTROLLER_FLAGS_H_
