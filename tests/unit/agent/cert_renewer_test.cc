#include "agent/session/cert_renewer.h"

#include <gtest/gtest.h>

#include "common/files.h"
#include "common/tls.h"
#include "tests/unit/test_dir.h"

namespace arena {
namespace {

class CertRenewerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<CertifiedKey> ca = CreateCertificateAuthority("test CA", absl::Hours(48));
    ASSERT_TRUE(ca.ok());
    ca_ = *ca;
    identity_.agent_id = "agent-1";
    identity_.ca_pem = ca_.cert_pem;
    identity_.key_pem = *GeneratePrivateKeyPem();
    identity_.cert_pem = Sign(*CreateCsr(identity_.key_pem, "host"), "agent-1");
  }
  std::string Sign(const std::string& csr, const std::string& id) {
    absl::StatusOr<std::string> cert = SignClientCsr(ca_, csr, id, absl::Hours(10));
    EXPECT_TRUE(cert.ok());
    return cert.ok() ? *cert : "";
  }
  RenewerClock Clock() {
    return [this] { return now_; };
  }

  TestDir dir_;
  CertifiedKey ca_;
  AgentIdentity identity_;
  absl::Time now_ = absl::Now();
};

TEST_F(CertRenewerTest, RenewsBetween70And90PercentOfTheLifetimeOncePerStream) {
  CertificateRenewer renewer(identity_, dir_.path(), "host", Clock(), /*seed=*/7);
  absl::Time issued = *CertificateNotBefore(identity_.cert_pem) + absl::Minutes(1);
  absl::Time expires = *CertificateNotAfter(identity_.cert_pem);
  EXPECT_GE(renewer.renew_at(), issued + (expires - issued) * 0.7);
  EXPECT_LE(renewer.renew_at(), issued + (expires - issued) * 0.9);
  EXPECT_FALSE(renewer.RequestIfDue().has_value());
  EXPECT_GT(renewer.UntilDue(), absl::Hours(6));

  now_ = renewer.renew_at();  // no sleeping: the clock moves
  EXPECT_EQ(renewer.UntilDue(), absl::ZeroDuration());
  std::optional<v1::AgentMessage> request = renewer.RequestIfDue();
  ASSERT_TRUE(request.has_value());
  EXPECT_FALSE(request->renew().csr_pem().empty());
  EXPECT_FALSE(renewer.RequestIfDue().has_value());  // asked on this stream
  EXPECT_EQ(renewer.UntilDue(), absl::InfiniteDuration());
  renewer.NewConnection();  // unanswered: asked again on the next stream
  EXPECT_TRUE(renewer.RequestIfDue().has_value());
}

TEST_F(CertRenewerTest, StoresAFittingAnswerKeyFirstAndUsesIt) {
  CertificateRenewer renewer(identity_, dir_.path(), "host", Clock(), /*seed=*/7);
  v1::RenewCert unasked;
  unasked.set_certificate_pem(identity_.cert_pem);
  EXPECT_TRUE(absl::IsFailedPrecondition(renewer.Accept(unasked)));
  now_ = renewer.renew_at();
  std::optional<v1::AgentMessage> request = renewer.RequestIfDue();
  ASSERT_TRUE(request.has_value());

  v1::RenewCert other;  // signed for someone else
  other.set_certificate_pem(Sign(request->renew().csr_pem(), "agent-2"));
  EXPECT_TRUE(absl::IsFailedPrecondition(renewer.Accept(other)));
  v1::RenewCert foreign;  // not from this agent's CA
  CertifiedKey stranger = *CreateCertificateAuthority("other CA", absl::Hours(48));
  foreign.set_certificate_pem(
      *SignClientCsr(stranger, request->renew().csr_pem(), "agent-1", absl::Hours(10)));
  EXPECT_TRUE(absl::IsFailedPrecondition(renewer.Accept(foreign)));

  v1::RenewCert renewed;
  renewed.set_certificate_pem(Sign(request->renew().csr_pem(), "agent-1"));
  ASSERT_TRUE(renewer.Accept(renewed).ok());
  EXPECT_EQ(renewer.identity().cert_pem, renewed.certificate_pem());
  EXPECT_NE(renewer.identity().key_pem, identity_.key_pem);
  EXPECT_EQ(*ReadFile(dir_.File("agent.pem")), renewed.certificate_pem());
  EXPECT_EQ(*ReadFile(dir_.File("agent.key")), renewer.identity().key_pem);
  EXPECT_NE(renewer.UntilDue(), absl::InfiniteDuration());           // the next one is scheduled
  EXPECT_TRUE(absl::IsFailedPrecondition(renewer.Accept(renewed)));  // answered once
}

TEST_F(CertRenewerTest, ACertificateItCannotReadIsNeverRenewed) {
  identity_.cert_pem = "not a certificate";
  CertificateRenewer renewer(identity_, dir_.path(), "host", Clock(), /*seed=*/7);
  now_ += absl::Hours(24 * 365);
  EXPECT_EQ(renewer.renew_at(), absl::InfiniteFuture());
  EXPECT_FALSE(renewer.RequestIfDue().has_value());
}

}  // namespace
}  // namespace arena
