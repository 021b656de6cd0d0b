// Credentials for container registries (admin.proto: SetRegistryCredential
// and the rest). Operator role. The password is sealed before it reaches the
// store and never answered back; the audit trail names host and username.
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "arena/v1/agent.pb.h"
#include "common/image_ref.h"
#include "common/status_macros.h"
#include "controller/api/admin_api.h"
#include "controller/auth/secret_box.h"
#include "controller/auth/tokens.h"
#include "controller/store/store.h"

namespace arena {
namespace {

constexpr size_t kMaxRegistryCredentialBytes = 16 << 10;

v1::RegistryCredentialInfo ToInfo(const CredentialRecord& record) {
  v1::RegistryCredentialInfo info;
  info.set_host(record.host);
  info.set_username(record.username);
  info.set_created_unix_ms(record.created_ms);
  return info;
}

absl::StatusOr<std::string> CheckedHost(const std::string& host) {
  std::string normal = NormalizeRegistryHost(host);
  if (normal.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid registry host \"", host, "\" (want HOST or HOST:PORT, as in image names)"));
  }
  return normal;
}

absl::Status CheckRequest(const v1::SetRegistryCredentialRequest& request) {
  if (request.username().empty()) return absl::InvalidArgumentError("a username is required");
  if (request.password().empty()) return absl::InvalidArgumentError("a password is required");
  if (request.ByteSizeLong() > kMaxRegistryCredentialBytes) {
    return absl::InvalidArgumentError("registry credential exceeds 16 KiB");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::RegistryCredentialInfo> AdminApi::SetRegistryCredential(
    const Principal& who, const v1::SetRegistryCredentialRequest& request) {
  RETURN_IF_ERROR(RequireOperator(who, "storing registry credentials"));
  ASSIGN_OR_RETURN(std::string host, CheckedHost(request.host()));
  RETURN_IF_ERROR(CheckRequest(request));
  if (secrets_ == nullptr) {
    return absl::FailedPreconditionError("this controller cannot seal secrets");
  }
  v1::RegistryAuth auth;
  auth.set_host(host);
  auth.set_username(request.username());
  auth.set_password(request.password());
  CredentialRecord record;
  record.host = host;
  record.kind = "basic";
  record.username = request.username();
  record.created_ms = absl::ToUnixMillis(absl::Now());
  ASSIGN_OR_RETURN(record.sealed, secrets_->Seal(auth.SerializeAsString()));
  RETURN_IF_ERROR(access_->store()->access().PutCredential(CredentialScope::kRegistry, record));
  access_->Audit(who.name, "registry.login", host, absl::StrCat("as ", record.username));
  return ToInfo(record);
}

absl::StatusOr<v1::ListRegistryCredentialsResponse> AdminApi::ListRegistryCredentials(
    const Principal& who) {
  RETURN_IF_ERROR(RequireOperator(who, "listing registry credentials"));
  ASSIGN_OR_RETURN(std::vector<CredentialRecord> records,
                   access_->store()->access().ListCredentials(CredentialScope::kRegistry));
  v1::ListRegistryCredentialsResponse response;
  for (const CredentialRecord& record : records) *response.add_credentials() = ToInfo(record);
  return response;
}

absl::StatusOr<v1::RegistryCredentialInfo> AdminApi::DeleteRegistryCredential(
    const Principal& who, const std::string& host) {
  RETURN_IF_ERROR(RequireOperator(who, "removing registry credentials"));
  ASSIGN_OR_RETURN(std::string normal, CheckedHost(host));
  ASSIGN_OR_RETURN(CredentialRecord removed,
                   access_->store()->access().DeleteCredential(CredentialScope::kRegistry, normal));
  access_->Audit(who.name, "registry.logout", removed.host, removed.username);
  return ToInfo(removed);
}

}  // namespace arena
