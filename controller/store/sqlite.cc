#include "controller/store/sqlite.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace arena {

absl::Status SqliteError(sqlite3* db, absl::string_view what) {
  int code = sqlite3_errcode(db);
  std::string message = absl::StrCat(what, ": ", sqlite3_errmsg(db));
  if (code == SQLITE_FULL || code == SQLITE_IOERR) return absl::ResourceExhaustedError(message);
  if (code == SQLITE_BUSY || code == SQLITE_LOCKED) return absl::UnavailableError(message);
  if (code == SQLITE_CONSTRAINT) return absl::AlreadyExistsError(message);
  return absl::InternalError(message);
}

Statement::~Statement() {
  if (in_use_ == nullptr) {
    sqlite3_finalize(stmt_);
    return;
  }
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  *in_use_ = false;
}

Statement& Statement::Bind(int index, absl::string_view text) {
  Check(sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()),
                          SQLITE_TRANSIENT));
  return *this;
}

Statement& Statement::Bind(int index, int64_t value) {
  Check(sqlite3_bind_int64(stmt_, index, value));
  return *this;
}

Statement& Statement::BindBlob(int index, absl::string_view blob) {
  Check(sqlite3_bind_blob(stmt_, index, blob.data(), static_cast<int>(blob.size()),
                          SQLITE_TRANSIENT));
  return *this;
}

absl::StatusOr<bool> Statement::Step() {
  if (bind_error_ != SQLITE_OK) {
    return absl::InternalError(absl::StrCat("sqlite bind: ", sqlite3_errstr(bind_error_)));
  }
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteError(db_, "sqlite step");
}

absl::Status Statement::Run() {
  // A write outside a transaction is durable when it returns: time it.
  bool timed = observer_ != nullptr && *observer_ && !sqlite3_stmt_readonly(stmt_) &&
               sqlite3_get_autocommit(db_);
  absl::Time start = timed ? absl::Now() : absl::InfinitePast();
  while (true) {
    absl::StatusOr<bool> row = Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
  }
  if (timed) (*observer_)(absl::ToDoubleSeconds(absl::Now() - start));
  return absl::OkStatus();
}

absl::Status Statement::ForEachRow(const std::function<void(const Statement&)>& row) {
  while (true) {
    absl::StatusOr<bool> has_row = Step();
    if (!has_row.ok()) return has_row.status();
    if (!*has_row) return absl::OkStatus();
    row(*this);
  }
}

void Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_error_ = SQLITE_OK;
}

std::string Statement::Text(int column) const {
  const void* data = sqlite3_column_blob(stmt_, column);
  int size = sqlite3_column_bytes(stmt_, column);
  if (data == nullptr) return "";
  return std::string(static_cast<const char*>(data), static_cast<size_t>(size));
}

absl::Status Database::BackupTo(const std::string& path) {
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

absl::StatusOr<std::unique_ptr<Database>> Database::Open(const std::string& path) {
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
  return std::unique_ptr<Database>(new Database(db));
}

Database::~Database() {
  for (auto& [sql, cached] : cache_) sqlite3_finalize(cached.stmt);
  sqlite3_close(db_);
}

absl::StatusOr<Statement> Database::Prepare(absl::string_view sql) {
  constexpr size_t kMaxCached = 256;
  auto it = cache_.find(std::string(sql));
  if (it != cache_.end() && !it->second.in_use) {
    it->second.in_use = true;
    return Statement(db_, it->second.stmt, &observer_, &it->second.in_use);
  }
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                         it == cache_.end() ? SQLITE_PREPARE_PERSISTENT : 0, &stmt,
                         nullptr) != SQLITE_OK) {
    return SqliteError(db_, absl::StrCat("prepare ", sql));
  }
  if (it != cache_.end() || cache_.size() >= kMaxCached) return Statement(db_, stmt, &observer_);
  Cached& cached = cache_[std::string(sql)];
  cached.stmt = stmt;
  cached.in_use = true;
  return Statement(db_, stmt, &observer_, &cached.in_use);
}

absl::Status Database::Exec(absl::string_view sql) {
  if (observer_ && sql == "COMMIT") {
    absl::Time start = absl::Now();
    WriteObserver observer;
    std::swap(observer, observer_);  // no recursion below
    absl::Status status = Exec(sql);
    std::swap(observer, observer_);
    observer_(absl::ToDoubleSeconds(absl::Now() - start));
    return status;
  }
  std::string copy(sql);
  char* err = nullptr;
  if (sqlite3_exec(db_, copy.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    absl::Status status = SqliteError(db_, absl::StrCat("exec: ", err ? err : ""));
    sqlite3_free(err);
    return status;
  }
  return absl::OkStatus();
}

}  // namespace arena
