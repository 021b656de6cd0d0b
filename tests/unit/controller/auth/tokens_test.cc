#include "controller/auth/tokens.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "absl/strings/str_cat.h"
#include "controller/store/store.h"
#include "tests/unit/test_dir.h"

namespace arena {
namespace {

using ::testing::HasSubstr;

class TokensTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<Store>> opened = Store::Open(dir_.File("arena.db"));
    ASSERT_TRUE(opened.ok()) << opened.status();
    store_ = *std::move(opened);
  }
  absl::StatusOr<Principal> Auth(const std::string& token) {
    return AuthenticateBearer(store_.get(), absl::StrCat("Bearer ", token));
  }
  TestDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(TokensTest, ACreatedTokenAuthenticatesWithItsNameAndRole) {
  ApiToken info;
  absl::StatusOr<std::string> token =
      CreateApiToken(store_.get(), "ci", "submitter", absl::ZeroDuration(), &info);
  ASSERT_TRUE(token.ok()) << token.status();
  absl::StatusOr<Principal> who = Auth(*token);
  ASSERT_TRUE(who.ok()) << who.status();
  EXPECT_EQ(who->name, "ci");
  EXPECT_EQ(who->role, "submitter");
  EXPECT_FALSE(who->SeesEverything());
  EXPECT_EQ(who->token_id, info.id);
}

TEST_F(TokensTest, UnknownMalformedOrMissingTokensAreUnauthenticated) {
  EXPECT_TRUE(absl::IsUnauthenticated(Auth("no-such-token").status()));
  EXPECT_TRUE(absl::IsUnauthenticated(AuthenticateBearer(store_.get(), "").status()));
  EXPECT_TRUE(absl::IsUnauthenticated(AuthenticateBearer(store_.get(), "Basic abc").status()));
}

TEST_F(TokensTest, OnlyTheHashIsStored) {
  ApiToken info;
  absl::StatusOr<std::string> token =
      CreateApiToken(store_.get(), "ops", "operator", absl::ZeroDuration(), &info);
  ASSERT_TRUE(token.ok());
  absl::StatusOr<std::vector<ApiToken>> all = store_->access().ListApiTokens();
  ASSERT_TRUE(all.ok());
  for (const ApiToken& t : *all) {
    EXPECT_NE(t.id, *token);
    EXPECT_NE(t.name, *token);
  }
  std::string db = *ReadFile(dir_.File("arena.db"));
  EXPECT_EQ(db.find(*token), std::string::npos) << "the token itself is in the database file";
}

TEST_F(TokensTest, ARevokedTokenStopsWorkingAndLongCallsNotice) {
  ApiToken info;
  absl::StatusOr<std::string> token =
      CreateApiToken(store_.get(), "ci", "admin", absl::ZeroDuration(), &info);
  ASSERT_TRUE(token.ok());
  absl::StatusOr<Principal> who = Auth(*token);
  ASSERT_TRUE(who.ok());
  EXPECT_TRUE(CheckStillValid(store_.get(), *who).ok());
  ASSERT_TRUE(store_->access().RevokeApiToken(info.id).ok());
  EXPECT_TRUE(absl::IsUnauthenticated(Auth(*token).status()));
  EXPECT_TRUE(absl::IsUnauthenticated(CheckStillValid(store_.get(), *who)));
}

TEST_F(TokensTest, RolesAreCheckedAndNamedInTheRefusal) {
  EXPECT_TRUE(IsValidRole("admin"));
  EXPECT_TRUE(IsValidRole("operator"));
  EXPECT_TRUE(IsValidRole("submitter"));
  EXPECT_FALSE(IsValidRole("root"));
  ApiToken info;
  EXPECT_FALSE(CreateApiToken(store_.get(), "x", "root", absl::ZeroDuration(), &info).ok());
  Principal submitter{"t", "ci", "submitter", ""};
  absl::Status denied = RequireOperator(submitter, "listing agents");
  EXPECT_TRUE(absl::IsPermissionDenied(denied));
  EXPECT_THAT(std::string(denied.message()), HasSubstr("listing agents"));
  Principal operator_token;
  operator_token.name = "o";
  operator_token.role = "operator";
  EXPECT_TRUE(RequireOperator(operator_token, "x").ok());
  EXPECT_FALSE(RequireAdmin(operator_token, "x").ok());
}

TEST_F(TokensTest, AJoinTokenIsGoodForItsUsesOnly) {
  absl::StatusOr<std::string> join = CreateJoinToken(store_.get(), absl::Hours(1), 2);
  ASSERT_TRUE(join.ok()) << join.status();
  EXPECT_NE(*join, "");
  // Join tokens are not API tokens.
  EXPECT_TRUE(absl::IsUnauthenticated(Auth(*join).status()));
}

TEST_F(TokensTest, TheAdminTokenIsMadeOnceAndKeptPrivate) {
  absl::StatusOr<std::string> first = EnsureAdminToken(store_.get(), dir_.path());
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<std::string> again = EnsureAdminToken(store_.get(), dir_.path());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*first, *again);
  absl::StatusOr<Principal> who = Auth(*first);
  ASSERT_TRUE(who.ok());
  EXPECT_TRUE(who->IsAdmin());
  struct stat st;
  ASSERT_EQ(stat(dir_.File("admin.token").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
}

}  // namespace
}  // namespace arena
