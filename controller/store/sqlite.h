// Thin RAII wrapper over the SQLite C API, used only by the store.
// Not thread-safe: the owner serialises access.
#ifndef ARENA_CONTROLLER_STORE_SQLITE_H_
#define ARENA_CONTROLLER_STORE_SQLITE_H_

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace arena {

// Called with the seconds each durable write took.
using WriteObserver = std::function<void(double)>;

class Statement {
 public:
  // `in_use` is set for a statement borrowed from the connection's cache: it
  // is reset and handed back instead of finalized.
  Statement(sqlite3* db, sqlite3_stmt* stmt, const WriteObserver* observer = nullptr,
            bool* in_use = nullptr)
      : db_(db), stmt_(stmt), observer_(observer), in_use_(in_use) {}
  Statement(Statement&& other) noexcept
      : db_(other.db_), stmt_(other.stmt_), observer_(other.observer_), in_use_(other.in_use_) {
    other.stmt_ = nullptr;
    other.in_use_ = nullptr;
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Binding indexes start at 1, as in SQLite. A failed bind (an index out
  // of range) is reported by the next Step().
  Statement& Bind(int index, absl::string_view text);
  Statement& Bind(int index, int64_t value);
  Statement& BindBlob(int index, absl::string_view blob);

  // Returns true when a row is available, false when done.
  absl::StatusOr<bool> Step();
  // Steps to completion, for statements that return no rows.
  absl::Status Run();
  // Steps through every row, calling `row` for each.
  absl::Status ForEachRow(const std::function<void(const Statement&)>& row);

  // Makes the statement ready to bind and run again.
  void Reset();

  int64_t Int(int column) const { return sqlite3_column_int64(stmt_, column); }
  std::string Text(int column) const;

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

class Database {
 public:
  static absl::StatusOr<std::unique_ptr<Database>> Open(const std::string& path);
  ~Database();

  // Statements are compiled once per connection and reused (up to a bound);
  // a statement already borrowed is compiled afresh.
  absl::StatusOr<Statement> Prepare(absl::string_view sql);
  absl::Status Exec(absl::string_view sql);
  int64_t Changes() const { return sqlite3_changes64(db_); }
  // True outside an explicit transaction (also after SQLite ended one).
  bool InAutocommit() const { return sqlite3_get_autocommit(db_) != 0; }
  // Copies the whole database to a new file at `path` with SQLite's online
  // backup (a consistent snapshot while other connections write).
  absl::Status BackupTo(const std::string& path);
  // Times every durable write from now on (not thread-safe: set it first).
  void set_write_observer(WriteObserver observer) { observer_ = std::move(observer); }

 private:
  struct Cached {
    sqlite3_stmt* stmt = nullptr;
    bool in_use = false;
  };
  explicit Database(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  WriteObserver observer_;
  std::unordered_map<std::string, Cached> cache_;  // nodes are stable
};

absl::Status SqliteError(sqlite3* db, absl::string_view what);

}  // namespace arena

#endif  // ARENA_CONTROLLER_STORE_SQLITE_H_
