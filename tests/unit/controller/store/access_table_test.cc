#include "controller/store/access_table.h"

#include <gtest/gtest.h>

#include "controller/store/sql_query.h"
#include "tests/unit/controller/store/table_fixture.h"

namespace arena {
namespace {

class AccessTableTest : public TableTest {
 protected:
  void SetUp() override {
    TableTest::SetUp();
    access_ = std::make_unique<AccessTable>(connection_.get());
  }
  std::unique_ptr<AccessTable> access_;
};

TEST_F(AccessTableTest, AJoinTokenHasAsManyUsesAsItWasGiven) {
  ASSERT_TRUE(access_->InsertJoinToken("hash", /*expires_ms=*/1000, /*uses=*/2, 0).ok());
  EXPECT_TRUE(access_->ConsumeJoinToken("hash", 10).ok());
  EXPECT_TRUE(access_->ConsumeJoinToken("hash", 10).ok());
  EXPECT_TRUE(absl::IsPermissionDenied(access_->ConsumeJoinToken("hash", 10)));
  EXPECT_TRUE(absl::IsAlreadyExists(access_->InsertJoinToken("hash", 1000, 1, 0)));
}

TEST_F(AccessTableTest, RevokingByNameRevokesEveryTokenOfThatName) {
  ASSERT_TRUE(access_->InsertApiToken("h1", {"tok-1", "ci", "submitter", 1, 0, false}).ok());
  ASSERT_TRUE(access_->InsertApiToken("h2", {"tok-2", "ci", "operator", 2, 0, false}).ok());
  ASSERT_TRUE(access_->InsertApiToken("h3", {"tok-3", "ops", "admin", 3, 99, false}).ok());
  auto revoked = access_->RevokeApiToken("ci");
  ASSERT_TRUE(revoked.ok()) << revoked.status();
  EXPECT_EQ(revoked->id, "tok-1");
  auto tokens = access_->ListApiTokens();
  ASSERT_EQ(tokens->size(), 3u);  // oldest first
  EXPECT_TRUE((*tokens)[0].revoked);
  EXPECT_TRUE((*tokens)[1].revoked);
  EXPECT_FALSE((*tokens)[2].revoked);
  EXPECT_EQ((*tokens)[2].expires_ms, 99);
  EXPECT_EQ(access_->RevokeApiToken("tok-3")->name, "ops");
  EXPECT_EQ(access_->LookupApiToken("h3")->role, "admin");
}

TEST_F(AccessTableTest, AFoundTokenIsKeptUntilARevocationOrANewInsertOfItsHash) {
  EXPECT_TRUE(absl::IsNotFound(access_->LookupApiToken("h1").status()));
  ASSERT_TRUE(access_->InsertApiToken("h1", {"tok-1", "ci", "submitter", 1, 0, false}).ok());
  EXPECT_EQ(access_->LookupApiToken("h1")->role, "submitter");  // a miss is not kept
  auto set_role_directly = [&](const std::string& role) {
    ASSERT_TRUE(connection_
                    ->Write([&](Database& db) {
                      return SqlQuery(db, "UPDATE api_tokens SET role = ? WHERE hash = 'h1'")
                          .Bind(role)
                          .Run()
                          .status();
                    })
                    .ok());
  };
  set_role_directly("operator");
  EXPECT_EQ(access_->LookupApiToken("h1")->role, "submitter");  // kept: no query ran
  ASSERT_TRUE(access_->RevokeApiToken("ci").ok());
  auto revoked = access_->LookupApiToken("h1");
  EXPECT_TRUE(revoked->revoked);
  EXPECT_EQ(revoked->role, "operator");
  EXPECT_TRUE(absl::IsAlreadyExists(
      access_->InsertApiToken("h1", {"tok-9", "again", "admin", 9, 0, false})));
  set_role_directly("admin");
  EXPECT_EQ(access_->LookupApiToken("h1")->role, "admin");  // the failed insert invalidated it
}

TEST_F(AccessTableTest, TheAuditIsListedNewestFirstUpToTheLimit) {
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(
        access_->AppendAudit({i, "admin", "job.cancel", "job-" + std::to_string(i), ""}).ok());
  }
  auto audit = access_->ListAudit(2);
  ASSERT_TRUE(audit.ok()) << audit.status();
  ASSERT_EQ(audit->size(), 2u);
  EXPECT_EQ((*audit)[0].target, "job-2");
  EXPECT_EQ((*audit)[1].target, "job-1");
}

TEST_F(AccessTableTest, AnAgentsUpsertKeepsItsEnrollmentTime) {
  AgentRecord agent{"agent-b", "host", "amd64", "k=v", 2, 100, 100, false, false};
  ASSERT_TRUE(access_->UpsertAgent(agent).ok());
  agent.enrolled_ms = 999;
  agent.last_seen_ms = 500;
  agent.slots = 4;
  agent.draining = true;
  ASSERT_TRUE(access_->UpsertAgent(agent).ok());
  auto read = access_->GetAgent("agent-b");
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->enrolled_ms, 100);
  EXPECT_EQ(read->last_seen_ms, 500);
  EXPECT_EQ(read->slots, 4);
  EXPECT_TRUE(read->draining);
  EXPECT_EQ(read->labels, "k=v");
  ASSERT_TRUE(access_->UpsertAgent({"agent-a", "h2", "", "", 1, 1, 1, true, false}).ok());
  auto agents = access_->ListAgents();
  ASSERT_EQ(agents->size(), 2u);
  EXPECT_EQ((*agents)[0].id, "agent-a");
  EXPECT_TRUE((*agents)[0].revoked);
  EXPECT_TRUE(absl::IsNotFound(access_->GetAgent("agent-z").status()));
}

TEST_F(AccessTableTest, CredentialsAreListedByHostAndKeepTheirSealedBytes) {
  std::string sealed("\x00\x01sealed\xfe", 9);
  ASSERT_TRUE(
      access_
          ->PutCredential(CredentialScope::kRegistry, {"reg.b:5000", "basic", "u", true, sealed, 7})
          .ok());
  ASSERT_TRUE(
      access_->PutCredential(CredentialScope::kRegistry, {"reg.a", "basic", "u2", false, "x", 8})
          .ok());
  auto listed = access_->ListCredentials(CredentialScope::kRegistry);
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].host, "reg.a");
  EXPECT_EQ((*listed)[1].sealed, sealed);
  EXPECT_TRUE((*listed)[1].has_ca);
  EXPECT_TRUE(access_->ListCredentials(CredentialScope::kGit)->empty());
  auto removed = access_->DeleteCredential(CredentialScope::kRegistry, "reg.b:5000");
  ASSERT_TRUE(removed.ok()) << removed.status();
  EXPECT_EQ(removed->username, "u");
  EXPECT_EQ(access_->ListCredentials(CredentialScope::kRegistry)->size(), 1u);
}

}  // namespace
}  // namespace arena
