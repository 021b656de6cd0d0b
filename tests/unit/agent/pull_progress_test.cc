#include "agent/executor/pull_progress.h"

#include <gtest/gtest.h>

namespace arena {
namespace {

TEST(PullLine, ReadsStatusLayerAndProgress) {
  PullLine line = ParsePullLine(
      R"({"status":"Downloading","progressDetail":{"current":100,"total":400},"id":"a1"})");
  EXPECT_TRUE(line.valid);
  EXPECT_EQ("Downloading", line.status);
  EXPECT_EQ("a1", line.id);
  EXPECT_EQ(100, line.current);
  EXPECT_EQ(400, line.total);
}

TEST(PullLine, ReadsTheErrorOfAnErrorLine) {
  PullLine line =
      ParsePullLine(R"({"errorDetail":{"message":"manifest unknown"},"error":"manifest unknown"})");
  EXPECT_EQ("manifest unknown", line.error);
  EXPECT_EQ("only detail", ParsePullLine(R"({"errorDetail":{"message":"only detail"}})").error);
}

TEST(PullLine, NeverThrowsOnMalformedOrWronglyTypedLines) {
  EXPECT_FALSE(ParsePullLine("").valid);
  EXPECT_FALSE(ParsePullLine("{not json").valid);
  EXPECT_FALSE(ParsePullLine("[1,2]").valid);
  PullLine odd = ParsePullLine(
      R"({"status":7,"id":["x"],"error":{},"progressDetail":{"current":"9","total":-5}})");
  EXPECT_TRUE(odd.valid);
  EXPECT_EQ("", odd.status);
  EXPECT_EQ("", odd.id);
  EXPECT_EQ("", odd.error);
  EXPECT_EQ(-1, odd.current);
  EXPECT_EQ(-1, odd.total);
  EXPECT_EQ(-1, ParsePullLine(R"({"progressDetail":{"current":1e300}})").current);
  EXPECT_EQ(-1, ParsePullLine(R"({"progressDetail":"text"})").current);
}

TEST(PullProgress, SumsLayersAcrossLinesSplitAnywhere) {
  PullProgress progress;
  std::string answer =
      "{\"status\":\"Pulling from x\",\"id\":\"1\"}\n"
      "{\"status\":\"Pulling fs layer\",\"progressDetail\":{},\"id\":\"a\"}\n"
      "{\"status\":\"Downloading\",\"progressDetail\":{\"current\":10,\"total\":100},\"id\":\"a\"}"
      "\n"
      "{\"status\":\"Downloading\",\"progressDetail\":{\"current\":5,\"total\":50},\"id\":\"b\"}\n"
      "garbage\n"
      "{\"status\":\"Download complete\",\"id\":\"a\"}\n"
      "{\"status\":\"Digest: sha256:feed\"}\n";
  for (char c : answer) progress.Feed(std::string(1, c));
  EXPECT_EQ(105, progress.done_bytes());
  EXPECT_EQ(150, progress.total_bytes());
  EXPECT_EQ("sha256:feed", progress.digest());
  EXPECT_EQ("", progress.error());
}

TEST(PullProgress, KeepsTheFirstError) {
  PullProgress progress;
  progress.Feed("{\"error\":\"first\"}\n{\"error\":\"second\"}\n");
  EXPECT_EQ("first", progress.error());
}

TEST(PullProgress, CountsEachEpisodeOfDockerdRetryingALayer) {
  PullProgress p;
  p.Feed(R"({"status":"Downloading","id":"l1","progressDetail":{"current":5,"total":9}})"
         "\n"
         R"({"status":"Retrying in 5 seconds","id":"l1"})"
         "\n"
         R"({"status":"Retrying in 4 seconds","id":"l1"})"
         "\n");
  EXPECT_EQ(p.retries(), 1);
  p.Feed(R"({"status":"Downloading","id":"l1","progressDetail":{"current":7,"total":9}})"
         "\n"
         R"({"status":"Retrying in 10 seconds","id":"l1"})"
         "\n");
  EXPECT_EQ(p.retries(), 2);
  EXPECT_EQ(p.done_bytes(), 7);
}

TEST(PullProgress, IgnoresAnUnfinishedLastLine) {
  PullProgress progress;
  progress.Feed("{\"error\":\"cut");
  EXPECT_EQ("", progress.error());
}

TEST(ClassifyPullError, MapsDockerMessagesToTypedFailures) {
  absl::Status s = ClassifyPullError(
      "Head \"https://h/v2/x/manifests/1\": unauthorized: authentication required", "h", "h/x:1");
  EXPECT_TRUE(absl::IsPermissionDenied(s));
  EXPECT_EQ("registry h refused credentials for h/x:1", s.message());
  s = ClassifyPullError("manifest for h/x:2 not found: manifest unknown: manifest unknown", "h",
                        "h/x:2");
  EXPECT_TRUE(absl::IsNotFound(s));
  EXPECT_EQ("image h/x:2 not found in h", s.message());
  EXPECT_TRUE(absl::IsFailedPrecondition(ClassifyPullError(
      "no matching manifest for linux/s390x in the manifest list entries", "h", "h/x")));
}

TEST(ClassifyPullError, CallsNetworkAndServerFailuresTransient) {
  for (const char* message :
       {"Get \"https://127.0.0.1:1/v2/\": dial tcp 127.0.0.1:1: connect: connection refused",
        "read tcp 127.0.0.1:2->127.0.0.1:1: read: connection reset by peer",
        "received unexpected HTTP status: 503 Service Unavailable", "unexpected EOF"}) {
    EXPECT_TRUE(absl::IsUnavailable(ClassifyPullError(message, "h", "h/x"))) << message;
  }
}

}  // namespace
}  // namespace arena
