#include "controller/store/user_table.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "controller/store/sql_query.h"

namespace arena {
namespace {

constexpr char kUserColumns[] =
    "name, role, password_hash, disabled, created_ms, failed_logins, locked_until_ms, "
    "last_login_ms";

UserRecord ReadUser(const Statement& row) {
  UserRecord user;
  ColumnReader(row).Into(&user.name, &user.role, &user.password_hash, &user.disabled,
                         &user.created_ms, &user.failed_logins, &user.locked_until_ms,
                         &user.last_login_ms);
  return user;
}

absl::Status NoSuchUser(const std::string& name) {
  return absl::NotFoundError(absl::StrCat("no user ", name));
}

}  // namespace

absl::Status UserTable::Insert(const UserRecord& user) {
  return connection_->Transaction([&](Database& db) -> absl::Status {
    ASSIGN_OR_RETURN(
        int64_t added,
        SqlQuery(db,
                 "INSERT OR IGNORE INTO users(name, role, password_hash, disabled, "
                 "created_ms) VALUES(?, ?, ?, ?, ?)")
            .Bind(user.name, user.role, user.password_hash, user.disabled, user.created_ms)
            .Run());
    if (added == 0) return absl::AlreadyExistsError(absl::StrCat("user ", user.name, " exists"));
    return absl::OkStatus();
  });
}

absl::StatusOr<UserRecord> UserTable::Get(const std::string& name) {
  return connection_->Read([&](Database& db) -> absl::StatusOr<UserRecord> {
    ASSIGN_OR_RETURN(
        std::optional<UserRecord> user,
        SqlQuery(db, absl::StrCat("SELECT ", kUserColumns, " FROM users WHERE name = ?"))
            .Bind(name)
            .One(ReadUser));
    if (!user) return NoSuchUser(name);
    return *std::move(user);
  });
}

absl::StatusOr<std::vector<UserRecord>> UserTable::List() {
  return connection_->Read([&](Database& db) {
    return SqlQuery(db, absl::StrCat("SELECT ", kUserColumns, " FROM users ORDER BY name"))
        .All(ReadUser);
  });
}

absl::Status UserTable::SetPasswordHash(const std::string& name, const std::string& hash) {
  return connection_->Transaction([&](Database& db) -> absl::Status {
    ASSIGN_OR_RETURN(int64_t changed,
                     SqlQuery(db,
                              "UPDATE users SET password_hash = ?, failed_logins = 0, "
                              "locked_until_ms = 0 WHERE name = ?")
                         .Bind(hash, name)
                         .Run());
    if (changed == 0) return NoSuchUser(name);
    return SqlQuery(db, "UPDATE sessions SET ended = 1 WHERE user = ?").Bind(name).Run().status();
  });
}

absl::Status UserTable::SetDisabled(const std::string& name, bool disabled) {
  return connection_->Transaction([&](Database& db) -> absl::Status {
    ASSIGN_OR_RETURN(
        int64_t changed,
        SqlQuery(db, "UPDATE users SET disabled = ? WHERE name = ?").Bind(disabled, name).Run());
    if (changed == 0) return NoSuchUser(name);
    if (!disabled) return absl::OkStatus();
    return SqlQuery(db, "UPDATE sessions SET ended = 1 WHERE user = ?").Bind(name).Run().status();
  });
}

absl::Status UserTable::RecordLogin(const std::string& name, int failed_logins,
                                    int64_t locked_until_ms, int64_t last_login_ms) {
  return connection_->Transaction([&](Database& db) -> absl::Status {
    ASSIGN_OR_RETURN(int64_t changed,
                     SqlQuery(db,
                              "UPDATE users SET failed_logins = ?, locked_until_ms = ?, "
                              "last_login_ms = ? WHERE name = ?")
                         .Bind(failed_logins, locked_until_ms, last_login_ms, name)
                         .Run());
    if (changed == 0) return NoSuchUser(name);
    return absl::OkStatus();
  });
}

absl::Status UserTable::InsertSession(const std::string& hash, const std::string& user,
                                      const std::string& csrf, int64_t now_ms) {
  return connection_->Transaction([&](Database& db) -> absl::Status {
    return SqlQuery(db,
                    "INSERT INTO sessions(hash, user, csrf, created_ms, last_seen_ms) "
                    "VALUES(?, ?, ?, ?, ?)")
        .Bind(hash, user, csrf, now_ms, now_ms)
        .Run()
        .status();
  });
}

absl::StatusOr<SessionRecord> UserTable::GetSession(const std::string& hash) {
  return connection_->Read([&](Database& db) -> absl::StatusOr<SessionRecord> {
    ASSIGN_OR_RETURN(
        std::optional<SessionRecord> session,
        SqlQuery(db,
                 "SELECT s.user, s.csrf, s.created_ms, s.last_seen_ms, s.ended, u.role, "
                 "u.disabled FROM sessions s JOIN users u ON u.name = s.user WHERE s.hash = ?")
            .Bind(hash)
            .One([](const Statement& row) {
              SessionRecord s;
              ColumnReader(row).Into(&s.user, &s.csrf, &s.created_ms, &s.last_seen_ms, &s.ended,
                                     &s.role, &s.disabled);
              return s;
            }));
    if (!session) return absl::NotFoundError("no such session");
    return *std::move(session);
  });
}

absl::Status UserTable::TouchSession(const std::string& hash, int64_t now_ms) {
  return connection_->Transaction([&](Database& db) -> absl::Status {
    return SqlQuery(db, "UPDATE sessions SET last_seen_ms = ? WHERE hash = ?")
        .Bind(now_ms, hash)
        .Run()
        .status();
  });
}

absl::Status UserTable::EndSession(const std::string& hash) {
  return connection_->Transaction([&](Database& db) -> absl::Status {
    return SqlQuery(db, "UPDATE sessions SET ended = 1 WHERE hash = ?").Bind(hash).Run().status();
  });
}

}  // namespace arena
