#include "agent/session/enrollment.h"

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "arena/v1/agent.grpc.pb.h"
#include "common/files.h"
#include "common/status_macros.h"
#include "common/tls.h"

namespace arena {
namespace {

struct StatePaths {
  std::string key, cert, ca, id;
};

StatePaths PathsFor(const std::string& dir) {
  return {absl::StrCat(dir, "/agent.key"), absl::StrCat(dir, "/agent.pem"),
          absl::StrCat(dir, "/ca.pem"), absl::StrCat(dir, "/agent.id")};
}

absl::StatusOr<std::string> TrustedCa(const EnrollOptions& options, const StatePaths& paths) {
  if (!options.ca_file.empty()) {
    absl::StatusOr<std::string> ca = ReadFile(options.ca_file);
    if (!ca.ok())
      return absl::InvalidArgumentError(absl::StrCat("cannot read --ca-file ", options.ca_file));
    if (!CertificateCommonName(*ca).ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--ca-file ", options.ca_file, " is not a PEM certificate"));
    }
    return ca;
  }
  if (FileExists(paths.ca)) return ReadFile(paths.ca);
  return absl::InvalidArgumentError("--ca-file is required to enroll");
}

absl::StatusOr<AgentIdentity> Enroll(const EnrollOptions& options, const StatePaths& paths,
                                     const std::string& ca_pem) {
  if (options.join_token.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("no identity in ", options.state_dir, ": pass --join-token to enroll"));
  }
  AgentIdentity identity;
  ASSIGN_OR_RETURN(identity.key_pem, GeneratePrivateKeyPem());
  ASSIGN_OR_RETURN(std::string csr, CreateCsr(identity.key_pem, options.hostname));
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = ca_pem;
  auto channel = grpc::CreateChannel(options.controller, grpc::SslCredentials(ssl));
  auto stub = v1::AgentService::NewStub(channel);
  v1::EnrollRequest request;
  request.set_join_token(options.join_token);
  request.set_csr_pem(csr);
  request.set_hostname(options.hostname);
  v1::EnrollResponse response;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(15));
  grpc::Status status = stub->Enroll(&context, request, &response);
  if (!status.ok()) {
    return absl::Status(
        static_cast<absl::StatusCode>(status.error_code()),
        absl::StrCat("enrollment with ", options.controller, " failed: ", status.error_message()));
  }
  identity.agent_id = response.agent_id();
  identity.cert_pem = response.certificate_pem();
  identity.ca_pem = ca_pem;
  RETURN_IF_ERROR(MakeDirs(options.state_dir, 0700));
  RETURN_IF_ERROR(WriteFileAtomic(paths.key, identity.key_pem, 0600));
  RETURN_IF_ERROR(WriteFileAtomic(paths.cert, identity.cert_pem, 0644));
  RETURN_IF_ERROR(WriteFileAtomic(paths.ca, identity.ca_pem, 0644));
  RETURN_IF_ERROR(WriteFileAtomic(paths.id, identity.agent_id + "\n", 0644));
  return identity;
}

}  // namespace

absl::StatusOr<AgentIdentity> LoadOrEnroll(const EnrollOptions& options) {
  StatePaths paths = PathsFor(options.state_dir);
  ASSIGN_OR_RETURN(std::string ca_pem, TrustedCa(options, paths));
  if (!FileExists(paths.key) || !FileExists(paths.cert)) return Enroll(options, paths, ca_pem);
  AgentIdentity identity;
  ASSIGN_OR_RETURN(identity.key_pem, ReadFile(paths.key));
  ASSIGN_OR_RETURN(identity.cert_pem, ReadFile(paths.cert));
  ASSIGN_OR_RETURN(identity.agent_id, CertificateCommonName(identity.cert_pem));
  identity.ca_pem = ca_pem;
  return identity;
}

}  // namespace arena
