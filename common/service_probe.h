// The words of a job's services, one rule shared by the controller (which
// checks them at submit) and the agent (which acts on them): a service's
// name, and the target of an http readiness probe ("PORT/PATH"). Pure
// functions: thread-safe.
#ifndef ARENA_COMMON_SERVICE_PROBE_H_
#define ARENA_COMMON_SERVICE_PROBE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace arena {

// Lowercase letters, digits and inner hyphens, 1 to 63 characters (a host
// name label), and not "localhost".
bool ValidServiceName(absl::string_view name);

struct HttpProbeTarget {
  int port = 0;
  std::string path = "/";  // starts with '/'
};

// "8080" or "8080/health?deep=1": a port from 1 to 65535, then an optional
// path of printable characters without spaces, 1 KiB at most.
absl::StatusOr<HttpProbeTarget> ParseHttpProbe(absl::string_view text);

// The log channel a service's output is stored under: "service:NAME".
std::string ServiceLogChannel(absl::string_view name);

}  // namespace arena

#endif  // ARENA_COMMON_SERVICE_PROBE_H_
