#include "controller/auth/tokens.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "common/files.h"
#include "common/ids.h"
#include "common/status_macros.h"
#include "controller/auth/users.h"
#include "controller/store/store.h"

namespace arena {
namespace {

constexpr absl::Duration kMaxApiTokenTtl = absl::Hours(24 * 3650);
constexpr absl::Duration kMaxJoinTokenTtl = absl::Hours(24 * 30);
constexpr int kMaxJoinTokenUses = 100000;

// The role of the user a token belongs to; Unauthenticated once that user
// is gone or disabled.
absl::StatusOr<std::string> UserRole(Store* store, const ApiToken& token) {
  absl::StatusOr<UserRecord> user = store->users().Get(token.user);
  if (absl::IsNotFound(user.status()) || (user.ok() && user->disabled)) {
    return absl::UnauthenticatedError(absl::StrCat("API token ", token.name, " belongs to user ",
                                                   token.user, ", who is disabled or gone"));
  }
  RETURN_IF_ERROR(user.status());
  return user->role;
}

int RoleRank(const std::string& role) { return role == "admin" ? 2 : role == "operator" ? 1 : 0; }

absl::Status CheckUsable(const ApiToken& token) {
  if (token.revoked) {
    return absl::UnauthenticatedError(absl::StrCat("API token ", token.name, " was revoked"));
  }
  if (token.expires_ms > 0 && token.expires_ms <= absl::ToUnixMillis(absl::Now())) {
    return absl::UnauthenticatedError(absl::StrCat("API token ", token.name, " has expired"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Principal> AuthenticateBearer(Store* store, absl::string_view header) {
  if (header.empty()) {
    return absl::UnauthenticatedError("missing bearer token (Authorization: Bearer TOKEN)");
  }
  if (!absl::ConsumePrefix(&header, "Bearer ") || header.empty()) {
    return absl::UnauthenticatedError("malformed Authorization header, want \"Bearer TOKEN\"");
  }
  absl::StatusOr<ApiToken> token = store->access().LookupApiToken(Sha256Hex(header));
  // Unknown, revoked and expired tokens authenticate no one: 401, so that a
  // client (the dashboard) asks for another token instead of showing "denied".
  if (absl::IsNotFound(token.status())) return absl::UnauthenticatedError("unknown API token");
  if (!token.ok()) return token.status();
  RETURN_IF_ERROR(CheckUsable(*token));
  Principal who;
  who.token_id = token->id;
  who.name = token->name;
  who.role = token->role;
  who.token_hash = Sha256Hex(header);
  if (!token->user.empty()) {
    ASSIGN_OR_RETURN(std::string user_role, UserRole(store, *token));
    who.user = token->user;
    who.name = token->user;
    who.role = LesserRole(token->role, user_role);
  }
  return who;
}

absl::Status CheckStillValid(Store* store, const Principal& principal) {
  if (!principal.session_hash.empty()) {
    return CheckSessionValid(store, principal.session_hash, absl::Now(), LoginPolicy());
  }
  if (principal.token_hash.empty()) return absl::OkStatus();
  absl::StatusOr<ApiToken> token = store->access().LookupApiToken(principal.token_hash);
  if (absl::IsNotFound(token.status())) return absl::UnauthenticatedError("unknown API token");
  if (!token.ok()) return absl::OkStatus();  // a busy store is no verdict on the token
  RETURN_IF_ERROR(CheckUsable(*token));
  if (token->user.empty()) return absl::OkStatus();
  absl::StatusOr<std::string> role = UserRole(store, *token);
  return absl::IsUnauthenticated(role.status()) ? role.status() : absl::OkStatus();
}

std::string LesserRole(const std::string& a, const std::string& b) {
  return RoleRank(a) <= RoleRank(b) ? a : b;
}

absl::Status RequireAdmin(const Principal& principal, absl::string_view what) {
  if (principal.IsAdmin()) return absl::OkStatus();
  return absl::PermissionDeniedError(
      absl::StrCat(what, " needs the admin role; token ", principal.name, " is ", principal.role));
}

absl::Status RequireOperator(const Principal& principal, absl::string_view what) {
  if (principal.SeesEverything()) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat(what, " needs the operator or admin role; token ",
                                                  principal.name, " is ", principal.role));
}

bool IsValidRole(absl::string_view role) {
  return role == "admin" || role == "operator" || role == "submitter";
}

absl::StatusOr<std::string> CreateApiToken(Store* store, const std::string& name,
                                           const std::string& role, absl::Duration ttl,
                                           ApiToken* info, const std::string& user) {
  if (name.empty() || name.size() > 64) {
    return absl::InvalidArgumentError("token name must be 1 to 64 characters");
  }
  if (!IsValidRole(role)) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown role \"", role, "\" (admin, operator, submitter)"));
  }
  if (ttl < absl::ZeroDuration()) return absl::InvalidArgumentError("token ttl is negative");
  if (ttl > kMaxApiTokenTtl) {
    return absl::InvalidArgumentError("token ttl is over 10 years; use 0 for no expiry");
  }
  if (!user.empty()) RETURN_IF_ERROR(store->users().Get(user).status());
  std::string token = absl::StrCat("aat_", NewSecret(24));
  absl::Time now = absl::Now();
  ApiToken record;
  record.user = user;
  record.id = NewId("tok");
  record.name = name;
  record.role = role;
  record.created_ms = absl::ToUnixMillis(now);
  record.expires_ms = ttl == absl::ZeroDuration() ? 0 : absl::ToUnixMillis(now + ttl);
  RETURN_IF_ERROR(store->access().InsertApiToken(Sha256Hex(token), record));
  if (info != nullptr) *info = record;
  return token;
}

absl::StatusOr<std::string> CreateJoinToken(Store* store, absl::Duration ttl, int uses) {
  if (ttl <= absl::ZeroDuration() || ttl > kMaxJoinTokenTtl) {
    return absl::InvalidArgumentError(
        "join token ttl must be positive and at most 30 days (720h): it admits new agents");
  }
  if (uses < 1 || uses > kMaxJoinTokenUses) {
    return absl::InvalidArgumentError("join token uses must be between 1 and 100000");
  }
  std::string token = absl::StrCat("ajt_", NewSecret(24));
  absl::Time now = absl::Now();
  RETURN_IF_ERROR(store->access().InsertJoinToken(Sha256Hex(token), absl::ToUnixMillis(now + ttl),
                                                  uses, absl::ToUnixMillis(now)));
  return token;
}

absl::StatusOr<std::string> EnsureAdminToken(Store* store, const std::string& data_dir) {
  std::string path = absl::StrCat(data_dir, "/admin.token");
  if (FileExists(path)) {
    ASSIGN_OR_RETURN(std::string token, ReadFile(path));
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
    if (store->access().LookupApiToken(Sha256Hex(token)).ok()) return token;
  }
  ASSIGN_OR_RETURN(std::string token,
                   CreateApiToken(store, "admin", "admin", absl::ZeroDuration(), nullptr));
  RETURN_IF_ERROR(WriteFileAtomic(path, absl::StrCat(token, "\n"), 0600));
  return token;
}

}  // namespace arena
