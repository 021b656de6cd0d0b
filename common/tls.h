// X.509 helpers over OpenSSL: the controller's certificate authority, server
// certificates, agent keys, CSRs and client certificates. All keys are ECDSA
// P-256 (cheap handshakes for reconnect storms). Stateless and thread-safe.
#ifndef ARENA_COMMON_TLS_H_
#define ARENA_COMMON_TLS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace arena {

struct CertifiedKey {
  std::string cert_pem;
  std::string key_pem;
};

absl::StatusOr<std::string> GeneratePrivateKeyPem();

absl::StatusOr<CertifiedKey> CreateCertificateAuthority(absl::string_view common_name,
                                                        absl::Duration validity);

// A serverAuth certificate whose SANs are `names`; entries that parse as IPv4
// or IPv6 addresses become IP SANs, the rest DNS SANs.
absl::StatusOr<CertifiedKey> IssueServerCertificate(const CertifiedKey& ca,
                                                    const std::vector<std::string>& names,
                                                    absl::Duration validity);

absl::StatusOr<std::string> CreateCsr(absl::string_view key_pem, absl::string_view common_name);

// Verifies the CSR's self-signature and issues a clientAuth certificate whose
// subject CN is `agent_id`, whatever name the CSR asked for.
absl::StatusOr<std::string> SignClientCsr(const CertifiedKey& ca, absl::string_view csr_pem,
                                          absl::string_view agent_id, absl::Duration validity);

absl::StatusOr<std::string> CertificateCommonName(absl::string_view cert_pem);
absl::StatusOr<absl::Time> CertificateNotAfter(absl::string_view cert_pem);
absl::StatusOr<absl::Time> CertificateNotBefore(absl::string_view cert_pem);

// OK when `cert_pem` chains to `ca_pem` and is valid now.
absl::Status VerifyCertificate(absl::string_view ca_pem, absl::string_view cert_pem);

}  // namespace arena

#endif  // ARENA_COMMON_TLS_H_
