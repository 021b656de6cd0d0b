// AdminApi's people's accounts: create, list, disable and set passwords.
// Admin only, but a user logged in to the dashboard may set its own
// password. Every change is audited; no password is ever logged.
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"
#include "controller/api/admin_api.h"
#include "controller/auth/users.h"
#include "controller/store/store.h"

namespace arena {
namespace {

v1::UserInfo ToInfo(const UserRecord& user) {
  v1::UserInfo info;
  info.set_name(user.name);
  info.set_role(user.role);
  info.set_disabled(user.disabled);
  info.set_created_unix_ms(user.created_ms);
  info.set_failed_logins(user.failed_logins);
  info.set_locked_until_unix_ms(user.locked_until_ms);
  info.set_last_login_unix_ms(user.last_login_ms);
  return info;
}

}  // namespace

absl::StatusOr<v1::UserInfo> AdminApi::CreateUser(const Principal& who,
                                                  const v1::CreateUserRequest& request) {
  RETURN_IF_ERROR(RequireAdmin(who, "creating users"));
  Store* store = access_->store();
  // A token of no user acts under its own name: a user of that name would
  // share its jobs.
  ASSIGN_OR_RETURN(std::vector<ApiToken> tokens, store->access().ListApiTokens());
  for (const ApiToken& token : tokens) {
    if (token.user.empty() && token.name == request.name() && !token.revoked) {
      return absl::AlreadyExistsError(absl::StrCat("an API token of no user is named ",
                                                   request.name(),
                                                   "; revoke it or pick another user name"));
    }
  }
  RETURN_IF_ERROR(
      arena::CreateUser(store, request.name(), request.role(), request.password(), absl::Now()));
  access_->Audit(who.name, "user.create", request.name(), request.role());
  ASSIGN_OR_RETURN(UserRecord user, store->users().Get(request.name()));
  return ToInfo(user);
}

absl::StatusOr<v1::ListUsersResponse> AdminApi::ListUsers(const Principal& who) {
  RETURN_IF_ERROR(RequireAdmin(who, "listing users"));
  ASSIGN_OR_RETURN(std::vector<UserRecord> users, access_->store()->users().List());
  v1::ListUsersResponse response;
  for (const UserRecord& user : users) *response.add_users() = ToInfo(user);
  return response;
}

absl::StatusOr<v1::UserInfo> AdminApi::DisableUser(const Principal& who,
                                                   const v1::DisableUserRequest& request) {
  RETURN_IF_ERROR(RequireAdmin(who, "disabling users"));
  if (request.name().empty()) return absl::InvalidArgumentError("a user name is required");
  Store* store = access_->store();
  RETURN_IF_ERROR(store->users().SetDisabled(request.name(), !request.undo()));
  access_->Audit(who.name, request.undo() ? "user.enable" : "user.disable", request.name());
  ASSIGN_OR_RETURN(UserRecord user, store->users().Get(request.name()));
  return ToInfo(user);
}

absl::StatusOr<v1::UserInfo> AdminApi::SetPassword(const Principal& who,
                                                   const v1::SetPasswordRequest& request) {
  // A token named like a user is not that user: only its own session is.
  const bool self = !who.session_hash.empty() && who.name == request.name();
  if (!self) RETURN_IF_ERROR(RequireAdmin(who, "setting another user's password"));
  Store* store = access_->store();
  RETURN_IF_ERROR(SetUserPassword(store, request.name(), request.password()));
  access_->Audit(who.name, "user.passwd", request.name());
  ASSIGN_OR_RETURN(UserRecord user, store->users().Get(request.name()));
  return ToInfo(user);
}

}  // namespace arena
