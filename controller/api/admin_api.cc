#include "controller/api/admin_api.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "controller/scheduler/scheduler.h"
#include "controller/store/store.h"

namespace arena {
namespace {

v1::TokenInfo ToInfo(const ApiToken& token) {
  v1::TokenInfo info;
  info.set_id(token.id);
  info.set_name(token.name);
  info.set_role(token.role);
  info.set_created_unix_ms(token.created_ms);
  info.set_expires_unix_ms(token.expires_ms);
  info.set_revoked(token.revoked);
  info.set_user(token.user);
  return info;
}

}  // namespace

constexpr absl::Duration kMaxOwnTokenTtl = absl::Hours(90 * 24);

absl::StatusOr<v1::CreateTokenResponse> AdminApi::CreateToken(
    const Principal& who, const v1::CreateTokenRequest& request) {
  // A user makes tokens of its own, with no more than its role; tokens of
  // no user or of another user (a service user's) are an admin's to make.
  const std::string& user = request.user().empty() ? who.user : request.user();
  if (user.empty() || user != who.user) {
    RETURN_IF_ERROR(RequireAdmin(who, "creating API tokens of another user or of none"));
  } else if (LesserRole(request.role(), who.role) != request.role()) {
    return absl::PermissionDeniedError(absl::StrCat(
        "a token of ", user, " may have at most its role, ", who.role, ", not ", request.role()));
  } else if (!who.IsAdmin() && (request.ttl_ms() <= 0 ||
                                request.ttl_ms() > absl::ToInt64Milliseconds(kMaxOwnTokenTtl))) {
    // A stolen session must not become a token that outlives it for ever.
    return absl::InvalidArgumentError("a user's own token needs a ttl of at most 90 days (2160h)");
  }
  if (request.ttl_ms() < 0) return absl::InvalidArgumentError("ttl must not be negative");
  // A token of no user acts under its own name: not under a user's (it
  // would share the user's jobs).
  if (user.empty() && access_->store()->users().Get(request.name()).ok()) {
    return absl::AlreadyExistsError(absl::StrCat(request.name(),
                                                 " is a user's name; name the token otherwise, or "
                                                 "make it the user's (--user ",
                                                 request.name(), ")"));
  }
  ApiToken info;
  ASSIGN_OR_RETURN(std::string token,
                   CreateApiToken(access_->store(), request.name(), request.role(),
                                  absl::Milliseconds(request.ttl_ms()), &info, user));
  access_->Audit(who.name, "token.create", info.id,
                 absl::StrCat(info.name, " as ", info.role, user.empty() ? "" : " of ", user));
  v1::CreateTokenResponse response;
  response.set_token(token);
  *response.mutable_info() = ToInfo(info);
  return response;
}

absl::StatusOr<v1::ListTokensResponse> AdminApi::ListTokens(const Principal& who) {
  RETURN_IF_ERROR(RequireAdmin(who, "listing API tokens"));
  ASSIGN_OR_RETURN(std::vector<ApiToken> tokens, access_->store()->access().ListApiTokens());
  v1::ListTokensResponse response;
  for (const ApiToken& token : tokens) *response.add_tokens() = ToInfo(token);
  return response;
}

absl::StatusOr<v1::TokenInfo> AdminApi::RevokeToken(const Principal& who,
                                                    const std::string& token) {
  RETURN_IF_ERROR(RequireAdmin(who, "revoking API tokens"));
  if (token.empty()) return absl::InvalidArgumentError("token id or name is required");
  ASSIGN_OR_RETURN(ApiToken revoked, access_->store()->access().RevokeApiToken(token));
  access_->Audit(who.name, "token.revoke", revoked.id, revoked.name);
  return ToInfo(revoked);
}

absl::StatusOr<v1::AgentInfo> AdminApi::AgentInfoFor(const std::string& agent_id) {
  ASSIGN_OR_RETURN(v1::ListAgentsResponse all, DescribeAgents(*access_));
  for (const v1::AgentInfo& info : all.agents()) {
    if (info.id() == agent_id) return info;
  }
  return absl::NotFoundError(absl::StrCat("agent ", agent_id, " not found"));
}

absl::StatusOr<v1::AgentInfo> AdminApi::RevokeAgent(const Principal& who,
                                                    const std::string& agent_id) {
  RETURN_IF_ERROR(RequireOperator(who, "revoking agents"));
  ASSIGN_OR_RETURN(AgentRecord record, access_->store()->access().GetAgent(agent_id));
  record.revoked = true;
  RETURN_IF_ERROR(access_->store()->access().UpsertAgent(record));
  access_->scheduler()->RevokeAgent(agent_id);
  access_->scheduler()->Flush();
  access_->Audit(who.name, "agent.revoke", agent_id);
  return AgentInfoFor(agent_id);
}

absl::StatusOr<v1::AgentInfo> AdminApi::DrainAgent(const Principal& who,
                                                   const std::string& agent_id, bool undo) {
  RETURN_IF_ERROR(RequireOperator(who, "draining agents"));
  ASSIGN_OR_RETURN(AgentRecord record, access_->store()->access().GetAgent(agent_id));
  record.draining = !undo;
  RETURN_IF_ERROR(access_->store()->access().UpsertAgent(record));
  access_->scheduler()->SetDraining(agent_id, !undo);
  access_->scheduler()->Flush();
  access_->Audit(who.name, undo ? "agent.undrain" : "agent.drain", agent_id);
  return AgentInfoFor(agent_id);
}

absl::StatusOr<v1::ListAuditResponse> AdminApi::ListAudit(const Principal& who, int limit) {
  RETURN_IF_ERROR(RequireAdmin(who, "reading the audit trail"));
  ASSIGN_OR_RETURN(std::vector<AuditRecord> entries,
                   access_->store()->access().ListAudit(limit <= 0 ? 100 : std::min(limit, 10000)));
  v1::ListAuditResponse response;
  for (const AuditRecord& e : entries) {
    v1::AuditEntry* out = response.add_entries();
    out->set_unix_ms(e.unix_ms);
    out->set_actor(e.actor);
    out->set_action(e.action);
    out->set_target(e.target);
    out->set_detail(e.detail);
  }
  return response;
}

}  // namespace arena
