// The agent's client certificate and its renewal over the live stream: at a
// random point between 70% and 90% of the certificate's lifetime the
// connection sends a CSR for a fresh key (once per stream); the controller's
// answer is checked (it chains to the CA and names this agent), stored (key
// first, then certificate) and used for the next connection.
//
// Owned by the AgentSession; read by the connection's threads. Thread-safe. The
// clock is injected so tests need not wait for a lifetime to pass.
#ifndef ARENA_AGENT_SESSION_CERT_RENEWER_H_
#define ARENA_AGENT_SESSION_CERT_RENEWER_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "agent/session/enrollment.h"
#include "arena/v1/agent.pb.h"

namespace arena {

using RenewerClock = std::function<absl::Time()>;

class CertificateRenewer {
 public:
  // A renewed key and certificate are written to `state_dir`/agent.key and
  // agent.pem; the CSR names `hostname`. `seed` picks the renewal points.
  CertificateRenewer(AgentIdentity identity, std::string state_dir, std::string hostname,
                     RenewerClock now = absl::Now, uint64_t seed = std::random_device{}());

  // The identity to connect with.
  AgentIdentity identity() const ABSL_LOCKS_EXCLUDED(mu_);
  absl::Time renew_at() const ABSL_LOCKS_EXCLUDED(mu_);
  // A new stream: a renewal asked for on the last one and not answered is
  // asked for again.
  void NewConnection() ABSL_LOCKS_EXCLUDED(mu_);
  // How long until a renewal is due (zero when due; infinite once asked).
  absl::Duration UntilDue() const ABSL_LOCKS_EXCLUDED(mu_);
  // The renewal request (a CSR) when one is due, else nullopt. Once per
  // stream, whether or not the CSR could be made.
  std::optional<v1::AgentMessage> RequestIfDue() ABSL_LOCKS_EXCLUDED(mu_);
  // The controller's answer. FailedPrecondition when it does not fit (no
  // request pending, another name, not from the CA); a certificate that
  // could not be stored is still used, with the error logged.
  absl::Status Accept(const v1::RenewCert& renewed) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  void Schedule() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool Due() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string state_dir_;
  const std::string hostname_;
  const RenewerClock now_;
  mutable absl::Mutex mu_;
  std::mt19937_64 rng_ ABSL_GUARDED_BY(mu_);
  AgentIdentity identity_ ABSL_GUARDED_BY(mu_);
  absl::Time renew_at_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();
  bool sent_ ABSL_GUARDED_BY(mu_) = false;  // asked on this stream
  std::string pending_key_ ABSL_GUARDED_BY(mu_);
};

}  // namespace arena

#endif  // ARENA_AGENT_SESSION_CERT_RENEWER_H_
