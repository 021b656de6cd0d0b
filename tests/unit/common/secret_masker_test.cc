#include "common/secret_masker.h"

#include <gtest/gtest.h>

namespace arena {
namespace {

std::string MaskInChunks(const std::vector<std::string>& secrets, const std::string& text,
                         size_t chunk) {
  SecretMasker masker(secrets);
  std::string out;
  for (size_t i = 0; i < text.size(); i += chunk) out += masker.Feed(text.substr(i, chunk));
  return out + masker.Flush();
}

TEST(SecretMasker, MasksValuesSplitAtEveryPosition) {
  const std::string text = "token=hunter2-xyz; again hunter2-xyz!\nhunter2 alone\n";
  const std::string want = "token=***; again ***!\nhunter2 alone\n";
  for (size_t chunk = 1; chunk <= text.size(); ++chunk) {
    EXPECT_EQ(MaskInChunks({"hunter2-xyz"}, text, chunk), want) << "chunk " << chunk;
  }
}

TEST(SecretMasker, LongerValueWinsAndPrefixesAtTheEndAreReleased) {
  EXPECT_EQ(MaskInChunks({"abc", "abcdef"}, "xabcdefy abc", 2), "x***y ***");
  EXPECT_EQ(MaskInChunks({"secret"}, "ends with secr", 3), "ends with secr");
  EXPECT_EQ(MaskInChunks({}, "nothing to hide", 4), "nothing to hide");
  EXPECT_EQ(MaskInChunks({""}, "empty secret ignored", 4), "empty secret ignored");
}

TEST(SecretMasker, HoldsBackOnlyWhatCouldStartASecret) {
  SecretMasker masker({"password"});
  EXPECT_EQ(masker.Feed("abc pass"), "abc ");
  EXPECT_EQ(masker.Feed("port"), "passport");
  EXPECT_EQ(masker.Feed("pass"), "");
  EXPECT_EQ(masker.Feed("word."), "***.");
}

}  // namespace
}  // namespace arena
