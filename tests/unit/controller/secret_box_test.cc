#include "controller/auth/secret_box.h"

#include <gtest/gtest.h>

#include "tests/unit/test_dir.h"

namespace arena {
namespace {

TEST(SecretBox, SealsAndOpensAndRefusesTampering) {
  TestDir dir;
  auto box = SecretBox::LoadOrCreate(dir.File("secrets.key"));
  ASSERT_TRUE(box.ok()) << box.status();
  auto sealed = box->Seal("hunter2");
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(sealed->find("hunter2"), std::string::npos);
  EXPECT_EQ(*box->Open(*sealed), "hunter2");
  EXPECT_NE(*box->Seal("hunter2"), *sealed);  // fresh nonce each time
  std::string tampered = *sealed;
  tampered[14] ^= 1;
  EXPECT_TRUE(absl::IsDataLoss(box->Open(tampered).status()));
  auto reloaded = SecretBox::LoadOrCreate(dir.File("secrets.key"));
  EXPECT_EQ(*reloaded->Open(*sealed), "hunter2");
  SecretBox other(std::string(32, 'k'));
  EXPECT_FALSE(other.Open(*sealed).ok());
}

}  // namespace
}  // namespace arena
