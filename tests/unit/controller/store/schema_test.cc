#include "controller/store/schema.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "controller/store/sql_query.h"
#include "controller/store/sqlite_database.h"
#include "tests/unit/test_dir.h"

namespace arena {
namespace {

std::vector<std::string> Tables(Database& db) {
  return *SqlQuery(db, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
              .All([](const Statement& row) { return row.Text(0); });
}

TEST(Schema, AnEmptyDatabaseGetsEveryTableAtTheLatestVersion) {
  TestDir dir;
  auto db = *SqliteDatabase::Open(dir.File("a.db"));
  ASSERT_TRUE(MigrateSchema(*db).ok());
  EXPECT_EQ(LatestSchemaVersion(), 13);
  EXPECT_EQ(*db->SchemaVersion(), 13);
  EXPECT_EQ(Tables(*db), (std::vector<std::string>{
                             "agents", "allure_uploads", "api_tokens", "artifacts", "attempts",
                             "audit", "git_credentials", "jobs", "join_tokens", "quarantine",
                             "registry_credentials", "tasks", "test_results"}));
}

TEST(Schema, MigratingAgainChangesNothing) {
  TestDir dir;
  auto db = *SqliteDatabase::Open(dir.File("a.db"));
  ASSERT_TRUE(MigrateSchema(*db).ok());
  ASSERT_TRUE(db->Exec("INSERT INTO quarantine VALUES('t', 'r', 'me', 1)").ok());
  ASSERT_TRUE(MigrateSchema(*db).ok());
  EXPECT_EQ(*db->SchemaVersion(), 13);
  EXPECT_EQ(**SqlQuery(*db, "SELECT count(*) FROM quarantine").One([](const Statement& r) {
    return r.Int(0);
  }),
            1);
}

TEST(Schema, AFailingMigrationKeepsTheVersionsBeforeIt) {
  TestDir dir;
  auto db = *SqliteDatabase::Open(dir.File("a.db"));
  // Version 10 creates git_credentials: a table already there fails it.
  ASSERT_TRUE(db->Exec("CREATE TABLE git_credentials(host TEXT)").ok());
  EXPECT_FALSE(MigrateSchema(*db).ok());
  EXPECT_EQ(*db->SchemaVersion(), 9);
  EXPECT_FALSE(db->InTransaction());
  std::vector<std::string> tables = Tables(*db);
  EXPECT_EQ(std::count(tables.begin(), tables.end(), "registry_credentials"), 0);
  EXPECT_EQ(std::count(tables.begin(), tables.end(), "jobs"), 1);
}

TEST(Schema, ADatabaseNewerThanTheControllerIsRefusedUntouched) {
  TestDir dir;
  auto db = *SqliteDatabase::Open(dir.File("a.db"));
  ASSERT_TRUE(db->SetSchemaVersion(LatestSchemaVersion() + 1).ok());
  absl::Status status = MigrateSchema(*db);
  EXPECT_TRUE(absl::IsFailedPrecondition(status)) << status;
  EXPECT_TRUE(Tables(*db).empty());
  EXPECT_EQ(*db->SchemaVersion(), 14);
}

}  // namespace
}  // namespace arena
