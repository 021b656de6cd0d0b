#include "controller/store/sql_query.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "controller/store/sqlite_database.h"
#include "tests/unit/test_dir.h"

namespace arena {
namespace {

enum class Color { kRed = 3 };

class SqlQueryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = *SqliteDatabase::Open(dir_.File("q.db"));
    ASSERT_TRUE(db_->Exec("CREATE TABLE t(k TEXT PRIMARY KEY, v)").ok());
  }
  int64_t Count() {
    return **SqlQuery(*db_, "SELECT count(*) FROM t").One([](const Statement& r) {
      return r.Int(0);
    });
  }

  TestDir dir_;
  std::unique_ptr<SqliteDatabase> db_;
};

std::string FirstText(const Statement& row) { return row.Text(0); }

TEST_F(SqlQueryTest, BindsEachParameterAsItsTypeInOrder) {
  std::string with_nul("a\0b", 3);
  auto types = SqlQuery(*db_,
                        "SELECT typeof(?1) || ',' || typeof(?2) || ',' || typeof(?3) || ',' || "
                        "typeof(?4) || ',' || typeof(?5) || ',' || ?2 || ',' || ?3 || ',' || ?4")
                   .Bind(int64_t{7}, true, Color::kRed, std::string("text"), Blob{with_nul})
                   .One(FirstText);
  ASSERT_TRUE(types.ok()) << types.status();
  EXPECT_EQ(**types, "integer,integer,integer,text,blob,1,3,text");
  auto blob = SqlQuery(*db_, "SELECT ?").Bind(Blob{with_nul}).One(FirstText);
  EXPECT_EQ(**blob, with_nul);  // bytes kept, the NUL included
}

TEST_F(SqlQueryTest, RunReturnsTheRowsAWriteChanged) {
  SqlQuery insert(*db_, "INSERT INTO t(k, v) VALUES(?, ?)");
  for (const char* key : {"a", "b", "c"}) {
    auto inserted = insert.Bind(key, 1).Run();  // the same query, bound again
    ASSERT_TRUE(inserted.ok()) << inserted.status();
    EXPECT_EQ(*inserted, 1);
  }
  EXPECT_EQ(*SqlQuery(*db_, "UPDATE t SET v = 2 WHERE k <> ?").Bind("a").Run(), 2);
  EXPECT_EQ(*SqlQuery(*db_, "DELETE FROM t WHERE k = ?").Bind("zz").Run(), 0);
  EXPECT_EQ(Count(), 3);
}

TEST_F(SqlQueryTest, OneIsEmptyWithoutARowAndAllReadsEveryRowInOrder) {
  SqlQuery insert(*db_, "INSERT INTO t(k, v) VALUES(?, ?)");
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(insert.Bind(std::to_string(i), i * 10).Run().ok());
  SqlQuery lookup(*db_, "SELECT k FROM t WHERE v = ?");
  EXPECT_EQ(**lookup.Bind(20).One(FirstText), "2");
  EXPECT_FALSE(lookup.Bind(25).One(FirstText)->has_value());
  auto all = SqlQuery(*db_, "SELECT k FROM t WHERE v >= ? ORDER BY v DESC").Bind(10).All(FirstText);
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(*all, (std::vector<std::string>{"3", "2", "1"}));
}

TEST_F(SqlQueryTest, EachStopsWhenTheRowFunctionReturnsFalse) {
  SqlQuery insert(*db_, "INSERT INTO t(k, v) VALUES(?, ?)");
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(insert.Bind(std::to_string(i), i).Run().ok());
  int seen = 0;
  ASSERT_TRUE(SqlQuery(*db_, "SELECT v FROM t ORDER BY v")
                  .Each([&](const Statement& row) { return ++seen < 2 && row.Int(0) >= 0; })
                  .ok());
  EXPECT_EQ(seen, 2);
}

TEST_F(SqlQueryTest, APrepareFailureIsReturnedByTheFirstRun) {
  SqlQuery broken(*db_, "SELEC nonsense");
  EXPECT_FALSE(broken.Bind(1).Run().ok());
  EXPECT_FALSE(broken.One(FirstText).ok());
  EXPECT_FALSE(broken.All(FirstText).ok());
}

TEST_F(SqlQueryTest, AConstraintViolationIsAlreadyExists) {
  ASSERT_TRUE(SqlQuery(*db_, "INSERT INTO t(k) VALUES(?)").Bind("a").Run().ok());
  auto again = SqlQuery(*db_, "INSERT INTO t(k) VALUES(?)").Bind("a").Run();
  EXPECT_TRUE(absl::IsAlreadyExists(again.status())) << again.status();
}

TEST_F(SqlQueryTest, ABindPastTheParametersFailsTheRun) {
  auto run = SqlQuery(*db_, "INSERT INTO t(k) VALUES(?)").Bind("a", "extra").Run();
  EXPECT_FALSE(run.ok());
  EXPECT_EQ(Count(), 0);
}

// The row both ColumnReader tests read from its second column on.
constexpr const char* kMixedRow = "SELECT 'skipped', 'name', 5000000000, 3, -2, 1, 0";

struct MixedRow {
  std::string name;
  int64_t big = 0;
  Color color = static_cast<Color>(0);  // not kRed, so the read shows
  int32_t small = 0;
  bool on = false;
  bool off = true;
};

void ExpectMixedRow(const absl::StatusOr<std::optional<MixedRow>>& row) {
  ASSERT_TRUE(row.ok()) << row.status();
  ASSERT_TRUE(row->has_value());
  EXPECT_EQ((*row)->name, "name");
  EXPECT_EQ((*row)->big, 5000000000);
  EXPECT_EQ((*row)->color, Color::kRed);
  EXPECT_EQ((*row)->small, -2);
  EXPECT_TRUE((*row)->on);
  EXPECT_FALSE((*row)->off);
}

TEST_F(SqlQueryTest, ColumnReaderReadsEachColumnInTurnFromTheFirstItIsGiven) {
  ExpectMixedRow(SqlQuery(*db_, kMixedRow).One([](const Statement& r) {
    ColumnReader in(r, 1);
    MixedRow read;
    read.name = in.Text();
    read.big = in.Int();
    read.color = in.As<Color>();
    read.small = in.As<int32_t>();
    read.on = in.Bool();
    read.off = in.Bool();
    return read;
  }));
}

TEST_F(SqlQueryTest, ColumnReaderIntoReadsEachFieldAsItsType) {
  ExpectMixedRow(SqlQuery(*db_, kMixedRow).One([](const Statement& r) {
    MixedRow read;
    ColumnReader(r, 1).Into(&read.name, &read.big, &read.color, &read.small, &read.on, &read.off);
    return read;
  }));
}

}  // namespace
}  // namespace arena
