#include "controller/store/schema.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
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
  EXPECT_EQ(LatestSchemaVersion(), 19);
  EXPECT_EQ(*db->SchemaVersion(), LatestSchemaVersion());
  EXPECT_EQ(Tables(*db),
            (std::vector<std::string>{"agents", "allure_uploads", "api_tokens", "artifacts",
                                      "attempts", "audit", "fleet_samples", "git_credentials",
                                      "jobs", "join_tokens", "quarantine", "registry_credentials",
                                      "sessions", "tasks", "test_results", "users"}));
}

TEST(Schema, MigratingAgainChangesNothing) {
  TestDir dir;
  auto db = *SqliteDatabase::Open(dir.File("a.db"));
  ASSERT_TRUE(MigrateSchema(*db).ok());
  ASSERT_TRUE(db->Exec("INSERT INTO quarantine VALUES('t', 'r', 'me', 1)").ok());
  ASSERT_TRUE(MigrateSchema(*db).ok());
  EXPECT_EQ(*db->SchemaVersion(), LatestSchemaVersion());
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
  EXPECT_EQ(*db->SchemaVersion(), LatestSchemaVersion() + 1);
}

// Version 14: pytest's suite-mode keys ("tests.test_x::t") become node ids
// ("tests/test_x.py::t"), the same the test queue uses; queue-mode rows and
// other runners' keys stay; quarantine entries follow.
TEST(Schema, Version14RekeysPytestResultsAndQuarantineToNodeIds) {
  TestDir dir;
  auto db = *SqliteDatabase::Open(dir.File("a.db"));
  ASSERT_TRUE(MigrateSchema(*db).ok());
  auto insert = [&](int id, const char* classname, const char* name, const char* key) {
    ASSERT_TRUE(
        db->Exec(absl::StrCat("INSERT INTO test_results(id, job_id, task_id, attempt_id, "
                              "attempt_number, agent_id, arch, suite, classname, name, test_key, "
                              "status, duration_ms, message, text, finished_ms) VALUES(",
                              id, ", 'j', 't', 'a', 1, 'g', 'amd64', '', '", classname, "', '",
                              name, "', '", key, "', 'passed', 1, '', '', 1)"))
            .ok());
  };
  insert(1, "tests.unit.test_math", "test_add", "tests.unit.test_math::test_add");
  insert(2, "tests.test_x.TestY", "test_z[1]", "tests.test_x.TestY::test_z[1]");
  insert(3, "tests.unit.test_math", "test_add", "tests/unit/test_math.py::test_add");  // queue
  insert(4, "com.example.FooTest", "testBar", "com.example.FooTest::testBar");
  insert(5, "example.com/calc", "TestSub", "example.com/calc::TestSub");
  ASSERT_TRUE(
      db->Exec("INSERT INTO quarantine VALUES('tests.test_q::test_flaky', 'r', 'me', 1)").ok());
  ASSERT_TRUE(
      db->Exec("INSERT INTO quarantine VALUES('tests/test_q.py::test_other', 'r', 'me', 1)").ok());
  // Back to version 13: what v15 to v19 added goes too, so they can run
  // again.
  ASSERT_TRUE(db->Exec("ALTER TABLE attempts DROP COLUMN batch_attempt_id").ok());
  ASSERT_TRUE(db->Exec("ALTER TABLE test_results DROP COLUMN share_ms").ok());
  ASSERT_TRUE(db->Exec("DROP TABLE fleet_samples").ok());
  ASSERT_TRUE(db->Exec("DROP INDEX jobs_rerun_of").ok());
  ASSERT_TRUE(db->Exec("ALTER TABLE jobs DROP COLUMN rerun_of").ok());
  ASSERT_TRUE(db->Exec("DROP TABLE sessions").ok());
  ASSERT_TRUE(db->Exec("DROP TABLE users").ok());
  ASSERT_TRUE(db->Exec("ALTER TABLE api_tokens DROP COLUMN user").ok());
  ASSERT_TRUE(db->SetSchemaVersion(13).ok());
  ASSERT_TRUE(MigrateSchema(*db).ok());
  EXPECT_EQ(*db->SchemaVersion(), LatestSchemaVersion());
  std::vector<std::string> keys =
      *SqlQuery(*db, "SELECT test_key FROM test_results ORDER BY id").All([](const Statement& r) {
        return r.Text(0);
      });
  EXPECT_EQ(keys, (std::vector<std::string>{
                      "tests/unit/test_math.py::test_add", "tests/test_x.py::TestY::test_z[1]",
                      "tests/unit/test_math.py::test_add", "com.example.FooTest::testBar",
                      "example.com/calc::TestSub"}));
  std::vector<std::string> quarantined =
      *SqlQuery(*db, "SELECT test_key FROM quarantine ORDER BY test_key")
           .All([](const Statement& r) { return r.Text(0); });
  EXPECT_EQ(quarantined, (std::vector<std::string>{"tests/test_q.py::test_flaky",
                                                   "tests/test_q.py::test_other"}));
}

}  // namespace
}  // namespace arena
