#include "controller/gateway/json_writer.h"

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "arena/v1/agent.pb.h"
#include "arena/v1/jobs.pb.h"
#include "arena/v1/results.pb.h"

namespace arena {
namespace {

std::string Ours(const google::protobuf::Message& message) {
  std::string out;
  AppendJson(message, &out);
  return out;
}

std::string Protobufs(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string out;
  EXPECT_TRUE(google::protobuf::util::MessageToJsonString(message, &out, options).ok());
  return out;
}

// Same JSON value as protobuf's own printer with the gateway's options.
void ExpectSameAsProtobuf(const google::protobuf::Message& message) {
  nlohmann::json ours = nlohmann::json::parse(Ours(message));
  nlohmann::json theirs = nlohmann::json::parse(Protobufs(message));
  EXPECT_EQ(ours, theirs) << "ours:   " << ours.dump() << "\ntheirs: " << theirs.dump();
}

TEST(JsonWriter, MatchesProtobufsMappingForAFullJob) {
  v1::Job job;
  job.set_id("job-1");
  job.set_state(v1::FAILED);
  job.set_reason("quote \" backslash \\ newline \n tab \t bell \x07 é 日本 🎉 <tag> \u2028");
  job.set_created_unix_ms(1780000000123);
  job.set_owner("ci");
  v1::JobSpec* spec = job.mutable_spec();
  spec->set_image("img:1");
  spec->add_command("sh");
  spec->add_command("-c");
  spec->add_architectures("amd64");
  spec->add_architectures("arm64");
  (*spec->mutable_env())["A"] = "1";
  (*spec->mutable_env())["B"] = "two words";
  (*spec->mutable_required_labels())["pool"] = "x";
  spec->set_timeout_ms(int64_t{1} << 40);
  spec->set_sealed_secrets(std::string("\x00\x01\xff\xfe binary", 11));
  spec->mutable_resources()->set_cpus(1.5);
  spec->mutable_resources()->set_memory_mb(2048);
  spec->set_retries(-3);
  v1::Task* task = job.add_tasks();
  task->set_id("task-1");
  task->set_arch("arm64");
  task->set_state(v1::TIMED_OUT);
  task->set_exit_code(-1);
  task->set_emulated(true);
  v1::Attempt* attempt = task->add_attempts();
  attempt->set_id("att-1");
  attempt->set_state(v1::PASSED);
  attempt->set_log_bytes(9007199254740993);  // past a double's precision
  job.add_tasks()->set_id("task-2");         // defaults everywhere
  ExpectSameAsProtobuf(job);
}

TEST(JsonWriter, MatchesProtobufForDefaultsOneofsBytesAndFloats) {
  ExpectSameAsProtobuf(v1::Job());  // unset message fields are left out
  v1::AgentMessage message;
  message.mutable_log()->set_attempt_id("att");
  message.mutable_log()->set_data(std::string("\x00log\xff", 5));
  ExpectSameAsProtobuf(message);  // only the oneof member that is set
  v1::FlakyTest flaky;
  for (double rate : {0.0, 0.1, 1.0 / 3.0, 2.0, 1e-7, 123456789.125}) {
    flaky.set_flake_rate(rate);
    ExpectSameAsProtobuf(flaky);
  }
}

TEST(JsonWriter, BytesThatAreNotUtf8BecomeReplacementCharacters) {
  v1::Job job;
  job.set_reason(std::string("ok \xff\xfe end \xe6\x97\x00", 13));  // invalid and truncated
  nlohmann::json parsed = nlohmann::json::parse(Ours(job));
  EXPECT_EQ(parsed["reason"].get<std::string>(),
            std::string("ok \uFFFD\uFFFD end \uFFFD\uFFFD\0", 21));
}

}  // namespace
}  // namespace arena
