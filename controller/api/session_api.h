// Dashboard sessions, independent of transport: a user's name and
// password make a session (users.h), whose token the REST gateway sets as
// an HttpOnly cookie and whose CSRF token guards every request that changes
// something. Logins, failures, locks and logouts are audited.
// Owner: the Controller. Thread-safe (state lives in the Store).
#ifndef ARENA_CONTROLLER_API_SESSION_API_H_
#define ARENA_CONTROLLER_API_SESSION_API_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "arena/v1/rest.pb.h"
#include "controller/api/job_access.h"
#include "controller/auth/users.h"

namespace arena {

class SessionApi {
 public:
  // `access` must outlive the API.
  explicit SessionApi(const JobAccess* access, LoginPolicy policy = {})
      : access_(access), policy_(policy) {}

  // A new session; `from` (the client's address) goes in the audit trail.
  absl::StatusOr<Session> Login(const v1::LoginRequest& request, const std::string& from);
  // The session's principal and its CSRF token.
  absl::StatusOr<Principal> Authenticate(absl::string_view token, std::string* csrf) const;
  // Ends the session server-side (an unknown token ends nothing).
  absl::Status Logout(absl::string_view token, const Principal& who);
  const LoginPolicy& policy() const { return policy_; }

 private:
  const JobAccess* const access_;
  const LoginPolicy policy_;
};

}  // namespace arena

#endif  // ARENA_CONTROLLER_API_SESSION_API_H_
