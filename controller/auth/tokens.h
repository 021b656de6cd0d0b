// Bearer tokens for people and CI, and join tokens for agents. Only hashes
// are stored; the plain token is shown once, when it is created.
#ifndef ARENA_CONTROLLER_AUTH_TOKENS_H_
#define ARENA_CONTROLLER_AUTH_TOKENS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace arena {

class Store;

struct Principal {
  std::string role;  // "admin" for now; operator and submitter come later
};

// Checks an "Authorization: Bearer TOKEN" header value. Unauthenticated when
// missing or malformed, PermissionDenied when the token is unknown.
absl::StatusOr<Principal> AuthenticateBearer(Store* store, absl::string_view header);

// Creates a join token good for `uses` enrollments until now + ttl.
absl::StatusOr<std::string> CreateJoinToken(Store* store, absl::Duration ttl, int uses);

// Returns the admin token kept in DATA/admin.token (0600), creating it and
// registering its hash on first start.
absl::StatusOr<std::string> EnsureAdminToken(Store* store, const std::string& data_dir);

}  // namespace arena

#endif  // ARENA_CONTROLLER_AUTH_TOKENS_H_
