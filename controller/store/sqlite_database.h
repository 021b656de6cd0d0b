// The store's Database on SQLite (the C library): one connection to one
// file, with its compiled statements cached for reuse.
//
// Owner: StoreConnection, or a tool that opens a database file itself
// (`arena-controller backup`). Not thread-safe: the owner serialises every
// call, and statements it prepared must be destroyed before it is.
#ifndef ARENA_CONTROLLER_STORE_SQLITE_DATABASE_H_
#define ARENA_CONTROLLER_STORE_SQLITE_DATABASE_H_

#include <memory>
#include <string>
#include <unordered_map>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "controller/store/database.h"

struct sqlite3;
struct sqlite3_stmt;

namespace arena {

class SqliteDatabase final : public Database {
 public:
  // Opens or creates the file at `path` as it is (no pragmas set: the
  // store sets its own), waiting up to 5 s for another connection's lock.
  static absl::StatusOr<std::unique_ptr<SqliteDatabase>> Open(const std::string& path);
  ~SqliteDatabase() override;
  SqliteDatabase(const SqliteDatabase&) = delete;
  SqliteDatabase& operator=(const SqliteDatabase&) = delete;

  // Statements are compiled once per connection and reused (up to 256 of
  // them); a statement whose text is already borrowed is compiled afresh.
  absl::StatusOr<std::unique_ptr<Statement>> Prepare(absl::string_view sql) override;
  absl::Status Exec(absl::string_view sql) override;
  int64_t RowsChanged() const override;
  // BEGIN IMMEDIATE.
  absl::Status Begin() override;
  absl::Status Commit() override;
  absl::Status Rollback() override;
  bool InTransaction() const override;
  // PRAGMA user_version.
  absl::StatusOr<int> SchemaVersion() override;
  absl::Status SetSchemaVersion(int version) override;
  void SetWriteObserver(WriteObserver observer) override { observer_ = std::move(observer); }

  // Copies the whole database to a new file at `path` with SQLite's online
  // backup (a consistent snapshot while other connections write).
  absl::Status BackupTo(const std::string& path);

 private:
  struct Cached {
    sqlite3_stmt* stmt = nullptr;
    bool in_use = false;
  };
  explicit SqliteDatabase(sqlite3* db) : db_(db) {}

  sqlite3* db_;
  WriteObserver observer_;
  std::unordered_map<std::string, Cached> cache_;  // nodes are stable
};

}  // namespace arena

#endif  // ARENA_CONTROLLER_STORE_SQLITE_DATABASE_H_
