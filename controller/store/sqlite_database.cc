#include "controller/store/sqlite_database.h"

#include <sqlite3.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"

namespace arena {
namespace {

absl::Status SqliteError(sqlite3* db, absl::string_view what) {
  int code = sqlite3_errcode(db);
  std::string message = absl::StrCat(what, ": ", sqlite3_errmsg(db));
  if (code == SQLITE_FULL || code == SQLITE_IOERR) return absl::ResourceExhaustedError(message);
  if (code == SQLITE_BUSY || code == SQLITE_LOCKED) return absl::UnavailableError(message);
  if (code == SQLITE_CONSTRAINT) return absl::AlreadyExistsError(message);
  return absl::InternalError(message);
}

class SqliteStatement final : public Statement {
 public:
  // `in_use` is set for a statement borrowed from the connection's cache: it
  // is reset and handed back instead of finalized.
  SqliteStatement(sqlite3* db, sqlite3_stmt* stmt, const WriteObserver* observer, bool* in_use)
      : db_(db), stmt_(stmt), observer_(observer), in_use_(in_use) {}
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;
  ~SqliteStatement() override {
    if (in_use_ == nullptr) {
      sqlite3_finalize(stmt_);
      return;
    }
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    *in_use_ = false;
  }

  void BindInt(int index, int64_t value) override {
    Check(sqlite3_bind_int64(stmt_, index, value));
  }
  void BindText(int index, absl::string_view text) override {
    Check(sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()),
                            SQLITE_TRANSIENT));
  }
  void BindBlob(int index, absl::string_view bytes) override {
    Check(sqlite3_bind_blob(stmt_, index, bytes.data(), static_cast<int>(bytes.size()),
                            SQLITE_TRANSIENT));
  }

  absl::StatusOr<bool> Step() override;

  void Reset() override {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    bind_error_ = SQLITE_OK;
  }

  int64_t Int(int column) const override { return sqlite3_column_int64(stmt_, column); }
  std::string Text(int column) const override {
    const void* data = sqlite3_column_blob(stmt_, column);
    int size = sqlite3_column_bytes(stmt_, column);
    if (data == nullptr) return "";
    return std::string(static_cast<const char*>(data), static_cast<size_t>(size));
  }
  bool IsNull(int column) const override {
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
  }

 private:
  void Check(int rc) {
    if (rc != SQLITE_OK && bind_error_ == SQLITE_OK) bind_error_ = rc;
  }

  sqlite3* db_;
  sqlite3_stmt* stmt_;
  const WriteObserver* observer_;
  bool* in_use_;
  int bind_error_ = SQLITE_OK;
};

absl::StatusOr<bool> SqliteStatement::Step() {
  if (bind_error_ != SQLITE_OK) {
    return absl::InternalError(absl::StrCat("sqlite bind: ", sqlite3_errstr(bind_error_)));
  }
  // A write outside a transaction is durable when its step returns: time it.
  bool timed = *observer_ && !sqlite3_stmt_readonly(stmt_) && sqlite3_get_autocommit(db_);
  absl::Time start = timed ? absl::Now() : absl::InfinitePast();
  int rc = sqlite3_step(stmt_);
  if (timed) (*observer_)(absl::ToDoubleSeconds(absl::Now() - start));
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteError(db_, "sqlite step");
}

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteDatabase>> SqliteDatabase::Open(const std::string& path) {
  sqlite3* db = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    absl::Status status = SqliteError(db, absl::StrCat("cannot open ", path));
    sqlite3_close(db);
    return status;
  }
  sqlite3_busy_timeout(db, 5000);
  return std::unique_ptr<SqliteDatabase>(new SqliteDatabase(db));
}

SqliteDatabase::~SqliteDatabase() {
  for (auto& [sql, cached] : cache_) sqlite3_finalize(cached.stmt);
  sqlite3_close(db_);
}

absl::StatusOr<std::unique_ptr<Statement>> SqliteDatabase::Prepare(absl::string_view sql) {
  constexpr size_t kMaxCached = 256;
  auto it = cache_.find(std::string(sql));
  if (it != cache_.end() && !it->second.in_use) {
    it->second.in_use = true;
    return std::make_unique<SqliteStatement>(db_, it->second.stmt, &observer_, &it->second.in_use);
  }
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                         it == cache_.end() ? SQLITE_PREPARE_PERSISTENT : 0, &stmt,
                         nullptr) != SQLITE_OK) {
    return SqliteError(db_, absl::StrCat("prepare ", sql));
  }
  if (it != cache_.end() || cache_.size() >= kMaxCached) {
    return std::make_unique<SqliteStatement>(db_, stmt, &observer_, nullptr);
  }
  Cached& cached = cache_[std::string(sql)];
  cached.stmt = stmt;
  cached.in_use = true;
  return std::make_unique<SqliteStatement>(db_, stmt, &observer_, &cached.in_use);
}

absl::Status SqliteDatabase::Exec(absl::string_view sql) {
  std::string copy(sql);
  char* err = nullptr;
  if (sqlite3_exec(db_, copy.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    absl::Status status = SqliteError(db_, absl::StrCat("exec: ", err ? err : ""));
    sqlite3_free(err);
    return status;
  }
  return absl::OkStatus();
}

int64_t SqliteDatabase::RowsChanged() const { return sqlite3_changes64(db_); }

absl::Status SqliteDatabase::Begin() { return Exec("BEGIN IMMEDIATE"); }

absl::Status SqliteDatabase::Commit() {
  if (!observer_) return Exec("COMMIT");
  absl::Time start = absl::Now();
  absl::Status status = Exec("COMMIT");
  observer_(absl::ToDoubleSeconds(absl::Now() - start));
  return status;
}

absl::Status SqliteDatabase::Rollback() { return Exec("ROLLBACK"); }

bool SqliteDatabase::InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }

absl::StatusOr<int> SqliteDatabase::SchemaVersion() {
  ASSIGN_OR_RETURN(std::unique_ptr<Statement> stmt, Prepare("PRAGMA user_version"));
  ASSIGN_OR_RETURN(bool has_row, stmt->Step());
  return has_row ? static_cast<int>(stmt->Int(0)) : 0;
}

absl::Status SqliteDatabase::SetSchemaVersion(int version) {
  return Exec(absl::StrCat("PRAGMA user_version=", version));
}

absl::Status SqliteDatabase::BackupTo(const std::string& path) {
  sqlite3* dest = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc != SQLITE_OK) {
    absl::Status status = SqliteError(dest, absl::StrCat("open backup file ", path));
    sqlite3_close(dest);
    return status;
  }
  sqlite3_backup* backup = sqlite3_backup_init(dest, "main", db_, "main");
  if (backup == nullptr) {
    absl::Status status = SqliteError(dest, "start backup");
    sqlite3_close(dest);
    return status;
  }
  // Pages in steps, sleeping when a writer holds the lock (bounded).
  for (int tries = 0; tries < 6000; ++tries) {
    rc = sqlite3_backup_step(backup, 256);
    if (rc == SQLITE_DONE || (rc != SQLITE_OK && rc != SQLITE_BUSY && rc != SQLITE_LOCKED)) break;
    if (rc != SQLITE_OK) sqlite3_sleep(10);
  }
  sqlite3_backup_finish(backup);
  absl::Status status = rc == SQLITE_DONE ? absl::OkStatus() : SqliteError(dest, "backup");
  sqlite3_close(dest);
  return status;
}

}  // namespace arena
