#include "controller/store/sqlite_database.h"

#include <gtest/gtest.h>

#include <vector>

#include "controller/store/sql_query.h"
#include "tests/unit/test_dir.h"

namespace arena {
namespace {

int64_t CountRows(Database& db) {
  return **SqlQuery(db, "SELECT count(*) FROM t").One([](const Statement& r) { return r.Int(0); });
}

class SqliteDatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = SqliteDatabase::Open(dir_.File("s.db"));
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    ASSERT_TRUE(db_->Exec("CREATE TABLE t(k INTEGER PRIMARY KEY)").ok());
  }

  TestDir dir_;
  std::unique_ptr<SqliteDatabase> db_;
};

TEST_F(SqliteDatabaseTest, RollbackKeepsNothingAndCommitKeepsEverything) {
  EXPECT_FALSE(db_->InTransaction());
  ASSERT_TRUE(db_->Begin().ok());
  EXPECT_TRUE(db_->InTransaction());
  ASSERT_TRUE(db_->Exec("INSERT INTO t VALUES(1); INSERT INTO t VALUES(2)").ok());
  ASSERT_TRUE(db_->Rollback().ok());
  EXPECT_FALSE(db_->InTransaction());
  EXPECT_EQ(CountRows(*db_), 0);
  ASSERT_TRUE(db_->Begin().ok());
  ASSERT_TRUE(db_->Exec("INSERT INTO t VALUES(1); INSERT INTO t VALUES(2)").ok());
  ASSERT_TRUE(db_->Commit().ok());
  auto reopened = SqliteDatabase::Open(dir_.File("s.db"));
  EXPECT_EQ(CountRows(**reopened), 2);
}

TEST_F(SqliteDatabaseTest, SchemaVersionStartsAtZeroAndIsKept) {
  EXPECT_EQ(*db_->SchemaVersion(), 0);
  ASSERT_TRUE(db_->SetSchemaVersion(7).ok());
  EXPECT_EQ(*db_->SchemaVersion(), 7);
  EXPECT_EQ(*(*SqliteDatabase::Open(dir_.File("s.db")))->SchemaVersion(), 7);
}

TEST_F(SqliteDatabaseTest, TheObserverTimesDurableWritesOnly) {
  std::vector<double> timed;
  db_->SetWriteObserver([&](double seconds) { timed.push_back(seconds); });
  ASSERT_TRUE(SqlQuery(*db_, "INSERT INTO t VALUES(?)").Bind(1).Run().ok());  // autocommit
  EXPECT_EQ(timed.size(), 1u);
  ASSERT_TRUE(SqlQuery(*db_, "SELECT k FROM t").Run().ok());  // a read
  EXPECT_EQ(timed.size(), 1u);
  ASSERT_TRUE(db_->Begin().ok());
  ASSERT_TRUE(SqlQuery(*db_, "INSERT INTO t VALUES(?)").Bind(2).Run().ok());  // not durable yet
  EXPECT_EQ(timed.size(), 1u);
  ASSERT_TRUE(db_->Commit().ok());
  ASSERT_EQ(timed.size(), 2u);
  EXPECT_GE(timed[1], 0.0);
}

TEST_F(SqliteDatabaseTest, TwoBorrowsOfOneStatementTextRunSideBySide) {
  ASSERT_TRUE(db_->Exec("INSERT INTO t VALUES(1); INSERT INTO t VALUES(2)").ok());
  const char* sql = "SELECT k FROM t ORDER BY k";
  auto outer = db_->Prepare(sql);
  ASSERT_TRUE(outer.ok());
  ASSERT_TRUE(*(*outer)->Step());
  EXPECT_EQ((*outer)->Int(0), 1);
  {
    auto inner = db_->Prepare(sql);  // the cached one is borrowed: compiled afresh
    ASSERT_TRUE(inner.ok());
    ASSERT_TRUE(*(*inner)->Step());
    EXPECT_EQ((*inner)->Int(0), 1);
  }
  ASSERT_TRUE(*(*outer)->Step());
  EXPECT_EQ((*outer)->Int(0), 2);
  outer->reset();
  auto again = db_->Prepare(sql);  // handed back to the cache, reset
  ASSERT_TRUE(*(*again)->Step());
  EXPECT_EQ((*again)->Int(0), 1);
}

TEST_F(SqliteDatabaseTest, NullColumnsReadAsEmptyAndAreSeenAsNull) {
  auto row = db_->Prepare("SELECT NULL, '', 0");
  ASSERT_TRUE(*(*row)->Step());
  EXPECT_TRUE((*row)->IsNull(0));
  EXPECT_EQ((*row)->Text(0), "");
  EXPECT_EQ((*row)->Int(0), 0);
  EXPECT_FALSE((*row)->IsNull(1));
  EXPECT_FALSE((*row)->IsNull(2));
}

TEST_F(SqliteDatabaseTest, BackupCopiesTheWholeDatabase) {
  ASSERT_TRUE(db_->Exec("INSERT INTO t VALUES(1); INSERT INTO t VALUES(2)").ok());
  ASSERT_TRUE(db_->BackupTo(dir_.File("copy.db")).ok());
  auto copy = SqliteDatabase::Open(dir_.File("copy.db"));
  ASSERT_TRUE(copy.ok());
  EXPECT_EQ(CountRows(**copy), 2);
  EXPECT_FALSE(db_->BackupTo(dir_.File("no-such-dir/copy.db")).ok());
}

TEST(SqliteDatabase, AFileThatCannotBeOpenedIsAnError) {
  TestDir dir;
  EXPECT_FALSE(SqliteDatabase::Open(dir.File("missing/dir/x.db")).ok());
}

}  // namespace
}  // namespace arena
