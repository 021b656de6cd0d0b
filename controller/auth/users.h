// People's accounts and their dashboard sessions. Passwords are hashed
// with argon2id (libsodium's crypto_pwhash_str at its interactive limits)
// and never stored, logged or returned; repeated failed logins lock the
// account for a while, doubling; a session ends when idle, at an absolute
// age, at logout, and when its user is disabled or changes password. Only
// SHA-256 hashes of session tokens are stored.
//
// Functions over the caller's (thread-safe) Store, no state of their own:
// thread-safe.
#ifndef ARENA_CONTROLLER_AUTH_USERS_H_
#define ARENA_CONTROLLER_AUTH_USERS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "controller/auth/tokens.h"

namespace arena {

class Store;

struct LoginPolicy {
  int free_failures = 5;                         // failed logins in a row before the first lock
  absl::Duration first_lock = absl::Minutes(1);  // doubled per further failure
  absl::Duration max_lock = absl::Hours(1);
  absl::Duration idle = absl::Minutes(30);    // a session unused this long ends
  absl::Duration absolute = absl::Hours(12);  // and any session at this age
};

// 1 to 64 of [A-Za-z0-9._-], not starting with "-".
absl::Status ValidUserName(absl::string_view name);
// 12 to 1024 bytes.
absl::Status ValidPassword(absl::string_view password);

// Adds a user with the password's hash. InvalidArgument for a bad name,
// role or password; AlreadyExists for a taken name.
absl::Status CreateUser(Store* store, const std::string& name, const std::string& role,
                        absl::string_view password, absl::Time now);
absl::Status SetUserPassword(Store* store, const std::string& name, absl::string_view password);

// The end of the lock after `failures` failed logins in a row at `now`
// (`now` itself: no lock).
absl::Time LockedUntil(int failures, absl::Time now, const LoginPolicy& policy);

struct Session {
  std::string token;  // the cookie's value, shown once
  std::string csrf;   // for the X-CSRF-Token header
  Principal who;
  absl::Time expires;  // the absolute end
};

// A new session for the name and password. Unauthenticated "wrong user name
// or password" for an unknown or disabled user or a wrong password (the
// same answer, after the same work); ResourceExhausted while the user is
// locked, naming how long.
absl::StatusOr<Session> Login(Store* store, const std::string& name, absl::string_view password,
                              absl::Time now, const LoginPolicy& policy);
// The session's principal (and `*csrf` its CSRF token), its idle clock
// restarted (at most once a minute, so idle means 30 to 31 minutes). Unauthenticated when unknown,
// ended, idle or too old, or its user is disabled.
absl::StatusOr<Principal> AuthenticateSession(Store* store, absl::string_view token, absl::Time now,
                                              const LoginPolicy& policy, std::string* csrf);
// Unauthenticated once the session of `session_hash` has ended (CheckStillValid).
absl::Status CheckSessionValid(Store* store, const std::string& session_hash, absl::Time now,
                               const LoginPolicy& policy);
absl::Status Logout(Store* store, absl::string_view token);

// On first start: the "admin" user with a random password, written once to
// DATA/admin.password (0600) and returned; "" when the user exists.
absl::StatusOr<std::string> EnsureAdminUser(Store* store, const std::string& data_dir);

}  // namespace arena

#endif  // ARENA_CONTROLLER_AUTH_USERS_H_
