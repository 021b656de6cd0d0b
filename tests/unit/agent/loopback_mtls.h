// A CA, a server certificate for 127.0.0.1 and an agent's identity from
// common/tls.h, and a gRPC server with mTLS on 127.0.0.1:0 as the controller
// runs it: for unit tests of the agent's side of the Connect stream.
// Owned by the test; not thread-safe.
#ifndef ARENA_TESTS_UNIT_AGENT_LOOPBACK_MTLS_H_
#define ARENA_TESTS_UNIT_AGENT_LOOPBACK_MTLS_H_

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "agent/session/enrollment.h"
#include "common/tls.h"

namespace arena {

class LoopbackMtls {
 public:
  // Certificates that live an hour: no renewal comes due by itself.
  void Create(const std::string& agent_id) {
    absl::StatusOr<CertifiedKey> ca = CreateCertificateAuthority("test CA", absl::Hours(2));
    ASSERT_TRUE(ca.ok()) << ca.status();
    ca_ = *ca;
    absl::StatusOr<CertifiedKey> server =
        IssueServerCertificate(ca_, {"localhost", "127.0.0.1"}, absl::Hours(1));
    ASSERT_TRUE(server.ok()) << server.status();
    server_cert_ = *server;
    identity_.agent_id = agent_id;
    identity_.ca_pem = ca_.cert_pem;
    identity_.key_pem = *GeneratePrivateKeyPem();
    identity_.cert_pem =
        *SignClientCsr(ca_, *CreateCsr(identity_.key_pem, "host"), agent_id, absl::Hours(1));
  }
  // Serves `service` (which must outlive the server) and returns its
  // address, host:port.
  std::string Serve(grpc::Service* service) {
    grpc::SslServerCredentialsOptions ssl(
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
    ssl.pem_root_certs = ca_.cert_pem;
    ssl.pem_key_cert_pairs.push_back({server_cert_.key_pem, server_cert_.cert_pem});
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::SslServerCredentials(ssl), &port);
    builder.RegisterService(service);
    server_ = builder.BuildAndStart();
    EXPECT_NE(server_, nullptr);
    EXPECT_GT(port, 0);
    return absl::StrCat("127.0.0.1:", port);
  }
  // Ends the server's calls after at most `grace`.
  void Shutdown(absl::Duration grace = absl::ZeroDuration()) {
    if (server_ == nullptr) return;
    server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
    server_.reset();
  }
  const AgentIdentity& identity() const { return identity_; }

 private:
  CertifiedKey ca_;
  CertifiedKey server_cert_;
  AgentIdentity identity_;
  std::unique_ptr<grpc::Server> server_;
};

}  // namespace arena

#endif  // ARENA_TESTS_UNIT_AGENT_LOOPBACK_MTLS_H_
