#include "agent/session/enrollment.h"

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "arena/v1/agent.grpc.pb.h"
#include "common/backoff.h"
#include "common/files.h"
#include "common/logging.h"
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

absl::StatusOr<v1::EnrollResponse> EnrollOnce(const EnrollOptions& options, const std::string& csr,
                                              const std::string& ca_pem) {
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
  return response;
}

// Retries while the controller is unreachable (not yet up, restarting);
// a refusal (bad token, bad CSR) is final.
absl::StatusOr<v1::EnrollResponse> EnrollWithRetries(const EnrollOptions& options,
                                                     const std::string& csr,
                                                     const std::string& ca_pem) {
  BackoffPolicy policy;
  policy.initial = absl::Seconds(1);
  policy.max = absl::Seconds(30);
  Backoff backoff(policy);
  absl::Time give_up = absl::Now() + options.retry_for;
  while (true) {
    absl::StatusOr<v1::EnrollResponse> response = EnrollOnce(options, csr, ca_pem);
    bool transient =
        absl::IsUnavailable(response.status()) || absl::IsDeadlineExceeded(response.status());
    if (!transient || options.stop == nullptr) return response;
    absl::Duration delay = backoff.Next();
    if (absl::Now() + delay > give_up || options.stop->HasBeenNotified()) return response;
    LogLine("enroll",
            absl::StrCat(response.status().message(), "; retrying in ",
                         absl::FormatDuration(absl::Trunc(delay, absl::Milliseconds(1)))));
    if (options.stop->WaitForNotificationWithTimeout(delay)) return response;
  }
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
  ASSIGN_OR_RETURN(v1::EnrollResponse response, EnrollWithRetries(options, csr, ca_pem));
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
