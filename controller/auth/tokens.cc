#include "controller/auth/tokens.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "common/files.h"
#include "common/ids.h"
#include "common/status_macros.h"
#include "controller/store/store.h"

namespace arena {

absl::StatusOr<Principal> AuthenticateBearer(Store* store, absl::string_view header) {
  if (header.empty()) {
    return absl::UnauthenticatedError("missing bearer token (Authorization: Bearer TOKEN)");
  }
  if (!absl::ConsumePrefix(&header, "Bearer ") || header.empty()) {
    return absl::UnauthenticatedError("malformed Authorization header, want \"Bearer TOKEN\"");
  }
  absl::StatusOr<std::string> role = store->LookupApiToken(Sha256Hex(header));
  if (absl::IsNotFound(role.status())) {
    return absl::PermissionDeniedError("unknown API token");
  }
  if (!role.ok()) return role.status();
  return Principal{*role};
}

absl::StatusOr<std::string> CreateJoinToken(Store* store, absl::Duration ttl, int uses) {
  if (ttl <= absl::ZeroDuration())
    return absl::InvalidArgumentError("join token ttl must be positive");
  if (uses < 1) return absl::InvalidArgumentError("join token uses must be at least 1");
  std::string token = absl::StrCat("ajt_", NewSecret(24));
  absl::Time now = absl::Now();
  RETURN_IF_ERROR(store->InsertJoinToken(Sha256Hex(token), absl::ToUnixMillis(now + ttl), uses,
                                         absl::ToUnixMillis(now)));
  return token;
}

absl::StatusOr<std::string> EnsureAdminToken(Store* store, const std::string& data_dir) {
  std::string path = absl::StrCat(data_dir, "/admin.token");
  if (FileExists(path)) {
    ASSIGN_OR_RETURN(std::string token, ReadFile(path));
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
    if (store->LookupApiToken(Sha256Hex(token)).ok()) return token;
  }
  std::string token = absl::StrCat("aat_", NewSecret(24));
  RETURN_IF_ERROR(
      store->InsertApiToken(Sha256Hex(token), "admin", "admin", absl::ToUnixMillis(absl::Now())));
  RETURN_IF_ERROR(WriteFileAtomic(path, absl::StrCat(token, "\n"), 0600));
  return token;
}

}  // namespace arena
