// The SQL database as the store's tables see it: prepared statements with
// typed binds and columns by index, plain statements, transactions, the
// schema version and the timing of durable writes. Nothing here names the
// engine, so a second backend (PostgreSQL is planned) implements these two
// classes and the tables stay as they are. `sqlite_database.h` is the one
// implementation today.
//
// The statements' text is SQL with `?` or `?N` parameters; a backend whose
// engine numbers them otherwise (PostgreSQL's `$N`) rewrites them when it
// prepares.
//
// Owner: a Database is owned by its StoreConnection (or by a tool such as
// `arena-controller backup`); a Statement by whoever prepared it, and it
// must not outlive its Database. Neither is thread-safe: the owner
// serialises every call (StoreConnection holds a lock).
#ifndef ARENA_CONTROLLER_STORE_DATABASE_H_
#define ARENA_CONTROLLER_STORE_DATABASE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace arena {

// Called with the seconds each durable write took (a write outside a
// transaction, or a COMMIT), for metrics.
using WriteObserver = std::function<void(double)>;

// One prepared statement. Errors follow the database's: a constraint
// violation is AlreadyExists, a full or failing disk ResourceExhausted, a
// lock held too long Unavailable, anything else Internal.
class Statement {
 public:
  virtual ~Statement() = default;

  // Parameters count from 1. A failed bind (an index out of range) is
  // reported by the next Step().
  virtual void BindInt(int index, int64_t value) = 0;
  virtual void BindText(int index, absl::string_view text) = 0;
  virtual void BindBlob(int index, absl::string_view bytes) = 0;

  // True when a row is ready to read, false when the statement is done.
  virtual absl::StatusOr<bool> Step() = 0;
  // Makes the statement ready to bind and run again; clears the bindings.
  virtual void Reset() = 0;

  // Columns of the current row count from 0. NULL reads as 0 and "".
  virtual int64_t Int(int column) const = 0;
  // Text or blob bytes, exactly as stored.
  virtual std::string Text(int column) const = 0;
  virtual bool IsNull(int column) const = 0;
};

// One connection to a database.
class Database {
 public:
  virtual ~Database() = default;

  // A statement may be compiled once and reused by later calls with the
  // same text.
  virtual absl::StatusOr<std::unique_ptr<Statement>> Prepare(absl::string_view sql) = 0;
  // Runs statements that return no rows (schema changes, savepoints), one
  // or several separated by `;`.
  virtual absl::Status Exec(absl::string_view sql) = 0;
  // Rows inserted, updated or deleted by the last statement that wrote.
  virtual int64_t RowsChanged() const = 0;

  // A write transaction, holding the database's write lock from the start
  // (so it never fails half way for a lock another connection took).
  virtual absl::Status Begin() = 0;
  // Durable when it returns.
  virtual absl::Status Commit() = 0;
  virtual absl::Status Rollback() = 0;
  // False outside a transaction, and also after the engine ended one by
  // itself (SQLite does on a full disk or an I/O error inside it).
  virtual bool InTransaction() const = 0;

  // The version the schema's migrations reached; 0 for an empty database.
  virtual absl::StatusOr<int> SchemaVersion() = 0;
  virtual absl::Status SetSchemaVersion(int version) = 0;

  // Times every durable write from now on. Set it before the connection is
  // shared.
  virtual void SetWriteObserver(WriteObserver observer) = 0;
};

}  // namespace arena

#endif  // ARENA_CONTROLLER_STORE_DATABASE_H_
