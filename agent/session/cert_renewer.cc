#include "agent/session/cert_renewer.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/files.h"
#include "common/logging.h"
#include "common/tls.h"

namespace arena {

CertificateRenewer::CertificateRenewer(AgentIdentity identity, std::string state_dir,
                                       std::string hostname, RenewerClock now, uint64_t seed)
    : state_dir_(std::move(state_dir)),
      hostname_(std::move(hostname)),
      now_(std::move(now)),
      rng_(seed),
      identity_(std::move(identity)) {
  absl::MutexLock lock(&mu_);
  Schedule();
}

void CertificateRenewer::Schedule() {
  absl::StatusOr<absl::Time> not_before = CertificateNotBefore(identity_.cert_pem);
  absl::StatusOr<absl::Time> not_after = CertificateNotAfter(identity_.cert_pem);
  sent_ = false;
  if (!not_before.ok() || !not_after.ok()) {
    renew_at_ = absl::InfiniteFuture();
    return;
  }
  // notBefore is backdated a minute for clock skew; count from the real issue.
  absl::Time issued = std::min(*not_before + absl::Minutes(1), *not_after);
  double point = std::uniform_real_distribution<double>(0.7, 0.9)(rng_);
  renew_at_ = issued + (*not_after - issued) * point;
}

AgentIdentity CertificateRenewer::identity() const {
  absl::MutexLock lock(&mu_);
  return identity_;
}

absl::Time CertificateRenewer::renew_at() const {
  absl::MutexLock lock(&mu_);
  return renew_at_;
}

void CertificateRenewer::NewConnection() {
  absl::MutexLock lock(&mu_);
  if (!pending_key_.empty()) sent_ = false;
}

bool CertificateRenewer::Due() const { return !sent_ && now_() >= renew_at_; }

absl::Duration CertificateRenewer::UntilDue() const {
  absl::MutexLock lock(&mu_);
  if (sent_) return absl::InfiniteDuration();
  return std::max(absl::ZeroDuration(), renew_at_ - now_());
}

std::optional<v1::AgentMessage> CertificateRenewer::RequestIfDue() {
  absl::MutexLock lock(&mu_);
  if (!Due()) return std::nullopt;
  sent_ = true;
  absl::StatusOr<std::string> key = GeneratePrivateKeyPem();
  absl::StatusOr<std::string> csr = key.ok() ? CreateCsr(*key, hostname_) : key.status();
  if (!csr.ok()) {
    Log(LogLevel::kWarn, "session", absl::StrCat("cannot make a CSR: ", csr.status().message()));
    return std::nullopt;
  }
  pending_key_ = *key;
  v1::AgentMessage message;
  message.mutable_renew()->set_csr_pem(*csr);
  LogLine("session", "renewing the client certificate");
  return message;
}

absl::Status CertificateRenewer::Accept(const v1::RenewCert& renewed) {
  absl::MutexLock lock(&mu_);
  const std::string& cert = renewed.certificate_pem();
  absl::StatusOr<std::string> name = CertificateCommonName(cert);
  if (pending_key_.empty() || !name.ok() || *name != identity_.agent_id ||
      !VerifyCertificate(identity_.ca_pem, cert).ok()) {
    return absl::FailedPreconditionError("a renewed certificate that does not fit");
  }
  // Key first: a crash between the two writes leaves the old pair unusable
  // rather than a new certificate without its key.
  absl::Status saved = WriteFileAtomic(absl::StrCat(state_dir_, "/agent.key"), pending_key_, 0600);
  if (saved.ok()) saved = WriteFileAtomic(absl::StrCat(state_dir_, "/agent.pem"), cert, 0644);
  if (!saved.ok()) {
    Log(LogLevel::kWarn, "session",
        absl::StrCat("cannot store the renewed certificate: ", saved.message()));
  }
  identity_.key_pem = pending_key_;
  identity_.cert_pem = cert;
  pending_key_.clear();
  Schedule();
  absl::StatusOr<absl::Time> expires = CertificateNotAfter(cert);
  LogLine("session", absl::StrCat("client certificate renewed, valid until ",
                                  expires.ok() ? absl::FormatTime(*expires) : "?"));
  return absl::OkStatus();
}

}  // namespace arena
