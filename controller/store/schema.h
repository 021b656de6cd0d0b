// The store's schema: its tables and indexes as a list of migrations, each
// from version N to N+1, applied in order when a store opens. The list is
// append-only; a shipped migration is never edited. The statements are
// SQLite's dialect (a PostgreSQL backend brings its own list that reaches
// the same versions).
//
// Stateless functions; the caller owns the Database and holds its lock, so
// they are as thread-safe as that lock makes them.
#ifndef ARENA_CONTROLLER_STORE_SCHEMA_H_
#define ARENA_CONTROLLER_STORE_SCHEMA_H_

#include "absl/status/status.h"
#include "controller/store/database.h"

namespace arena {

// The version MigrateSchema brings a database to.
int LatestSchemaVersion();

// Applies every migration past the database's version, each in its own
// transaction, so a failure keeps the versions before it. A database newer
// than this controller is FailedPrecondition and is left untouched.
absl::Status MigrateSchema(Database& db);

}  // namespace arena

#endif  // ARENA_CONTROLLER_STORE_SCHEMA_H_
