#include "agent/executor/docker_json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace arena {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Trimmed replies recorded from dockerd 20.10 (API 1.41).
constexpr char kContainerInspect[] = R"({
  "Id": "4fa6e0f0c678", "Created": "2024-05-01T10:00:00Z", "Path": "sh",
  "State": {"Status": "exited", "Running": false, "Paused": false, "OOMKilled": true,
            "Dead": false, "Pid": 0, "ExitCode": 137, "Error": ""},
  "Config": {"Hostname": "4fa6e0f0c678", "WorkingDir": "/workspace", "Env": ["A=1"]},
  "SizeRw": 12288, "SizeRootFs": 1460000})";
constexpr char kImageInspect[] = R"({
  "Id": "sha256:3f57d9401f8d", "RepoTags": ["busybox:latest", "arena-test/busybox:latest"],
  "RepoDigests": ["busybox@sha256:5acba83a746c"], "Architecture": "arm", "Variant": "v7",
  "Os": "linux", "Size": 4261550, "RootFS": {"Type": "layers"}})";
constexpr char kImageList[] = R"([
  {"Id": "sha256:aaa", "RepoTags": ["busybox:latest"], "Size": 1},
  {"Id": "sha256:bbb", "RepoTags": ["<none>:<none>"], "Size": 2},
  {"Id": "sha256:ccc", "RepoTags": null, "Size": 3}])";
constexpr char kDistribution[] = R"({
  "Descriptor": {"mediaType": "application/vnd.oci.image.index.v1+json", "size": 1},
  "Platforms": [{"architecture": "amd64", "os": "linux"},
                {"architecture": "arm64", "os": "linux", "variant": "v8"}]})";

TEST(DockerJson, ReadsARecordedContainerInspect) {
  absl::StatusOr<ContainerState> state = ParseContainerInspect(kContainerInspect);
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_TRUE(state->oom_killed);
  EXPECT_EQ(state->exit_code, 137);
  EXPECT_FALSE(state->running);
  EXPECT_EQ(state->working_dir, "/workspace");
  absl::StatusOr<int64_t> size = ParseWritableLayerBytes(kContainerInspect);
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(*size, 12288);
}

TEST(DockerJson, ReadsARecordedImageInspectListAndDistribution) {
  absl::StatusOr<ImageInfo> image = ParseImageInspect(kImageInspect);
  ASSERT_TRUE(image.ok()) << image.status();
  EXPECT_EQ(image->platform, "linux/arm/v7");
  EXPECT_EQ(image->id, "sha256:3f57d9401f8d");
  EXPECT_THAT(image->repo_digests, ElementsAre("busybox@sha256:5acba83a746c"));
  EXPECT_EQ(image->repo_tags.size(), 2u);
  EXPECT_EQ(image->size, 4261550);
  absl::StatusOr<std::vector<std::string>> tags = ParseImageTags(kImageList);
  ASSERT_TRUE(tags.ok()) << tags.status();
  EXPECT_THAT(*tags, ElementsAre("busybox:latest"));
  absl::StatusOr<std::vector<std::string>> platforms = ParseDistributionPlatforms(kDistribution);
  ASSERT_TRUE(platforms.ok()) << platforms.status();
  EXPECT_THAT(*platforms, ElementsAre("linux/amd64", "linux/arm64/v8"));
}

TEST(DockerJson, ReadsTheSmallAnswers) {
  EXPECT_EQ(*ParseVersionAnswer(R"({"Version":"20.10.24","ApiVersion":"1.41"})"), "1.41");
  EXPECT_EQ(*ParseCreatedId(R"({"Id":"e90e34656806","Warnings":[]})", "create container"),
            "e90e34656806");
  EXPECT_EQ(*ParseWaitAnswer(R"({"StatusCode":3,"Error":null})"), 3);
  EXPECT_EQ(*ParseExecExitCode(R"({"ID":"x","Running":false,"ExitCode":2})"), 2);
  absl::StatusOr<std::vector<std::string>> ids =
      ParseContainerIds(R"([{"Id":"a1","Names":["/arena-x"]},{"Id":"b2"}])");
  ASSERT_TRUE(ids.ok());
  EXPECT_THAT(*ids, ElementsAre("a1", "b2"));
  EXPECT_TRUE(ParseContainerIds("[]")->empty());
}

TEST(DockerJson, AnImageWithoutOsIsLinuxAndWithoutNamesHasNone) {
  absl::StatusOr<ImageInfo> image =
      ParseImageInspect(R"({"Id":"sha256:1","Architecture":"amd64","RepoTags":null})");
  ASSERT_TRUE(image.ok()) << image.status();
  EXPECT_EQ(image->platform, "linux/amd64");
  EXPECT_TRUE(image->repo_tags.empty());
  EXPECT_TRUE(image->repo_digests.empty());
  EXPECT_EQ(image->size, 0);
}

TEST(DockerJson, ARunningExecHasNoExitCodeYet) {
  absl::StatusOr<int> code = ParseExecExitCode(R"({"Running":true,"ExitCode":null})");
  ASSERT_FALSE(code.ok());
  EXPECT_THAT(std::string(code.status().message()), HasSubstr("still running"));
}

// Each answer below is wrong in one way; every parser must say so with an
// error Status (and never throw: the test would end with an exception).
TEST(DockerJson, MalformedAnswersAreErrorsNeverExceptions) {
  const std::vector<std::string> truncated_or_odd = {"",
                                                     "{",
                                                     "[",
                                                     "null",
                                                     "42",
                                                     "\"text\"",
                                                     "{\"Id\":",
                                                     "[{\"Id\":\"a\"},",
                                                     "<html>502</html>",
                                                     "{\"State\":{\"OOMKilled\":tru",
                                                     "\xff\xfe{}"};
  for (const std::string& body : truncated_or_odd) {
    SCOPED_TRACE(body);
    EXPECT_FALSE(ParseVersionAnswer(body).ok());
    EXPECT_FALSE(ParseCreatedId(body, "create container").ok());
    EXPECT_FALSE(ParseWaitAnswer(body).ok());
    EXPECT_FALSE(ParseContainerInspect(body).ok());
    EXPECT_FALSE(ParseWritableLayerBytes(body).ok());
    EXPECT_FALSE(ParseExecExitCode(body).ok());
    EXPECT_FALSE(ParseImageInspect(body).ok());
    EXPECT_FALSE(ParseDistributionPlatforms(body).ok());
    EXPECT_FALSE(ParseContainerIds(body).ok());
    EXPECT_FALSE(ParseImageTags(body).ok());
  }
}

TEST(DockerJson, WrongTypesAreErrorsNamingTheField) {
  absl::StatusOr<int> wait = ParseWaitAnswer(R"({"StatusCode":"0"})");
  ASSERT_FALSE(wait.ok());
  EXPECT_THAT(std::string(wait.status().message()), HasSubstr("StatusCode"));
  EXPECT_FALSE(ParseWaitAnswer(R"({"StatusCode":1.5})").ok());
  EXPECT_FALSE(ParseWaitAnswer(R"({"StatusCode":99999999999})").ok());
  EXPECT_FALSE(ParseWaitAnswer(R"({"Error":null})").ok());
  EXPECT_FALSE(ParseCreatedId(R"({"Id":7})", "create exec").ok());
  EXPECT_FALSE(ParseCreatedId(R"({"Id":null})", "create exec").ok());
  EXPECT_FALSE(ParseVersionAnswer(R"({"ApiVersion":["1.41"]})").ok());
  EXPECT_FALSE(ParseContainerInspect(R"({"State":"exited"})").ok());
  EXPECT_FALSE(
      ParseContainerInspect(R"({"State":{"OOMKilled":"no","ExitCode":0,"Running":false}})").ok());
  EXPECT_FALSE(
      ParseContainerInspect(R"({"State":{"OOMKilled":false,"ExitCode":"0","Running":false}})")
          .ok());
  EXPECT_FALSE(ParseContainerInspect(R"({"State":{"OOMKilled":false,"ExitCode":0}})").ok());
  EXPECT_FALSE(ParseContainerInspect(
                   R"({"State":{"OOMKilled":false,"ExitCode":0,"Running":false},"Config":[]})")
                   .ok());
  EXPECT_FALSE(
      ParseContainerInspect(
          R"({"State":{"OOMKilled":false,"ExitCode":0,"Running":false},"Config":{"WorkingDir":1}})")
          .ok());
  EXPECT_FALSE(ParseWritableLayerBytes(R"({"SizeRw":"12"})").ok());
  EXPECT_FALSE(ParseWritableLayerBytes(R"({"SizeRootFs":12})").ok());
  EXPECT_FALSE(ParseExecExitCode(R"({"ExitCode":"1"})").ok());
  EXPECT_FALSE(ParseContainerIds(R"([{"Names":["/x"]}])").ok());
  EXPECT_FALSE(ParseContainerIds(R"([{"Id":1}])").ok());
  EXPECT_FALSE(ParseContainerIds(R"(["a1"])").ok());
  EXPECT_FALSE(ParseContainerIds(R"({"Id":"a1"})").ok());
  EXPECT_FALSE(ParseImageTags(R"([{"RepoTags":"busybox:latest"}])").ok());
  EXPECT_FALSE(ParseImageTags(R"([{"RepoTags":[1]}])").ok());
  EXPECT_FALSE(ParseImageTags(R"([7])").ok());
  EXPECT_FALSE(ParseImageInspect(R"({"Architecture":"amd64"})").ok());
  EXPECT_FALSE(ParseImageInspect(R"({"Id":"sha256:1"})").ok());
  EXPECT_FALSE(ParseImageInspect(R"({"Id":"sha256:1","Architecture":5})").ok());
  EXPECT_FALSE(ParseImageInspect(R"({"Id":"sha256:1","Architecture":"amd64","Os":[]})").ok());
  EXPECT_FALSE(
      ParseImageInspect(R"({"Id":"sha256:1","Architecture":"amd64","RepoDigests":{}})").ok());
  EXPECT_FALSE(ParseImageInspect(R"({"Id":"sha256:1","Architecture":"amd64","Size":"4"})").ok());
  EXPECT_FALSE(ParseImageInspect(R"({"Id":"sha256:1","Architecture":"amd64","Size":-0.5})").ok());
  EXPECT_FALSE(ParseDistributionPlatforms(R"({"Descriptor":{}})").ok());
  EXPECT_FALSE(ParseDistributionPlatforms(R"({"Platforms":{}})").ok());
  EXPECT_FALSE(ParseDistributionPlatforms(R"({"Platforms":["linux/amd64"]})").ok());
  EXPECT_FALSE(ParseDistributionPlatforms(R"({"Platforms":[{"os":"linux"}]})").ok());
  EXPECT_FALSE(
      ParseDistributionPlatforms(R"({"Platforms":[{"os":"linux","architecture":1}]})").ok());
}

TEST(DockerJson, ErrorMessagesComeFromTheBodyWhateverItIs) {
  EXPECT_EQ(DockerErrorMessage(R"({"message":"No such image: nope:latest"})"),
            "No such image: nope:latest");
  EXPECT_EQ(DockerErrorMessage("page not found\n"), "page not found");
  EXPECT_EQ(DockerErrorMessage(R"({"message":42})"), R"({"message":42})");
  EXPECT_EQ(DockerErrorMessage(std::string(300, 'x')).size(), 200u);
  EXPECT_EQ(DockerErrorMessage(""), "");
}

TEST(DockerJson, RequestBodiesCarryTheSpecAndSurviveBadUtf8) {
  ContainerSpec spec;
  spec.image = "sha256:abc";
  spec.command = {"sh", "-c", "echo \xff"};
  spec.env = {"A=1"};
  spec.memory_bytes = 1 << 20;
  spec.cap_add = {"KILL"};
  nlohmann::json body = nlohmann::json::parse(ContainerCreateBody(spec));
  EXPECT_EQ(body["Image"], "sha256:abc");
  EXPECT_EQ(body["HostConfig"]["NetworkMode"], "none");
  EXPECT_EQ(body["HostConfig"]["MemorySwap"], 1 << 20);
  EXPECT_EQ(body["HostConfig"]["CapDrop"][0], "ALL");
  EXPECT_EQ(body["HostConfig"]["CapAdd"][0], "KILL");
  EXPECT_EQ(body["HostConfig"]["LogConfig"]["Type"], "none");
  EXPECT_FALSE(body["HostConfig"].contains("NanoCpus"));
  EXPECT_EQ(body["Cmd"][2], "echo \xef\xbf\xbd");  // U+FFFD
  ExecSpec exec;
  exec.command = {"true"};
  exec.user = "1000";
  nlohmann::json exec_body = nlohmann::json::parse(ExecCreateBody(exec));
  EXPECT_EQ(exec_body["User"], "1000");
  EXPECT_FALSE(exec_body.contains("WorkingDir"));
  EXPECT_EQ(StringMapJson({{"a", "1"}}), R"({"a":"1"})");
  EXPECT_EQ(LabelFilterJson("arena.agent=x"), R"({"label":["arena.agent=x"]})");
}

TEST(DockerJson, ReadsTheMainProcessAndHealthOfARunningContainer) {
  absl::StatusOr<ContainerState> state = ParseContainerInspect(R"({
    "State": {"Running": true, "OOMKilled": false, "ExitCode": 0, "Pid": 4242,
              "Health": {"Status": "starting", "FailingStreak": 1, "Log": []}},
    "Config": {"WorkingDir": ""}})");
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_EQ(state->pid, 4242);
  EXPECT_EQ(state->health, "starting");
  // No HEALTHCHECK: no Health (or null).
  state = ParseContainerInspect(
      R"({"State": {"Running": true, "OOMKilled": false, "ExitCode": 0, "Health": null}})");
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_EQ(state->health, "");
  EXPECT_EQ(state->pid, 0);
  EXPECT_FALSE(ParseContainerInspect(
                   R"({"State": {"Running": true, "OOMKilled": false, "ExitCode": 0, "Pid": "x"}})")
                   .ok());
  EXPECT_FALSE(
      ParseContainerInspect(
          R"({"State": {"Running": true, "OOMKilled": false, "ExitCode": 0, "Health": 3}})")
          .ok());
}

TEST(DockerJson, AServiceContainerNamesItsHostsAndMayKeepTheImageCommand) {
  ContainerSpec spec;
  spec.image = "sha256:abc";
  spec.extra_hosts = {"db:127.0.0.1", "web:127.0.0.1"};
  nlohmann::json body = nlohmann::json::parse(ContainerCreateBody(spec));
  EXPECT_EQ(body["HostConfig"]["ExtraHosts"][1], "web:127.0.0.1");
  EXPECT_FALSE(body.contains("Cmd"));  // the image's own CMD runs
  spec.extra_hosts.clear();
  spec.network_mode = "container:4fa6e0f0c678";
  body = nlohmann::json::parse(ContainerCreateBody(spec));
  EXPECT_FALSE(body["HostConfig"].contains("ExtraHosts"));
  EXPECT_EQ(body["HostConfig"]["NetworkMode"], "container:4fa6e0f0c678");
}

}  // namespace
}  // namespace arena
