#include "controller/store/store.h"

#include "common/status_macros.h"
#include "controller/store/schema.h"
#include "controller/store/sqlite_database.h"

namespace arena {
namespace {

// The store's SQLite settings: a write that returned is on disk; readers
// never wait for a writer.
absl::StatusOr<std::unique_ptr<Database>> OpenConnection(const std::string& path) {
  ASSIGN_OR_RETURN(std::unique_ptr<SqliteDatabase> db, SqliteDatabase::Open(path));
  RETURN_IF_ERROR(
      db->Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"));
  return std::unique_ptr<Database>(std::move(db));
}

}  // namespace

Store::Store(std::string path, std::unique_ptr<StoreConnection> connection)
    : path_(std::move(path)),
      connection_(std::move(connection)),
      jobs_(connection_.get()),
      access_(connection_.get()),
      results_(connection_.get()),
      allure_(connection_.get()),
      fleet_(connection_.get()),
      users_(connection_.get()) {}

Store::~Store() = default;

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const std::string& path) {
  ASSIGN_OR_RETURN(std::unique_ptr<Database> db, OpenConnection(path));
  auto connection = std::make_unique<StoreConnection>(std::move(db), std::make_shared<WriteGate>());
  RETURN_IF_ERROR(connection->Write([](Database& db) { return MigrateSchema(db); }));
  return std::unique_ptr<Store>(new Store(path, std::move(connection)));
}

absl::StatusOr<std::unique_ptr<Store>> Store::Connect() {
  ASSIGN_OR_RETURN(std::unique_ptr<Database> db, OpenConnection(path_));
  return std::unique_ptr<Store>(
      new Store(path_, std::make_unique<StoreConnection>(std::move(db), connection_->gate())));
}

absl::Status Store::AddReaders(int n) {
  std::vector<std::unique_ptr<Database>> readers;
  for (int i = 0; i < n; ++i) {
    ASSIGN_OR_RETURN(std::unique_ptr<Database> db, OpenConnection(path_));
    readers.push_back(std::move(db));
  }
  return connection_->AddReaders(std::move(readers));
}

void Store::SetWriteObserver(std::function<void(double)> observer) {
  connection_->SetWriteObserver(std::move(observer));
}

absl::StatusOr<int> Store::SchemaVersion() {
  return connection_->Read([](Database& db) { return db.SchemaVersion(); });
}

absl::Status Store::BeginBatch() { return connection_->BeginBatch(); }
absl::Status Store::CommitBatch() { return connection_->CommitBatch(); }
absl::Status Store::RollbackBatch() { return connection_->RollbackBatch(); }

}  // namespace arena
