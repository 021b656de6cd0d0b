#include "controller/spec/services.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/service_probe.h"
#include "controller/spec/job_spec.h"

namespace arena {
namespace {

using ::testing::HasSubstr;

SpecPolicy Options() { return {"default-image", "amd64"}; }

v1::JobSpec WithService(const std::string& name, const std::string& image) {
  v1::JobSpec spec;
  spec.add_command("true");
  v1::Service* service = spec.add_services();
  service->set_name(name);
  service->set_image(image);
  return spec;
}

std::string Refusal(const v1::JobSpec& spec, const SpecPolicy& policy = Options()) {
  absl::StatusOr<v1::JobSpec> valid = ValidateJobSpec(spec, policy);
  EXPECT_FALSE(valid.ok());
  EXPECT_TRUE(absl::IsInvalidArgument(valid.status())) << valid.status();
  return std::string(valid.status().message());
}

TEST(Services, AValidServiceGetsTheDefaultReadyTimeout) {
  v1::JobSpec spec = WithService("db", "postgres:15");
  spec.mutable_services(0)->mutable_ready()->set_tcp(5432);
  absl::StatusOr<v1::JobSpec> valid = ValidateJobSpec(spec, Options());
  ASSERT_TRUE(valid.ok()) << valid.status();
  EXPECT_EQ(valid->services(0).ready_timeout_ms(), 60000);
  EXPECT_EQ(valid->services(0).ready().tcp(), 5432);
}

TEST(Services, RefusesBadNamesDuplicatesAndTooMany) {
  EXPECT_THAT(Refusal(WithService("Bad_Name", "img")), HasSubstr("service name \"Bad_Name\""));
  EXPECT_THAT(Refusal(WithService("localhost", "img")), HasSubstr("not localhost"));
  EXPECT_THAT(Refusal(WithService("-db", "img")), HasSubstr("inner hyphens"));
  v1::JobSpec twice = WithService("db", "img");
  *twice.add_services() = twice.services(0);
  EXPECT_THAT(Refusal(twice), HasSubstr("service name db is used twice"));
  v1::JobSpec many = WithService("s0", "img");
  for (int i = 1; i < 9; ++i) {
    v1::Service* s = many.add_services();
    s->set_name("s" + std::to_string(i));
    s->set_image("img");
  }
  EXPECT_THAT(Refusal(many), HasSubstr("at most 8 services"));
}

TEST(Services, RefusesBadImagesProbesTimeoutsAndEnvironment) {
  EXPECT_THAT(Refusal(WithService("db", "")), HasSubstr("service db: image is required"));
  EXPECT_THAT(Refusal(WithService("db", "a b")), HasSubstr("must not hold spaces"));
  v1::JobSpec spec = WithService("db", "img");
  spec.mutable_services(0)->mutable_ready()->set_tcp(0);
  EXPECT_THAT(Refusal(spec), HasSubstr("service db: ready tcp port must be 1 to 65535"));
  spec.mutable_services(0)->mutable_ready()->set_http("x/health");
  EXPECT_THAT(Refusal(spec), HasSubstr("PORT or PORT/PATH"));
  spec.mutable_services(0)->mutable_ready()->set_exec("");
  EXPECT_THAT(Refusal(spec), HasSubstr("ready exec must be a shell command"));
  spec.mutable_services(0)->mutable_ready()->set_tcp(80);
  spec.mutable_services(0)->set_ready_timeout_ms(2 * 3600 * 1000);
  EXPECT_THAT(Refusal(spec), HasSubstr("ready_timeout must be between 1ms and 1h"));
  spec.mutable_services(0)->set_ready_timeout_ms(0);
  (*spec.mutable_services(0)->mutable_env())["1BAD"] = "x";
  EXPECT_THAT(Refusal(spec), HasSubstr("invalid environment variable name \"1BAD\""));
  v1::JobSpec preset = WithService("db", "img");
  preset.mutable_services(0)->set_pull_policy("always");
  EXPECT_THAT(Refusal(preset), HasSubstr("pull_policy is set by the controller"));
}

TEST(Services, NeedTheDockerExecutor) {
  v1::JobSpec spec = WithService("db", "img");
  spec.set_executor("process");
  EXPECT_THAT(Refusal(spec), HasSubstr("services need the docker executor"));
}

TEST(Services, ImagesAreHeldToThePullPolicy) {
  SpecPolicy policy = Options();
  policy.allowed_pull_policies = {"never", "if-not-present"};
  // A registry name without a tag defaults to "always".
  v1::JobSpec spec = WithService("db", "registry.example/db");
  EXPECT_THAT(Refusal(spec, policy), HasSubstr("service db: policy: pull policy \"always\""));
  spec.mutable_services(0)->set_image("registry.example/db:15");
  EXPECT_TRUE(ValidateJobSpec(spec, policy).ok());
}

TEST(Services, ImageForArchReplacesTheArchitecture) {
  v1::Service service;
  service.set_image("reg.example/app:{arch}-1");
  EXPECT_EQ(ServiceImageForArch(service, "arm64"), "reg.example/app:arm64-1");
}

TEST(ServiceProbe, NamesAndHttpTargets) {
  EXPECT_TRUE(ValidServiceName("db"));
  EXPECT_TRUE(ValidServiceName("my-db-2"));
  EXPECT_FALSE(ValidServiceName(""));
  EXPECT_FALSE(ValidServiceName("db-"));
  EXPECT_FALSE(ValidServiceName("DB"));
  EXPECT_FALSE(ValidServiceName(std::string(64, 'a')));
  absl::StatusOr<HttpProbeTarget> target = ParseHttpProbe("8080/health?deep=1");
  ASSERT_TRUE(target.ok()) << target.status();
  EXPECT_EQ(target->port, 8080);
  EXPECT_EQ(target->path, "/health?deep=1");
  target = ParseHttpProbe("80");
  ASSERT_TRUE(target.ok());
  EXPECT_EQ(target->path, "/");
  EXPECT_FALSE(ParseHttpProbe("").ok());
  EXPECT_FALSE(ParseHttpProbe("+80").ok());
  EXPECT_FALSE(ParseHttpProbe("65536/").ok());
  EXPECT_FALSE(ParseHttpProbe("80/a b").ok());
  EXPECT_EQ(ServiceLogChannel("db"), "service:db");
}

}  // namespace
}  // namespace arena
