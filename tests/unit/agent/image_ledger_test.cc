#include "agent/executor/image_ledger.h"

#include <unistd.h>

#include <cstdlib>
#include <string>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "common/files.h"
#include "gtest/gtest.h"

namespace arena {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1'800'000'000);

LedgerEntry Entry(const std::string& id, int64_t bytes, absl::Duration idle, int in_use = 0) {
  LedgerEntry e;
  e.id = id;
  e.names = {"reg/" + id + ":1"};
  e.bytes = bytes;
  e.brought_at = kT0 - absl::Hours(100);
  e.last_used = kT0 - idle;
  e.in_use = in_use;
  return e;
}

std::vector<std::string> Ids(const std::vector<GcChoice>& chosen) {
  std::vector<std::string> ids;
  for (const GcChoice& c : chosen) ids.push_back(c.entry.id);
  return ids;
}

TEST(PickImagesToRemove, RemovesOnlyIdleImagesUnusedForTheAgeOldestFirst) {
  GcPolicy policy{absl::Hours(24), 0};
  std::vector<LedgerEntry> entries = {
      Entry("young", 10, absl::Hours(1)), Entry("old", 10, absl::Hours(30)),
      Entry("older", 10, absl::Hours(50)), Entry("busy-old", 10, absl::Hours(90), /*in_use=*/1)};
  std::vector<GcChoice> chosen = PickImagesToRemove(entries, kT0, policy);
  EXPECT_EQ(Ids(chosen), (std::vector<std::string>{"older", "old"}));
  for (const GcChoice& c : chosen) EXPECT_EQ(c.reason, GcReason::kUnused);
}

TEST(PickImagesToRemove, ExactlyTheAgeCounts) {
  GcPolicy policy{absl::Seconds(3), 0};
  EXPECT_EQ(Ids(PickImagesToRemove({Entry("a", 1, absl::Seconds(3))}, kT0, policy)),
            (std::vector<std::string>{"a"}));
  EXPECT_TRUE(PickImagesToRemove({Entry("a", 1, absl::Seconds(2))}, kT0, policy).empty());
}

TEST(PickImagesToRemove, OverTheByteCapRemovesLeastRecentlyUsedUntilUnder) {
  GcPolicy policy{absl::Hours(24), 250};
  std::vector<LedgerEntry> entries = {Entry("newest", 100, absl::Minutes(1)),
                                      Entry("middle", 100, absl::Minutes(5)),
                                      Entry("oldest", 100, absl::Minutes(9))};
  std::vector<GcChoice> chosen = PickImagesToRemove(entries, kT0, policy);
  ASSERT_EQ(Ids(chosen), (std::vector<std::string>{"oldest"}));
  EXPECT_EQ(chosen[0].reason, GcReason::kOverBytes);
}

TEST(PickImagesToRemove, ImagesInUseCountTowardsTheCapButAreNeverChosen) {
  GcPolicy policy{absl::Hours(24), 150};
  std::vector<LedgerEntry> entries = {Entry("busy", 200, absl::Hours(2), /*in_use=*/2),
                                      Entry("idle", 100, absl::Minutes(1))};
  EXPECT_EQ(Ids(PickImagesToRemove(entries, kT0, policy)), (std::vector<std::string>{"idle"}));
}

TEST(PickImagesToRemove, NoCapAndNothingOldChoosesNothing) {
  GcPolicy policy{absl::Hours(24), 0};
  EXPECT_TRUE(PickImagesToRemove({Entry("a", 1 << 30, absl::Hours(23))}, kT0, policy).empty());
}

TEST(PickImagesToRemove, SkipsImagesAlreadyBeingRemoved) {
  LedgerEntry e = Entry("a", 10, absl::Hours(30));
  e.removing = true;
  EXPECT_TRUE(PickImagesToRemove({e}, kT0, GcPolicy{absl::Hours(1), 1}).empty());
}

class ImageLedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/ledger-test.XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    dir_ = dir;
    path_ = dir_ + "/images.ledger";
  }
  void TearDown() override { ASSERT_TRUE(RemoveTree(dir_).ok()); }
  std::unique_ptr<ImageLedger> Open() {
    return ImageLedger::Open(path_, [this] { return now_; });
  }

  std::string dir_;
  std::string path_;
  absl::Time now_ = kT0;
};

TEST_F(ImageLedgerTest, AnImageArenaDidNotBringIsNeverRecordedOrCollected) {
  auto ledger = Open();
  absl::StatusOr<ImageLease> lease = ledger->Use("sha256:theirs", now_);
  ASSERT_TRUE(lease.ok());
  now_ += absl::Hours(48);
  EXPECT_TRUE(ledger->ClaimForRemoval(GcPolicy{absl::Seconds(1), 1}).empty());
  EXPECT_EQ(ledger->Summary().kept_images, 0);
}

TEST_F(ImageLedgerTest, AnImageInUseIsNotClaimedAndItsLastUseIsItsRelease) {
  auto ledger = Open();
  GcPolicy policy{absl::Seconds(3), 0};
  {
    absl::StatusOr<ImageLease> lease = ledger->Bring("sha256:a", "reg/a:1", 100, now_);
    ASSERT_TRUE(lease.ok());
    EXPECT_EQ(ledger->Summary().in_use_images, 1);
    now_ += absl::Hours(1);
    EXPECT_TRUE(ledger->ClaimForRemoval(policy).empty());
  }
  EXPECT_EQ(ledger->Summary().in_use_images, 0);
  now_ += absl::Seconds(2);
  EXPECT_TRUE(ledger->ClaimForRemoval(policy).empty()) << "released 2 s ago, not 1 h";
  now_ += absl::Seconds(1);
  std::vector<GcChoice> claimed = ledger->ClaimForRemoval(policy);
  ASSERT_EQ(Ids(claimed), (std::vector<std::string>{"sha256:a"}));
  EXPECT_TRUE(ledger->ClaimForRemoval(policy).empty()) << "claimed once";
  ASSERT_TRUE(ledger->FinishRemoval("sha256:a", ImageLedger::Removal::kRemoved).ok());
  ImageStoreSummary s = ledger->Summary();
  EXPECT_EQ(s.kept_images, 0);
  EXPECT_EQ(s.removed_images, 1);
  EXPECT_EQ(s.removed_bytes, 100);
}

TEST_F(ImageLedgerTest, AKeptRemovalIsTriedAgainAndADisownedOneIsForgottenUncounted) {
  auto ledger = Open();
  ASSERT_TRUE(ledger->Bring("sha256:a", "reg/a:1", 5, now_).ok());
  ASSERT_TRUE(ledger->Bring("sha256:b", "reg/b:1", 7, now_).ok());
  now_ += absl::Hours(30);
  ASSERT_EQ(ledger->ClaimForRemoval(GcPolicy()).size(), 2u);
  ASSERT_TRUE(ledger->FinishRemoval("sha256:a", ImageLedger::Removal::kKept).ok());
  ASSERT_TRUE(ledger->FinishRemoval("sha256:b", ImageLedger::Removal::kDisowned).ok());
  EXPECT_EQ(Ids(ledger->ClaimForRemoval(GcPolicy())), (std::vector<std::string>{"sha256:a"}));
  ImageStoreSummary s = ledger->Summary();
  EXPECT_EQ(s.kept_images, 1);
  EXPECT_EQ(s.removed_images, 0);
}

TEST_F(ImageLedgerTest, ALookupThatRacedWithARemovalIsAborted) {
  auto ledger = Open();
  ASSERT_TRUE(ledger->Bring("sha256:a", "reg/a:1", 5, now_).ok());
  absl::Time seen_at = now_ + absl::Hours(30);
  now_ = seen_at;
  ASSERT_EQ(ledger->ClaimForRemoval(GcPolicy()).size(), 1u);
  ASSERT_TRUE(ledger->FinishRemoval("sha256:a", ImageLedger::Removal::kRemoved).ok());
  EXPECT_TRUE(absl::IsAborted(ledger->Use("sha256:a", seen_at).status()));
  EXPECT_TRUE(absl::IsAborted(ledger->Bring("sha256:a", "reg/a:1", 5, seen_at).status()));
  // Pulled again after the removal: Arena's again.
  now_ += absl::Seconds(1);
  EXPECT_TRUE(ledger->Bring("sha256:a", "reg/a:1", 5, now_).ok());
  EXPECT_EQ(ledger->Summary().kept_images, 1);
}

TEST_F(ImageLedgerTest, UseWaitsForARemovalInProgress) {
  auto ledger = Open();
  ASSERT_TRUE(ledger->Bring("sha256:a", "reg/a:1", 5, now_).ok());
  now_ += absl::Hours(30);
  ASSERT_EQ(ledger->ClaimForRemoval(GcPolicy()).size(), 1u);
  absl::Notification used;
  absl::StatusOr<ImageLease> lease;
  std::thread user([&] {
    lease = ledger->Use("sha256:a", kT0);
    used.Notify();
  });
  // Bounded: until the user is inside Use, waiting.
  for (int i = 0; i < 2000 && ledger->WaitingForRemoval() == 0; ++i) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  ASSERT_EQ(ledger->WaitingForRemoval(), 1);
  EXPECT_FALSE(used.HasBeenNotified()) << "Use returned while the removal was in progress";
  ASSERT_TRUE(ledger->FinishRemoval("sha256:a", ImageLedger::Removal::kKept).ok());
  user.join();
  EXPECT_TRUE(lease.ok()) << lease.status();
  EXPECT_EQ(ledger->Summary().in_use_images, 1);
  EXPECT_EQ(ledger->WaitingForRemoval(), 0);
}

TEST_F(ImageLedgerTest, ARestartKeepsImagesTimesAndCountsButNothingInUse) {
  {
    auto ledger = Open();
    absl::StatusOr<ImageLease> held = ledger->Bring("sha256:a", "reg/a:1", 100, now_);
    ASSERT_TRUE(ledger->Bring("sha256:a", "reg/a:latest", 100, now_).ok());
    ASSERT_TRUE(ledger->Bring("sha256:b", "reg/b:1", 50, now_).ok());
    now_ += absl::Hours(30);
    std::vector<GcChoice> claimed = ledger->ClaimForRemoval(GcPolicy());
    ASSERT_EQ(Ids(claimed), (std::vector<std::string>{"sha256:b"}));
    ASSERT_TRUE(ledger->FinishRemoval("sha256:b", ImageLedger::Removal::kRemoved).ok());
    *held = ImageLease();  // the task ends
    ASSERT_TRUE(ledger->Flush().ok());
  }
  auto reopened = Open();
  std::vector<LedgerEntry> entries = reopened->Entries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].id, "sha256:a");
  EXPECT_EQ(entries[0].names, (std::set<std::string>{"reg/a:1", "reg/a:latest"}));
  EXPECT_EQ(entries[0].bytes, 100);
  EXPECT_EQ(entries[0].in_use, 0);
  EXPECT_EQ(entries[0].last_used, now_) << "the release time was flushed";
  ImageStoreSummary s = reopened->Summary();
  EXPECT_EQ(s.removed_images, 1);
  EXPECT_EQ(s.removed_bytes, 50);
  EXPECT_EQ(s.last_gc, now_);
}

TEST_F(ImageLedgerTest, AnUnreadableLedgerIsIgnored) {
  ASSERT_TRUE(WriteFileAtomic(path_, "arena-image-ledger 1\nimage sha256:a lots\n").ok());
  EXPECT_TRUE(Open()->Entries().empty());
  ASSERT_TRUE(WriteFileAtomic(path_, "something else\n").ok());
  EXPECT_TRUE(Open()->Entries().empty());
}

}  // namespace
}  // namespace arena
