#include "cli/service_flag.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace arena {
namespace {

using ::testing::HasSubstr;

TEST(ServiceFlag, NameAndImageOnly) {
  absl::StatusOr<v1::Service> service = ParseServiceFlag("db=postgres:15");
  ASSERT_TRUE(service.ok()) << service.status();
  EXPECT_EQ(service->name(), "db");
  EXPECT_EQ(service->image(), "postgres:15");
  EXPECT_FALSE(service->has_ready());
  EXPECT_EQ(service->ready_timeout_ms(), 0);
}

TEST(ServiceFlag, ProbesAndTimeout) {
  absl::StatusOr<v1::Service> tcp = ParseServiceFlag("db=postgres:15,ready=tcp:5432,timeout=90s");
  ASSERT_TRUE(tcp.ok()) << tcp.status();
  EXPECT_EQ(tcp->ready().tcp(), 5432);
  EXPECT_EQ(tcp->ready_timeout_ms(), 90000);
  absl::StatusOr<v1::Service> http = ParseServiceFlag("web=app:1,timeout=2m,ready=http:8080/ok");
  ASSERT_TRUE(http.ok()) << http.status();
  EXPECT_EQ(http->ready().http(), "8080/ok");
  EXPECT_EQ(http->ready_timeout_ms(), 120000);
  // exec takes the rest, commas included.
  absl::StatusOr<v1::Service> exec = ParseServiceFlag("q=mq:3,ready=exec:mqctl ping,quiet");
  ASSERT_TRUE(exec.ok()) << exec.status();
  EXPECT_EQ(exec->ready().exec(), "mqctl ping,quiet");
}

TEST(ServiceFlag, RefusesWhatItCannotRead) {
  for (const char* bad : {"db", "=img", "db=", "db=img,ready=udp:53", "db=img,ready=tcp:x",
                          "db=img,timeout=soon", "db=img,timeout=-1s", "db=img,port=5"}) {
    absl::StatusOr<v1::Service> service = ParseServiceFlag(bad);
    ASSERT_FALSE(service.ok()) << bad;
    EXPECT_THAT(service.status().message(), HasSubstr("--service wants NAME=IMAGE")) << bad;
  }
}

}  // namespace
}  // namespace arena
