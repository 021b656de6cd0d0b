#include "controller/store/store_connection.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "controller/store/sql_query.h"
#include "controller/store/sqlite_database.h"
#include "tests/unit/test_dir.h"

namespace arena {
namespace {

class StoreConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    gate_ = std::make_shared<WriteGate>();
    connection_ = Open();
    ASSERT_TRUE(
        connection_
            ->Write([](Database& db) { return db.Exec("CREATE TABLE t(k TEXT PRIMARY KEY)"); })
            .ok());
  }
  std::unique_ptr<StoreConnection> Open() {
    auto db = SqliteDatabase::Open(dir_.File("c.db"));
    EXPECT_TRUE(db.ok()) << db.status();
    EXPECT_TRUE((*db)->Exec("PRAGMA journal_mode=WAL").ok());
    return std::make_unique<StoreConnection>(*std::move(db), gate_);
  }
  static absl::Status Insert(Database& db, const std::string& key) {
    return SqlQuery(db, "INSERT INTO t(k) VALUES(?)").Bind(key).Run().status();
  }
  static bool Has(StoreConnection& connection, const std::string& key) {
    return connection
        .Read([&](Database& db) {
          return SqlQuery(db, "SELECT 1 FROM t WHERE k = ?").Bind(key).One([](const Statement&) {
            return true;
          });
        })
        ->has_value();
  }

  TestDir dir_;
  std::shared_ptr<WriteGate> gate_;
  std::unique_ptr<StoreConnection> connection_;
};

TEST_F(StoreConnectionTest, AFailedTransactionKeepsNoneOfItsWrites) {
  absl::Status failed = connection_->Transaction([](Database& db) -> absl::Status {
    EXPECT_TRUE(Insert(db, "a").ok());
    return Insert(db, "a");  // the key is taken: the whole transaction goes
  });
  EXPECT_TRUE(absl::IsAlreadyExists(failed)) << failed;
  EXPECT_FALSE(Has(*connection_, "a"));
  ASSERT_TRUE(connection_->Transaction([](Database& db) { return Insert(db, "b"); }).ok());
  EXPECT_TRUE(Has(*connection_, "b"));
}

TEST_F(StoreConnectionTest, AFailedTransactionInsideABatchUndoesOnlyItself) {
  ASSERT_TRUE(connection_->BeginBatch().ok());
  ASSERT_TRUE(connection_->Write([](Database& db) { return Insert(db, "kept"); }).ok());
  EXPECT_FALSE(connection_
                   ->Transaction([](Database& db) -> absl::Status {
                     EXPECT_TRUE(Insert(db, "undone").ok());
                     return absl::InternalError("the body failed");
                   })
                   .ok());
  ASSERT_TRUE(connection_->CommitBatch().ok());
  EXPECT_TRUE(Has(*connection_, "kept"));
  EXPECT_FALSE(Has(*connection_, "undone"));
}

TEST_F(StoreConnectionTest, ARolledBackBatchKeepsNothing) {
  ASSERT_TRUE(connection_->BeginBatch().ok());
  ASSERT_TRUE(connection_->Write([](Database& db) { return Insert(db, "a"); }).ok());
  ASSERT_TRUE(connection_->RollbackBatch().ok());
  EXPECT_FALSE(Has(*connection_, "a"));
  EXPECT_TRUE(absl::IsFailedPrecondition(connection_->RollbackBatch()));
}

TEST_F(StoreConnectionTest, NoCommitOrRollbackWithoutAnOpenBatch) {
  EXPECT_TRUE(absl::IsFailedPrecondition(connection_->CommitBatch()));
  EXPECT_TRUE(absl::IsFailedPrecondition(connection_->RollbackBatch()));
  ASSERT_TRUE(connection_->BeginBatch().ok());
  ASSERT_TRUE(connection_->CommitBatch().ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(connection_->CommitBatch()));
}

TEST_F(StoreConnectionTest, ABatchTheEngineEndedFailsItsCommit) {
  ASSERT_TRUE(connection_->BeginBatch().ok());
  ASSERT_TRUE(connection_->Write([](Database& db) { return Insert(db, "a"); }).ok());
  // What SQLite does by itself on a full disk inside a transaction.
  ASSERT_TRUE(connection_->Write([](Database& db) { return db.Rollback(); }).ok());
  EXPECT_TRUE(absl::IsAborted(connection_->CommitBatch()));
  EXPECT_FALSE(Has(*connection_, "a"));
  // The gate's turn was handed on: another write goes through.
  ASSERT_TRUE(connection_->Write([](Database& db) { return Insert(db, "b"); }).ok());
}

TEST_F(StoreConnectionTest, AnotherConnectionsWriterWaitsForTheOpenBatchThenGoesThrough) {
  std::unique_ptr<StoreConnection> other = Open();
  ASSERT_TRUE(connection_->BeginBatch().ok());
  ASSERT_TRUE(connection_->Write([](Database& db) { return Insert(db, "batched"); }).ok());
  std::atomic<bool> written{false};
  std::thread writer([&] {
    EXPECT_TRUE(other->Write([](Database& db) { return Insert(db, "after"); }).ok());
    written = true;
  });
  // The writer has taken its ticket behind the batch: it is waiting, not
  // merely not yet started.
  EXPECT_TRUE(gate_->AwaitQueuedWriters(1, absl::Seconds(30)));
  EXPECT_FALSE(written) << "a write from another connection went ahead of the open batch";
  EXPECT_FALSE(Has(*connection_, "after"));
  ASSERT_TRUE(connection_->CommitBatch().ok());
  writer.join();
  EXPECT_TRUE(written);
  EXPECT_TRUE(Has(*other, "batched"));
  EXPECT_TRUE(Has(*connection_, "after"));
}

TEST_F(StoreConnectionTest, NoWriterIsQueuedWhileNobodyWaits) {
  ASSERT_TRUE(connection_->BeginBatch().ok());
  // Nothing waits behind the batch: the wait ends at its timeout, false.
  EXPECT_FALSE(gate_->AwaitQueuedWriters(1, absl::ZeroDuration()));
  ASSERT_TRUE(connection_->CommitBatch().ok());
}

TEST_F(StoreConnectionTest, ReadersOnAnotherConnectionSeeOnlyCommittedWrites) {
  std::unique_ptr<StoreConnection> other = Open();
  ASSERT_TRUE(connection_->BeginBatch().ok());
  ASSERT_TRUE(connection_->Write([](Database& db) { return Insert(db, "first"); }).ok());
  EXPECT_TRUE(Has(*connection_, "first"));
  EXPECT_FALSE(Has(*other, "first"));
  ASSERT_TRUE(connection_->CommitBatch().ok());
  EXPECT_TRUE(Has(*other, "first"));
}

std::vector<std::unique_ptr<Database>> Readers(const std::string& path, int n) {
  std::vector<std::unique_ptr<Database>> readers;
  for (int i = 0; i < n; ++i) {
    auto db = SqliteDatabase::Open(path);
    EXPECT_TRUE(db.ok()) << db.status();
    readers.push_back(*std::move(db));
  }
  return readers;
}

TEST_F(StoreConnectionTest, WithReadersReadsRunAtOnceAndSeeCommittedWrites) {
  ASSERT_TRUE(connection_->AddReaders(Readers(dir_.File("c.db"), 2)).ok());
  ASSERT_TRUE(connection_->Write([](Database& db) { return Insert(db, "a"); }).ok());
  EXPECT_TRUE(Has(*connection_, "a")) << "a reader sees what the connection committed";
  // Two reads inside Read at the same time: with one lock the second
  // would wait for the first, which waits (5 s at most) for the second.
  std::atomic<int> inside{0};
  auto read = [&] {
    return connection_->Read([&](Database&) {
      ++inside;
      for (int i = 0; i < 500 && inside.load() < 2; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      return inside.load();
    });
  };
  int seen_by_other = 0;
  std::thread other([&] { seen_by_other = read(); });
  int seen = read();
  other.join();
  EXPECT_EQ(seen, 2);
  EXPECT_EQ(seen_by_other, 2);
  // A connection with readers holds no batch (its reads would miss the
  // batch's own writes), and one that had a batch takes no readers.
  EXPECT_TRUE(absl::IsFailedPrecondition(connection_->BeginBatch()));
  std::unique_ptr<StoreConnection> batching = Open();
  ASSERT_TRUE(batching->BeginBatch().ok());
  ASSERT_TRUE(batching->CommitBatch().ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(batching->AddReaders(Readers(dir_.File("c.db"), 1))));
}

}  // namespace
}  // namespace arena
