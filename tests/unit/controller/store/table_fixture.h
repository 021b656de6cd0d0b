// A migrated database in a temporary directory with one StoreConnection,
// for the tests of the store's tables: real SQLite, real files.
#ifndef ARENA_TESTS_UNIT_CONTROLLER_STORE_TABLE_FIXTURE_H_
#define ARENA_TESTS_UNIT_CONTROLLER_STORE_TABLE_FIXTURE_H_

#include <gtest/gtest.h>

#include <memory>

#include "controller/store/schema.h"
#include "controller/store/sqlite_database.h"
#include "controller/store/store_connection.h"
#include "tests/unit/test_dir.h"

namespace arena {

class TableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = SqliteDatabase::Open(dir_.File("arena.db"));
    ASSERT_TRUE(db.ok()) << db.status();
    ASSERT_TRUE(MigrateSchema(**db).ok());
    connection_ = std::make_unique<StoreConnection>(*std::move(db), std::make_shared<WriteGate>());
  }

  TestDir dir_;
  std::unique_ptr<StoreConnection> connection_;
};

}  // namespace arena

#endif  // ARENA_TESTS_UNIT_CONTROLLER_STORE_TABLE_FIXTURE_H_
