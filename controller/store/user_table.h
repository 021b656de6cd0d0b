// UserTable: people's accounts (a name, a role, an argon2id password hash,
// disabled or not, failed logins and a lock) and their dashboard sessions
// (stored by the SHA-256 of the session token, with its CSRF token). The
// rules (hashing, lockout, expiry) are controller/auth/users.h's; this is
// their storage.
//
// Owner: the Store, over its StoreConnection. Thread-safe (the connection
// serialises the statements; writes take their turn at the write gate).
#ifndef ARENA_CONTROLLER_STORE_USER_TABLE_H_
#define ARENA_CONTROLLER_STORE_USER_TABLE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "controller/store/store_connection.h"

namespace arena {

struct UserRecord {
  std::string name;
  std::string role;
  std::string password_hash;  // crypto_pwhash_str's encoded string
  bool disabled = false;
  int64_t created_ms = 0;
  int failed_logins = 0;  // since the last good login
  int64_t locked_until_ms = 0;
  int64_t last_login_ms = 0;
};

struct SessionRecord {
  std::string user;
  std::string csrf;
  int64_t created_ms = 0;
  int64_t last_seen_ms = 0;
  bool ended = false;
  // The user's, as of the read.
  std::string role;
  bool disabled = false;
};

class UserTable {
 public:
  explicit UserTable(StoreConnection* connection) : connection_(connection) {}

  // AlreadyExists when the name is taken.
  absl::Status Insert(const UserRecord& user);
  // NotFound when there is no such user.
  absl::StatusOr<UserRecord> Get(const std::string& name);
  absl::StatusOr<std::vector<UserRecord>> List();
  // A new password: failed logins and the lock cleared, every session of
  // the user ended. NotFound when there is no such user.
  absl::Status SetPasswordHash(const std::string& name, const std::string& hash);
  // Disabling ends the user's sessions. NotFound when there is no such user.
  absl::Status SetDisabled(const std::string& name, bool disabled);
  // A login's outcome: the failure count, the lock and the last good login.
  absl::Status RecordLogin(const std::string& name, int failed_logins, int64_t locked_until_ms,
                           int64_t last_login_ms);

  absl::Status InsertSession(const std::string& hash, const std::string& user,
                             const std::string& csrf, int64_t now_ms);
  // NotFound when no session has that hash.
  absl::StatusOr<SessionRecord> GetSession(const std::string& hash);
  absl::Status TouchSession(const std::string& hash, int64_t now_ms);
  absl::Status EndSession(const std::string& hash);

 private:
  StoreConnection* const connection_;
};

}  // namespace arena

#endif  // ARENA_CONTROLLER_STORE_USER_TABLE_H_
