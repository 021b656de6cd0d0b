#include "common/logging.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"

namespace arena {
namespace {

TEST(Logging, TextAndJsonLinesCarryLevelComponentAndMessage) {
  std::string text = FormatLogLine(LogLevel::kWarn, "docker", "cannot remove x", false);
  EXPECT_THAT(text, ::testing::MatchesRegex(
                        "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z warn docker: cannot remove x"));
  std::string json = FormatLogLine(LogLevel::kError, "scheduler", "a \"quoted\"\nline\x01", true);
  EXPECT_TRUE(absl::StrContains(json, R"("level":"error","component":"scheduler")")) << json;
  EXPECT_TRUE(absl::StrContains(json, R"("msg":"a \"quoted\"\nline\u0001"})")) << json;
  EXPECT_EQ(json.find('\n'), std::string::npos);  // one line per event
}

TEST(Logging, OptionsAreCheckedByName) {
  EXPECT_TRUE(SetLogOptions("debug", "json").ok());
  EXPECT_TRUE(SetLogOptions("info", "text").ok());
  EXPECT_THAT(std::string(SetLogOptions("loud", "text").message()), ::testing::HasSubstr("loud"));
  EXPECT_THAT(std::string(SetLogOptions("info", "xml").message()), ::testing::HasSubstr("xml"));
}

}  // namespace
}  // namespace arena
