// arena-hollow: many agents in one process for the scale benchmarks. Each
// hollow agent enrolls with a real join token (its own key and CSR), keeps
// its own mTLS connection and Connect stream (the real protocol), and
// finishes every task it is assigned at once: exit 0, no log. Optionally a
// submitter thread feeds test-queue jobs and the tool reports tests recorded
// per second. With --batch the jobs' test command takes "{tests}": a run
// holds as many tests as the controller batches, and the hollow agent
// reports each by its own row in a JUnit file, as a real runner would; a
// batch of N tests counts N. --rounds submits the same jobs again after
// each round (the second and later have the first's history).
//
//   arena-hollow --controller HOST:PORT --ca-file CA --join-token T --agents N
//                [--slots 4] [--idle 30s] [--jobs J --tests T --token API_TOKEN
//                [--batch] [--rounds R]]
//
// Prints one "key=value ..." line per phase on stdout.
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "arena/v1/agent.grpc.pb.h"
#include "arena/v1/jobs.grpc.pb.h"
#include "common/files.h"
#include "common/flags.h"
#include "common/tls.h"

namespace arena {
namespace {

std::atomic<int64_t> g_recorded{0};  // tests whose result is durable
std::atomic<int64_t> g_runs{0};      // runs (a batch is one) recorded
constexpr char kJUnitPath[] = "hollow.xml";

// The JUnit report a runner would write for the tests of ARENA_TESTS (one
// id per line): one passing row per test, named by its id.
std::string JUnitFor(const std::string& tests) {
  std::string xml = "<testsuite name=\"hollow\">";
  for (absl::string_view id : absl::StrSplit(tests, '\n', absl::SkipEmpty())) {
    absl::StrAppend(&xml, "<testcase name=\"", id, "\" time=\"0\"/>");
  }
  absl::StrAppend(&xml, "</testsuite>");
  return xml;
}

struct Identity {
  std::string id;
  std::string key_pem;
  std::string cert_pem;
};

absl::StatusOr<Identity> Enroll(v1::AgentService::Stub* stub, const std::string& token, int n) {
  Identity identity;
  absl::StatusOr<std::string> key = GeneratePrivateKeyPem();
  if (!key.ok()) return key.status();
  absl::StatusOr<std::string> csr = CreateCsr(*key, absl::StrCat("hollow-", n));
  if (!csr.ok()) return csr.status();
  v1::EnrollRequest request;
  request.set_join_token(token);
  request.set_csr_pem(*csr);
  request.set_hostname(absl::StrCat("hollow-", n));
  v1::EnrollResponse response;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  grpc::Status status = stub->Enroll(&context, request, &response);
  if (!status.ok()) return absl::UnavailableError(status.error_message());
  identity.id = response.agent_id();
  identity.key_pem = *key;
  identity.cert_pem = response.certificate_pem();
  return identity;
}

// One agent's stream: writes go out one at a time, in order.
class HollowAgent final : public grpc::ClientBidiReactor<v1::AgentMessage, v1::ControllerMessage> {
 public:
  HollowAgent(const std::string& controller, const std::string& ca, const Identity& identity,
              int slots)
      : slots_(slots) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = ca;
    ssl.pem_private_key = identity.key_pem;
    ssl.pem_cert_chain = identity.cert_pem;
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // a connection per agent
    channel_ = grpc::CreateCustomChannel(controller, grpc::SslCredentials(ssl), args);
    stub_ = v1::AgentService::NewStub(channel_);
  }

  void Start() {
    v1::AgentMessage hello;
    hello.mutable_hello()->set_version("hollow");
    hello.mutable_hello()->set_hostname("hollow");
    hello.mutable_hello()->add_platforms()->set_arch("amd64");
    hello.mutable_hello()->set_slots(slots_);
    hello.mutable_hello()->set_credits(slots_);
    (*hello.mutable_hello()->mutable_labels())["pool"] = "hollow";
    stub_->async()->Connect(&context_, this);
    StartRead(&in_);
    Send(std::move(hello));
    StartCall();
  }

  void Heartbeat() {
    v1::AgentMessage beat;
    beat.mutable_heartbeat()->set_unix_ms(absl::ToUnixMillis(absl::Now()));
    Send(std::move(beat));
  }

  void Stop() { context_.TryCancel(); }

  void WaitDone() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(&done_));
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;
    if (in_.has_assign()) {
      Finish(in_.assign());
    } else if (in_.has_log_ack() && in_.log_ack().result_recorded()) {
      int64_t tests = 1;
      {
        absl::MutexLock lock(&mu_);
        auto it = tests_.find(in_.log_ack().attempt_id());
        if (it != tests_.end()) {
          tests = it->second;
          tests_.erase(it);
        }
      }
      g_recorded += tests;
      ++g_runs;
      v1::AgentMessage grant;
      grant.mutable_grant()->set_credits(1);
      Send(std::move(grant));
    }
    StartRead(&in_);
  }

  void OnWriteDone(bool ok) override {
    absl::MutexLock lock(&mu_);
    out_.pop_front();
    if (ok && !out_.empty()) {
      StartWrite(&out_.front());
    } else {
      writing_ = false;
    }
  }

  void OnDone(const grpc::Status& status) override {
    absl::MutexLock lock(&mu_);
    done_ = true;
  }

 private:
  // Started, and exit 0 at once, as a real agent reports them (its own
  // clock); a batch first sends its JUnit report, a row per test.
  void Finish(const v1::Assign& assign) {
    v1::AgentMessage started;
    started.mutable_event()->set_attempt_id(assign.attempt_id());
    started.mutable_event()->set_kind(v1::TASK_EVENT_STARTED);
    started.mutable_event()->set_unix_ms(absl::ToUnixMillis(absl::Now()));
    Send(std::move(started));
    v1::AgentMessage exited;
    v1::TaskEvent* event = exited.mutable_event();
    auto tests = assign.env().find("ARENA_TESTS");
    if (tests != assign.env().end()) {
      v1::AgentMessage file;
      file.mutable_file()->set_attempt_id(assign.attempt_id());
      file.mutable_file()->set_path(kJUnitPath);
      file.mutable_file()->set_kind(v1::FILE_KIND_JUNIT);
      file.mutable_file()->set_data(JUnitFor(tests->second));
      v1::FileInfo* info = event->add_files();
      info->set_path(kJUnitPath);
      info->set_kind(v1::FILE_KIND_JUNIT);
      info->set_size(static_cast<int64_t>(file.file().data().size()));
      {
        absl::MutexLock lock(&mu_);
        tests_[assign.attempt_id()] =
            1 + std::count(tests->second.begin(), tests->second.end(), '\n');
      }
      Send(std::move(file));
    }
    event->set_attempt_id(assign.attempt_id());
    event->set_kind(v1::TASK_EVENT_EXITED);
    event->set_exit_code(0);
    event->set_unix_ms(absl::ToUnixMillis(absl::Now()));
    Send(std::move(exited));
  }

  void Send(v1::AgentMessage message) {
    absl::MutexLock lock(&mu_);
    if (done_) return;
    out_.push_back(std::move(message));
    if (!writing_) {
      writing_ = true;
      StartWrite(&out_.front());
    }
  }

  const int slots_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::AgentService::Stub> stub_;
  grpc::ClientContext context_;
  v1::ControllerMessage in_;
  absl::Mutex mu_;
  std::deque<v1::AgentMessage> out_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  std::map<std::string, int64_t> tests_ ABSL_GUARDED_BY(mu_);  // a batch's size, by attempt
};

struct Load {
  int jobs = 0;
  int tests = 0;
  bool batch = false;
  int round = 1;
};

// Submits the load's jobs and waits (at most 10 minutes) until each of
// their tests is recorded; prints one "phase=throughput" line.
bool RunLoad(v1::JobService::Stub* jobs_stub, const std::string& token, const Load& load,
             int agents, int slots) {
  const int64_t want = static_cast<int64_t>(load.jobs) * load.tests;
  const int64_t before = g_recorded.load();
  const int64_t runs_before = g_runs.load();
  absl::Time t0 = absl::Now();
  for (int j = 0; j < load.jobs; ++j) {
    v1::SubmitJobRequest request;
    v1::JobSpec* job = request.mutable_spec();
    job->set_image("hollow");
    job->set_test_command(load.batch ? "true {tests}" : "true {test}");
    if (load.batch) job->add_junit(kJUnitPath);
    (*job->mutable_required_labels())["pool"] = "hollow";
    for (int t = 0; t < load.tests; ++t) job->add_tests(absl::StrCat("t", j, "_", t));
    v1::Job created;
    grpc::ClientContext context;
    context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
    grpc::Status status = jobs_stub->SubmitJob(&context, request, &created);
    if (!status.ok()) {
      std::fprintf(stderr, "arena-hollow: submit: %s\n", status.error_message().c_str());
      return false;
    }
  }
  double submit_seconds = absl::ToDoubleSeconds(absl::Now() - t0);
  absl::Time deadline = absl::Now() + absl::Minutes(10);
  while (g_recorded.load() - before < want && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  double seconds = absl::ToDoubleSeconds(absl::Now() - t0);
  int64_t done = g_recorded.load() - before;
  std::printf(
      "phase=throughput agents=%d slots=%d batch=%d round=%d tasks=%lld runs=%lld seconds=%.2f "
      "submit_seconds=%.2f tasks_per_second=%.0f\n",
      agents, slots, load.batch ? 1 : 0, load.round, static_cast<long long>(done),
      static_cast<long long>(g_runs.load() - runs_before), seconds, submit_seconds,
      static_cast<double>(done) / seconds);
  std::fflush(stdout);
  return done >= want;
}

int Main(int argc, char** argv) {
  FlagSpec spec;
  spec.value_flags = {"controller", "ca-file", "join-token", "agents", "slots",
                      "idle",       "jobs",    "tests",      "token",  "rounds"};
  spec.bool_flags = {"batch"};
  absl::StatusOr<ParsedFlags> flags =
      ParseFlags(spec, std::vector<std::string>(argv + 1, argv + argc));
  if (!flags.ok()) {
    std::fprintf(stderr, "arena-hollow: %s\n", std::string(flags.status().message()).c_str());
    return 2;
  }
  int agents = 0, slots = 4, jobs = 0, tests = 0, rounds = 1;
  const bool batch = flags->Has("batch");
  absl::Duration idle = absl::ZeroDuration();
  if (!absl::SimpleAtoi(flags->Get("agents", "0"), &agents) || agents < 1 ||
      !absl::SimpleAtoi(flags->Get("slots", "4"), &slots) ||
      !absl::SimpleAtoi(flags->Get("jobs", "0"), &jobs) ||
      !absl::SimpleAtoi(flags->Get("tests", "0"), &tests) ||
      !absl::SimpleAtoi(flags->Get("rounds", "1"), &rounds) || rounds < 1 || rounds > 10 ||
      (flags->Has("idle") && !absl::ParseDuration(flags->Get("idle"), &idle))) {
    std::fprintf(stderr, "arena-hollow: bad --agents/--slots/--jobs/--tests/--rounds/--idle\n");
    return 2;
  }
  absl::StatusOr<std::string> ca = ReadFile(flags->Get("ca-file"));
  if (!ca.ok()) {
    std::fprintf(stderr, "arena-hollow: cannot read --ca-file\n");
    return 2;
  }
  const std::string controller = flags->Get("controller");

  // Enroll (in parallel, 4 threads), then connect every agent.
  absl::Time t0 = absl::Now();
  std::vector<Identity> identities(static_cast<size_t>(agents));
  std::atomic<int> next{0};
  std::atomic<int> failed{0};
  std::vector<std::thread> enrollers;
  for (int w = 0; w < 4; ++w) {
    enrollers.emplace_back([&] {
      grpc::SslCredentialsOptions ssl;
      ssl.pem_root_certs = *ca;
      auto stub =
          v1::AgentService::NewStub(grpc::CreateChannel(controller, grpc::SslCredentials(ssl)));
      for (int i = next++; i < agents; i = next++) {
        absl::StatusOr<Identity> identity = Enroll(stub.get(), flags->Get("join-token"), i);
        if (identity.ok()) {
          identities[static_cast<size_t>(i)] = *identity;
        } else if (failed++ == 0) {
          std::fprintf(stderr, "arena-hollow: enroll: %s\n",
                       std::string(identity.status().message()).c_str());
        }
      }
    });
  }
  for (std::thread& t : enrollers) t.join();
  if (failed > 0) return 1;
  std::printf("phase=enroll agents=%d seconds=%.1f\n", agents,
              absl::ToDoubleSeconds(absl::Now() - t0));
  std::fflush(stdout);

  grpc::SslCredentialsOptions api_ssl;
  api_ssl.pem_root_certs = *ca;
  auto jobs_stub =
      v1::JobService::NewStub(grpc::CreateChannel(controller, grpc::SslCredentials(api_ssl)));
  // Connected agents as the controller sees them.
  auto connected = [&]() {
    v1::ListAgentsResponse response;
    grpc::ClientContext context;
    context.AddMetadata("authorization", absl::StrCat("Bearer ", flags->Get("token")));
    if (!jobs_stub->ListAgents(&context, v1::ListAgentsRequest(), &response).ok()) return -1;
    int n = 0;
    for (const v1::AgentInfo& a : response.agents()) n += a.connected() ? 1 : 0;
    return n;
  };
  t0 = absl::Now();
  std::vector<std::unique_ptr<HollowAgent>> hollow;
  for (const Identity& identity : identities) {
    hollow.push_back(std::make_unique<HollowAgent>(controller, *ca, identity, slots));
    hollow.back()->Start();
  }
  absl::Time deadline = absl::Now() + absl::Minutes(5);
  int online = 0;
  while ((online = connected()) < agents && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(200));
  }
  std::printf("phase=connect agents=%d connected=%d seconds=%.1f\n", agents, online,
              absl::ToDoubleSeconds(absl::Now() - t0));
  std::fflush(stdout);

  // Heartbeats every 10 s, spread over the interval.
  std::atomic<bool> stop{false};
  std::thread beater([&] {
    size_t i = 0;
    absl::Duration gap = absl::Seconds(10) / std::max<size_t>(1, hollow.size());
    while (!stop) {
      hollow[i % hollow.size()]->Heartbeat();
      ++i;
      absl::SleepFor(gap);
    }
  });

  if (idle > absl::ZeroDuration()) {
    std::printf("phase=idle agents=%d seconds=%.0f\n", agents, absl::ToDoubleSeconds(idle));
    std::fflush(stdout);
    absl::SleepFor(idle);
  }

  for (int round = 1; round <= rounds && jobs > 0 && tests > 0; ++round) {
    Load load{jobs, tests, batch, round};
    if (!RunLoad(jobs_stub.get(), flags->Get("token"), load, agents, slots)) return 1;
  }
  stop = true;
  beater.join();
  for (auto& h : hollow) h->Stop();
  for (auto& h : hollow) h->WaitDone();
  return 0;
}

}  // namespace
}  // namespace arena

int main(int argc, char** argv) { return arena::Main(argc, argv); }
