// admin.proto's AdminService, independent of transport: API tokens, users
// (users_api.cc) and the audit trail (admin role); revoking and draining agents, git hosts' and
// registries' credentials (operator role; git_credentials_api.cc,
// registry_credentials_api.cc). Every change is audited.
// Owner: the Controller. Thread-safe (state lives in the Store).
#ifndef ARENA_CONTROLLER_API_ADMIN_API_H_
#define ARENA_CONTROLLER_API_ADMIN_API_H_

#include <string>

#include "absl/status/statusor.h"
#include "arena/v1/admin.pb.h"
#include "arena/v1/jobs.pb.h"
#include "controller/api/job_access.h"

namespace arena {

class SecretBox;

class AdminApi {
 public:
  // Both must outlive the API; `secrets` seals credentials.
  AdminApi(const JobAccess* access, const SecretBox* secrets)
      : access_(access), secrets_(secrets) {}

  absl::StatusOr<v1::CreateTokenResponse> CreateToken(const Principal& who,
                                                      const v1::CreateTokenRequest& request);
  absl::StatusOr<v1::ListTokensResponse> ListTokens(const Principal& who);
  absl::StatusOr<v1::TokenInfo> RevokeToken(const Principal& who, const std::string& token);
  absl::StatusOr<v1::AgentInfo> RevokeAgent(const Principal& who, const std::string& agent_id);
  absl::StatusOr<v1::AgentInfo> DrainAgent(const Principal& who, const std::string& agent_id,
                                           bool undo);
  absl::StatusOr<v1::ListAuditResponse> ListAudit(const Principal& who, int limit);

  // Private git hosts' credentials.
  absl::StatusOr<v1::GitCredentialInfo> SetGitCredential(
      const Principal& who, const v1::SetGitCredentialRequest& request);
  absl::StatusOr<v1::ListGitCredentialsResponse> ListGitCredentials(const Principal& who);
  absl::StatusOr<v1::GitCredentialInfo> DeleteGitCredential(const Principal& who,
                                                            const std::string& host);
  // Container registries' credentials.
  absl::StatusOr<v1::RegistryCredentialInfo> SetRegistryCredential(
      const Principal& who, const v1::SetRegistryCredentialRequest& request);
  absl::StatusOr<v1::ListRegistryCredentialsResponse> ListRegistryCredentials(const Principal& who);
  absl::StatusOr<v1::RegistryCredentialInfo> DeleteRegistryCredential(const Principal& who,
                                                                      const std::string& host);
  // People's accounts (users_api.cc).
  absl::StatusOr<v1::UserInfo> CreateUser(const Principal& who,
                                          const v1::CreateUserRequest& request);
  absl::StatusOr<v1::ListUsersResponse> ListUsers(const Principal& who);
  absl::StatusOr<v1::UserInfo> DisableUser(const Principal& who,
                                           const v1::DisableUserRequest& request);
  absl::StatusOr<v1::UserInfo> SetPassword(const Principal& who,
                                           const v1::SetPasswordRequest& request);

 private:
  absl::StatusOr<v1::AgentInfo> AgentInfoFor(const std::string& agent_id);

  const JobAccess* const access_;
  const SecretBox* const secrets_;
};

}  // namespace arena

#endif  // ARENA_CONTROLLER_API_ADMIN_API_H_
