// Enrollment CSRs: arbitrary PEM-ish bytes handed to the CA must be signed
// only when they are valid, and never crash it.
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/tls.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const arena::CertifiedKey ca =
      *arena::CreateCertificateAuthority("fuzz CA", absl::Hours(1));
  std::string input(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<std::string> cert = arena::SignClientCsr(ca, input, "agent-fuzz", absl::Hours(1));
  if (cert.ok() && !arena::VerifyCertificate(ca.cert_pem, *cert).ok()) __builtin_trap();
  (void)arena::CertificateCommonName(input);
  return 0;
}
