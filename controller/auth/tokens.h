// Bearer tokens for people and CI (with roles), join tokens for agents, and
// the permission checks both APIs share. Only SHA-256 hashes of tokens are
// stored; a token is shown once, when it is created.
//
// Roles: admin (everything), operator (all jobs, agents, join tokens),
// submitter (submit; see and cancel only the jobs it submitted).
// Functions over the caller's (thread-safe) Store, no state of their own:
// thread-safe.
#ifndef ARENA_CONTROLLER_AUTH_TOKENS_H_
#define ARENA_CONTROLLER_AUTH_TOKENS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace arena {

class Store;
struct ApiToken;

struct Principal {
  std::string token_id;
  // Recorded as a job's owner and in the audit trail: the user's name, or
  // the token's for a token of no user.
  std::string name;
  // The user's role, or less when its token has less.
  std::string role;
  std::string token_hash;    // to check later that the token is still good
  std::string session_hash;  // a dashboard session's instead (users.h)
  std::string user;          // the user behind it; "" for a token of no user

  bool IsAdmin() const { return role == "admin"; }
  // admin or operator: every job and agent.
  bool SeesEverything() const { return role == "admin" || role == "operator"; }
};

// Checks an "Authorization: Bearer TOKEN" header value. Unauthenticated when
// missing, malformed, unknown, revoked or expired.
absl::StatusOr<Principal> AuthenticateBearer(Store* store, absl::string_view header);

// Unauthenticated once the principal's token has been revoked or has
// expired: long-lived calls (log follows, long polls) check it as they go.
absl::Status CheckStillValid(Store* store, const Principal& principal);

// PermissionDenied naming the role needed unless the principal has it.
absl::Status RequireAdmin(const Principal& principal, absl::string_view what);
absl::Status RequireOperator(const Principal& principal, absl::string_view what);

bool IsValidRole(absl::string_view role);

// The lesser of two roles (admin > operator > submitter).
std::string LesserRole(const std::string& a, const std::string& b);

// Creates an API token, of `user` when not empty (who must exist); ttl
// zero means it never expires. Returns the token.
absl::StatusOr<std::string> CreateApiToken(Store* store, const std::string& name,
                                           const std::string& role, absl::Duration ttl,
                                           ApiToken* info, const std::string& user = "");

// Creates a join token good for `uses` enrollments until now + ttl.
absl::StatusOr<std::string> CreateJoinToken(Store* store, absl::Duration ttl, int uses);

// Returns the admin token kept in DATA/admin.token (0600), creating it and
// registering its hash on first start.
absl::StatusOr<std::string> EnsureAdminToken(Store* store, const std::string& data_dir);

}  // namespace arena

#endif  // ARENA_CONTROLLER_AUTH_TOKENS_H_
