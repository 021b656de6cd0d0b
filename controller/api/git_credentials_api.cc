// Credentials for private git hosts (admin.proto: SetGitCredential and the
// rest). Operator role. The token or key is sealed before it reaches the
// store and never answered back; the audit trail names host and kind only.
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "arena/v1/agent.pb.h"
#include "common/repo_url.h"
#include "common/status_macros.h"
#include "controller/api/admin_api.h"
#include "controller/auth/secret_box.h"
#include "controller/auth/tokens.h"
#include "controller/store/store.h"

namespace arena {
namespace {

constexpr size_t kMaxGitCredentialBytes = 64 << 10;

v1::GitCredentialInfo ToInfo(const CredentialRecord& record) {
  v1::GitCredentialInfo info;
  info.set_host(record.host);
  info.set_kind(record.kind);
  info.set_username(record.username);
  info.set_has_ca(record.has_ca);
  info.set_created_unix_ms(record.created_ms);
  return info;
}

// The kind the request asks for, or InvalidArgument saying what is missing.
absl::StatusOr<std::string> KindOf(const v1::SetGitCredentialRequest& request) {
  if (!IsGitHostKey(request.host())) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid git host \"", request.host(), "\" (want HOST or HOST:PORT)"));
  }
  bool token = !request.password().empty();
  bool key = !request.ssh_key().empty();
  if (token == key) {
    return absl::InvalidArgumentError("give either a password (token) or an SSH key");
  }
  if (token && request.username().empty()) {
    return absl::InvalidArgumentError("an HTTPS token needs a username");
  }
  if (key && request.known_hosts().empty()) {
    return absl::InvalidArgumentError("an SSH key needs the host's known_hosts lines");
  }
  if (request.ByteSizeLong() > kMaxGitCredentialBytes) {
    return absl::InvalidArgumentError("git credential exceeds 64 KiB");
  }
  return std::string(token ? "https-token" : "ssh-key");
}

}  // namespace

absl::StatusOr<v1::GitCredentialInfo> AdminApi::SetGitCredential(
    const Principal& who, const v1::SetGitCredentialRequest& request) {
  RETURN_IF_ERROR(RequireOperator(who, "storing git credentials"));
  ASSIGN_OR_RETURN(std::string kind, KindOf(request));
  if (secrets_ == nullptr) {
    return absl::FailedPreconditionError("this controller cannot seal secrets");
  }
  v1::GitAccess access;
  access.set_username(request.username());
  access.set_password(request.password());
  access.set_ssh_key(request.ssh_key());
  access.set_known_hosts(request.known_hosts());
  access.set_ca_pem(request.ca_pem());
  CredentialRecord record;
  record.host = absl::AsciiStrToLower(request.host());
  record.kind = kind;
  record.username = request.username();
  record.has_ca = !request.ca_pem().empty();
  record.created_ms = absl::ToUnixMillis(absl::Now());
  ASSIGN_OR_RETURN(record.sealed, secrets_->Seal(access.SerializeAsString()));
  RETURN_IF_ERROR(access_->store()->access().PutCredential(CredentialScope::kGit, record));
  access_->Audit(
      who.name, "git.login", record.host,
      absl::StrCat(kind, record.username.empty() ? "" : absl::StrCat(" as ", record.username)));
  return ToInfo(record);
}

absl::StatusOr<v1::ListGitCredentialsResponse> AdminApi::ListGitCredentials(const Principal& who) {
  RETURN_IF_ERROR(RequireOperator(who, "listing git credentials"));
  ASSIGN_OR_RETURN(std::vector<CredentialRecord> records,
                   access_->store()->access().ListCredentials(CredentialScope::kGit));
  v1::ListGitCredentialsResponse response;
  for (const CredentialRecord& record : records) *response.add_credentials() = ToInfo(record);
  return response;
}

absl::StatusOr<v1::GitCredentialInfo> AdminApi::DeleteGitCredential(const Principal& who,
                                                                    const std::string& host) {
  RETURN_IF_ERROR(RequireOperator(who, "removing git credentials"));
  ASSIGN_OR_RETURN(CredentialRecord removed,
                   access_->store()->access().DeleteCredential(CredentialScope::kGit,
                                                               absl::AsciiStrToLower(host)));
  access_->Audit(who.name, "git.logout", removed.host, removed.kind);
  return ToInfo(removed);
}

}  // namespace arena
