#include "common/tls.h"

#include <gtest/gtest.h>

namespace arena {
namespace {

TEST(Tls, SignedClientCertificateVerifiesAndCarriesAgentId) {
  auto ca = CreateCertificateAuthority("test CA", absl::Hours(1));
  ASSERT_TRUE(ca.ok()) << ca.status();
  auto key = GeneratePrivateKeyPem();
  ASSERT_TRUE(key.ok());
  auto csr = CreateCsr(*key, "host-name-asked-for");
  ASSERT_TRUE(csr.ok()) << csr.status();
  auto cert = SignClientCsr(*ca, *csr, "agent-123", absl::Minutes(5));
  ASSERT_TRUE(cert.ok()) << cert.status();
  EXPECT_TRUE(VerifyCertificate(ca->cert_pem, *cert).ok());
  EXPECT_EQ(*CertificateCommonName(*cert), "agent-123");
  auto not_after = CertificateNotAfter(*cert);
  ASSERT_TRUE(not_after.ok());
  EXPECT_LT(*not_after - absl::Now(), absl::Minutes(6));
}

TEST(Tls, CertificateFromAnotherCaDoesNotVerify) {
  auto ca = CreateCertificateAuthority("CA one", absl::Hours(1));
  auto other = CreateCertificateAuthority("CA two", absl::Hours(1));
  ASSERT_TRUE(ca.ok() && other.ok());
  auto server = IssueServerCertificate(*other, {"localhost", "127.0.0.1"}, absl::Hours(1));
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_TRUE(VerifyCertificate(other->cert_pem, server->cert_pem).ok());
  EXPECT_FALSE(VerifyCertificate(ca->cert_pem, server->cert_pem).ok());
}

TEST(Tls, GarbageCsrIsRejected) {
  auto ca = CreateCertificateAuthority("CA", absl::Hours(1));
  ASSERT_TRUE(ca.ok());
  EXPECT_FALSE(SignClientCsr(*ca, "not a csr", "agent-1", absl::Hours(1)).ok());
  EXPECT_FALSE(SignClientCsr(*ca, "", "agent-1", absl::Hours(1)).ok());
}

TEST(Tls, TamperedCsrSignatureIsRejected) {
  auto ca = CreateCertificateAuthority("CA", absl::Hours(1));
  auto key = GeneratePrivateKeyPem();
  auto csr = CreateCsr(*key, "host");
  ASSERT_TRUE(ca.ok() && csr.ok());
  std::string tampered = *csr;
  // Flip a character inside the base64 body (after the header line).
  size_t pos = tampered.find('\n') + 40;
  tampered[pos] = tampered[pos] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(SignClientCsr(*ca, tampered, "agent-1", absl::Hours(1)).ok());
}

}  // namespace
}  // namespace arena
