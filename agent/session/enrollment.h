// The agent's identity: a key generated on this host, a client certificate
// signed by the controller's CA, and the CA to trust. Kept in the state dir:
// agent.key (0600), agent.pem, ca.pem, agent.id. Functions called once by
// main before the session starts; the identity is a value the caller owns.
// Thread-compatible.
#ifndef ARENA_AGENT_SESSION_ENROLLMENT_H_
#define ARENA_AGENT_SESSION_ENROLLMENT_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

namespace arena {

struct AgentIdentity {
  std::string agent_id;
  std::string key_pem;
  std::string cert_pem;
  std::string ca_pem;
};

struct EnrollOptions {
  std::string controller;  // host:port
  std::string ca_file;     // trusted CA for the controller
  std::string join_token;  // needed only on first start
  std::string state_dir;
  std::string hostname;
  // While the controller is unreachable, enrollment is retried with
  // jittered exponential backoff until this is notified or `retry_for` has
  // passed. A refusal (bad token) is not retried.
  const absl::Notification* stop = nullptr;
  absl::Duration retry_for = absl::Minutes(5);
};

// Returns the stored identity, or enrolls with the join token when there is
// none. The private key never leaves the host.
absl::StatusOr<AgentIdentity> LoadOrEnroll(const EnrollOptions& options);

}  // namespace arena

#endif  // ARENA_AGENT_SESSION_ENROLLMENT_H_
