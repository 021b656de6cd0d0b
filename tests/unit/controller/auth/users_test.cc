// People's accounts and dashboard sessions over a real Store: argon2id
// hashes (libsodium), the lock after repeated failures, the sessions'
// idle and absolute expiry, logout, and the first start's admin user.
#include "controller/auth/users.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "common/files.h"
#include "controller/store/store.h"
#include "tests/unit/test_dir.h"

namespace arena {
namespace {

using ::testing::HasSubstr;

constexpr char kPassword[] = "correct horse battery";
const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

class UsersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<Store>> opened = Store::Open(dir_.File("arena.db"));
    ASSERT_TRUE(opened.ok()) << opened.status();
    store_ = *std::move(opened);
    ASSERT_TRUE(CreateUser(store_.get(), "alice", "operator", kPassword, kNow).ok());
  }
  absl::StatusOr<Session> LogIn(absl::string_view password, absl::Time at = kNow) {
    return Login(store_.get(), "alice", password, at, policy_);
  }
  TestDir dir_;
  std::unique_ptr<Store> store_;
  LoginPolicy policy_;
};

TEST_F(UsersTest, ThePasswordIsStoredOnlyAsAnArgon2idHash) {
  absl::StatusOr<UserRecord> user = store_->users().Get("alice");
  ASSERT_TRUE(user.ok());
  EXPECT_THAT(user->password_hash, HasSubstr("$argon2id$"));
  EXPECT_EQ(user->password_hash.find(kPassword), std::string::npos);
  EXPECT_EQ(user->role, "operator");
}

TEST_F(UsersTest, BadNamesRolesPasswordsAndTakenNamesAreRefused) {
  EXPECT_TRUE(absl::IsInvalidArgument(CreateUser(store_.get(), "-x", "admin", kPassword, kNow)));
  EXPECT_TRUE(absl::IsInvalidArgument(CreateUser(store_.get(), "a b", "admin", kPassword, kNow)));
  EXPECT_TRUE(absl::IsInvalidArgument(CreateUser(store_.get(), "bob", "root", kPassword, kNow)));
  absl::Status short_password = CreateUser(store_.get(), "bob", "admin", "short", kNow);
  EXPECT_TRUE(absl::IsInvalidArgument(short_password));
  EXPECT_THAT(std::string(short_password.message()), HasSubstr("12 characters"));
  EXPECT_TRUE(absl::IsAlreadyExists(CreateUser(store_.get(), "alice", "admin", kPassword, kNow)));
}

TEST_F(UsersTest, ALoginMakesASessionThatAuthenticatesWithItsCsrfToken) {
  absl::StatusOr<Session> session = LogIn(kPassword);
  ASSERT_TRUE(session.ok()) << session.status();
  EXPECT_EQ(session->who.name, "alice");
  EXPECT_FALSE(session->csrf.empty());
  std::string csrf;
  absl::StatusOr<Principal> who =
      AuthenticateSession(store_.get(), session->token, kNow + absl::Minutes(1), policy_, &csrf);
  ASSERT_TRUE(who.ok()) << who.status();
  EXPECT_EQ(who->role, "operator");
  EXPECT_EQ(csrf, session->csrf);
  EXPECT_TRUE(who->token_hash.empty()) << "a session, not a token";
  EXPECT_FALSE(who->session_hash.empty());
  EXPECT_GT(store_->users().Get("alice")->last_login_ms, 0);
}

TEST_F(UsersTest, AWrongPasswordAndAnUnknownUserGetTheSameAnswer) {
  absl::StatusOr<Session> wrong = LogIn("not the password");
  absl::StatusOr<Session> unknown = Login(store_.get(), "mallory", kPassword, kNow, policy_);
  EXPECT_TRUE(absl::IsUnauthenticated(wrong.status()));
  EXPECT_EQ(wrong.status(), unknown.status());
  EXPECT_EQ(store_->users().Get("alice")->failed_logins, 1);
}

TEST_F(UsersTest, FiveFailuresLockTheUserForAMinuteThenLongerAndAGoodLoginResets) {
  for (int i = 0; i < 5; ++i)
    EXPECT_TRUE(absl::IsUnauthenticated(LogIn("wrong wrong wrong").status()));
  absl::StatusOr<Session> locked = LogIn(kPassword, kNow + absl::Seconds(30));
  EXPECT_TRUE(absl::IsResourceExhausted(locked.status()));
  EXPECT_THAT(std::string(locked.status().message()), HasSubstr("try again in 30s"));
  // After the minute: one more failure locks for two.
  EXPECT_TRUE(absl::IsUnauthenticated(LogIn("wrong again!!", kNow + absl::Minutes(1)).status()));
  EXPECT_TRUE(absl::IsResourceExhausted(
      LogIn(kPassword, kNow + absl::Minutes(2) + absl::Seconds(59)).status()));
  ASSERT_TRUE(LogIn(kPassword, kNow + absl::Minutes(3)).ok());
  EXPECT_EQ(store_->users().Get("alice")->failed_logins, 0);
  EXPECT_EQ(LockedUntil(4, kNow, policy_), kNow);
  EXPECT_EQ(LockedUntil(5, kNow, policy_), kNow + absl::Minutes(1));
  EXPECT_EQ(LockedUntil(7, kNow, policy_), kNow + absl::Minutes(4));
  EXPECT_EQ(LockedUntil(40, kNow, policy_), kNow + absl::Hours(1)) << "at most an hour";
}

TEST_F(UsersTest, ASessionEndsIdleAtItsAbsoluteAgeAtLogoutAndWhenItsUserChanges) {
  absl::StatusOr<Session> s = LogIn(kPassword);
  ASSERT_TRUE(s.ok());
  auto at = [&](absl::Time t) {
    return AuthenticateSession(store_.get(), s->token, t, policy_, nullptr);
  };
  // Used every 20 minutes it lives, until 12 hours.
  absl::Time t = kNow;
  for (int i = 0; i < 35; ++i) ASSERT_TRUE(at(t += absl::Minutes(20)).ok()) << i;
  EXPECT_THAT(std::string(at(kNow + absl::Hours(12)).status().message()), HasSubstr("expired"));
  absl::StatusOr<Session> idle = LogIn(kPassword);
  EXPECT_TRUE(absl::IsUnauthenticated(
      AuthenticateSession(store_.get(), idle->token, kNow + absl::Minutes(31), policy_, nullptr)
          .status()));
  absl::StatusOr<Session> out = LogIn(kPassword);
  ASSERT_TRUE(Logout(store_.get(), out->token).ok());
  EXPECT_TRUE(absl::IsUnauthenticated(
      AuthenticateSession(store_.get(), out->token, kNow, policy_, nullptr).status()));
  absl::StatusOr<Session> before = LogIn(kPassword);
  ASSERT_TRUE(SetUserPassword(store_.get(), "alice", "a new long password").ok());
  EXPECT_TRUE(absl::IsUnauthenticated(
      CheckSessionValid(store_.get(), before->who.session_hash, kNow, policy_)));
  EXPECT_TRUE(absl::IsUnauthenticated(LogIn(kPassword).status())) << "the old password";
  absl::StatusOr<Session> after =
      Login(store_.get(), "alice", "a new long password", kNow, policy_);
  ASSERT_TRUE(after.ok());
  ASSERT_TRUE(store_->users().SetDisabled("alice", true).ok());
  EXPECT_TRUE(absl::IsUnauthenticated(
      CheckSessionValid(store_.get(), after->who.session_hash, kNow, policy_)));
  EXPECT_TRUE(absl::IsUnauthenticated(
      Login(store_.get(), "alice", "a new long password", kNow, policy_).status()))
      << "a disabled user cannot log in";
}

TEST_F(UsersTest, TheFirstStartCreatesAdminWithAPasswordFileOnlyItsOwnerReads) {
  absl::StatusOr<std::string> password = EnsureAdminUser(store_.get(), dir_.path());
  ASSERT_TRUE(password.ok()) << password.status();
  ASSERT_GE(password->size(), 12u);
  struct stat st;
  ASSERT_EQ(stat(dir_.File("admin.password").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  EXPECT_EQ(*ReadFile(dir_.File("admin.password")), *password + "\n");
  EXPECT_TRUE(Login(store_.get(), "admin", *password, kNow, policy_).ok());
  absl::StatusOr<std::string> again = EnsureAdminUser(store_.get(), dir_.path());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, "") << "created once";
}

}  // namespace
}  // namespace arena
