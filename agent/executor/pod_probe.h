// Readiness probes run inside a pod's network namespace from the agent: a
// TCP connect to 127.0.0.1:PORT, or an HTTP GET there. Each probe runs on a
// short-lived thread of its own that joins the namespace of the process
// `pid` (setns on /proc/PID/ns/net, which needs CAP_SYS_ADMIN, as the
// agent running Docker has), so nothing of the pod is exposed outside it
// and the service's image needs no tools. Free functions: thread-safe.
#ifndef ARENA_AGENT_EXECUTOR_POD_PROBE_H_
#define ARENA_AGENT_EXECUTOR_POD_PROBE_H_

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace arena {

// Runs `probe` on a new thread inside the network namespace of `pid`;
// FailedPrecondition when the namespace cannot be joined.
absl::Status InNetworkNamespaceOf(int pid, const std::function<absl::Status()>& probe);

// OK once a TCP connection to 127.0.0.1:`port` is accepted within
// `timeout`; Unavailable with the reason otherwise ("connection refused").
// Where the namespace cannot be joined: OK when a socket listens on `port`
// there (ListensOn).
absl::Status ProbeTcp(int pid, int port, absl::Duration timeout);

// Whether a TCP socket in the network namespace of `pid` listens on `port`
// (any address, IPv4 or IPv6), from /proc/PID/net/tcp and tcp6.
absl::StatusOr<bool> ListensOn(int pid, int port);

// OK when GET http://127.0.0.1:PORT/PATH answers 2xx or 3xx within
// `timeout`; Unavailable naming the status or the failure otherwise.
absl::Status ProbeHttp(int pid, int port, const std::string& path, absl::Duration timeout);

}  // namespace arena

#endif  // ARENA_AGENT_EXECUTOR_POD_PROBE_H_
