// DockerClient's HTTP handling against recorded Engine API answers served
// on a unix socket in a temp dir: one scripted answer per connection, bytes
// exactly as written (chunked, truncated, malformed or none). The real
// dockerd tests (integration.*) stay as they are.
#include "agent/executor/docker_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "tests/unit/test_dir.h"

namespace arena {
namespace {

using ::testing::HasSubstr;

// Serves `answers` on a unix socket, one per accepted connection, and keeps
// each request's head. Every wait it makes is bounded, so a client that
// never comes or never sends ends the thread rather than the test run.
// With `hold_open`, each connection stays open after its answer until the
// client closes it (a daemon that stalls), for at most 20 s.
class RecordedDockerd {
 public:
  RecordedDockerd(const std::string& path, std::vector<std::string> answers, bool hold_open = false)
      : answers_(std::move(answers)), hold_open_(hold_open) {
    listener_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path.c_str());
    bound_ = listener_ >= 0 &&
             bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
             listen(listener_, 8) == 0;
    if (bound_) thread_ = std::thread([this] { Serve(); });
  }
  ~RecordedDockerd() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (listener_ >= 0) close(listener_);
  }
  bool bound() const { return bound_; }
  // The request lines ("GET /v1.41/... HTTP/1.1") and heads seen so far.
  std::vector<std::string> request_lines() const {
    absl::MutexLock lock(&mu_);
    return request_lines_;
  }
  std::vector<std::string> heads() const {
    absl::MutexLock lock(&mu_);
    return heads_;
  }

 private:
  // True when `fd` is readable within `timeout` (or the server stops).
  bool Readable(int fd, absl::Duration timeout) {
    absl::Time deadline = absl::Now() + timeout;
    while (!stop_ && absl::Now() < deadline) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 50) > 0) return true;
    }
    return false;
  }
  void Serve() {
    for (const std::string& answer : answers_) {
      if (!Readable(listener_, absl::Seconds(20))) return;
      int conn = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (conn < 0) return;
      ReadRequest(conn);
      size_t sent = 0;
      while (sent < answer.size()) {
        ssize_t n = send(conn, answer.data() + sent, answer.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) break;
        sent += static_cast<size_t>(n);
      }
      char byte;
      if (hold_open_ && Readable(conn, absl::Seconds(20))) (void)recv(conn, &byte, 1, 0);
      close(conn);
    }
  }
  // Reads the head and a Content-Length body, if any (the client sends
  // nothing more before it reads the answer).
  void ReadRequest(int conn) {
    std::string data;
    char buf[4096];
    size_t head_end = std::string::npos;
    size_t want = 0;
    while (Readable(conn, absl::Seconds(10))) {
      ssize_t n = recv(conn, buf, sizeof(buf), 0);
      if (n <= 0) break;
      data.append(buf, static_cast<size_t>(n));
      if (head_end == std::string::npos &&
          (head_end = data.find("\r\n\r\n")) != std::string::npos) {
        size_t at = data.find("Content-Length: ");
        want = at < head_end ? std::stoul(data.substr(at + 16)) : 0;
      }
      if (head_end != std::string::npos && data.size() >= head_end + 4 + want) break;
    }
    absl::MutexLock lock(&mu_);
    request_lines_.push_back(data.substr(0, data.find("\r\n")));
    heads_.push_back(data.substr(0, head_end));
  }

  const std::vector<std::string> answers_;
  const bool hold_open_;
  int listener_ = -1;
  bool bound_ = false;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable absl::Mutex mu_;
  std::vector<std::string> request_lines_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> heads_ ABSL_GUARDED_BY(mu_);
};

// An answer with a Content-Length body.
std::string Answer(int code, absl::string_view reason, absl::string_view body,
                   absl::string_view extra_headers = "") {
  return absl::StrCat("HTTP/1.1 ", code, " ", reason, "\r\nContent-Type: application/json\r\n",
                      extra_headers, "Content-Length: ", body.size(), "\r\n\r\n", body);
}

// The same body in chunks of `piece` bytes.
std::string ChunkedAnswer(absl::string_view body, size_t piece) {
  std::string out =
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (size_t at = 0; at < body.size(); at += piece) {
    absl::string_view chunk = body.substr(at, piece);
    absl::StrAppend(&out, absl::Hex(chunk.size()), "\r\n", chunk, "\r\n");
  }
  return out + "0\r\n\r\n";
}

// Recorded from dockerd 20.10 (trimmed).
constexpr char kInspect[] = R"({"Id":"4fa6e0f0c678","Path":"sh",)"
                            R"("State":{"Status":"exited","Running":false,"OOMKilled":false,)"
                            R"("Dead":false,"Pid":0,"ExitCode":3,"Error":""},)"
                            R"("Config":{"WorkingDir":"/workspace"}})";
constexpr char kNoSuchContainer[] = R"({"message":"No such container: 4fa6e0f0c678"})"
                                    "\n";

class DockerClientTest : public ::testing::Test {
 protected:
  void Serve(std::vector<std::string> answers, bool hold_open = false) {
    dockerd_ = std::make_unique<RecordedDockerd>(socket_, std::move(answers), hold_open);
    ASSERT_TRUE(dockerd_->bound());
  }
  TestDir dir_;
  const std::string socket_ = dir_.File("docker.sock");
  DockerClient client_{socket_};
  std::unique_ptr<RecordedDockerd> dockerd_;
};

TEST_F(DockerClientTest, ConnectTakesTheDaemonsApiVersionFromPingAndUsesItInPaths) {
  Serve({Answer(200, "OK", "OK", "Api-Version: 1.40\r\n"), Answer(200, "OK", kInspect)});
  ASSERT_TRUE(client_.Connect().ok());
  EXPECT_EQ(client_.api_version(), "1.40");
  absl::StatusOr<ContainerState> state = client_.InspectState("4fa6e0f0c678");
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_EQ(state->exit_code, 3);
  EXPECT_FALSE(state->running);
  EXPECT_EQ(state->working_dir, "/workspace");
  EXPECT_THAT(dockerd_->request_lines(),
              ::testing::ElementsAre("GET /_ping HTTP/1.1",
                                     "GET /v1.40/containers/4fa6e0f0c678/json HTTP/1.1"));
}

TEST_F(DockerClientTest, ANewerDaemonIsSpokenToAt141AndOneWithoutAHeaderIsAskedForItsVersion) {
  Serve({Answer(200, "OK", "OK", "Api-Version: 1.45\r\n"),
         "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK",
         Answer(200, "OK", R"({"Version":"19.03.1","ApiVersion":"1.39"})")});
  ASSERT_TRUE(client_.Connect().ok());
  EXPECT_EQ(client_.api_version(), "1.41");
  DockerClient other(socket_);
  ASSERT_TRUE(other.Connect().ok());
  EXPECT_EQ(other.api_version(), "1.39");
  EXPECT_EQ(dockerd_->request_lines().back(), "GET /version HTTP/1.1");
}

TEST_F(DockerClientTest, AChunkedAnswerIsReassembled) {
  std::string list = R"([{"Id":"sha256:aaa","RepoTags":["busybox:latest","busybox:1.36"]},)"
                     R"({"Id":"sha256:bbb","RepoTags":["<none>:<none>"]}])";
  Serve({ChunkedAnswer(list, 7)});
  absl::StatusOr<std::vector<std::string>> tags = client_.ListImageTags();
  ASSERT_TRUE(tags.ok()) << tags.status();
  EXPECT_THAT(*tags, ::testing::ElementsAre("busybox:latest", "busybox:1.36"));
}

TEST_F(DockerClientTest, AStreamedChunkedAnswerReachesTheSinkWholeAndInOrder) {
  std::string progress;
  for (int i = 0; i < 200; ++i) absl::StrAppend(&progress, R"({"status":"Downloading ")", i, "}\n");
  Serve({ChunkedAnswer(progress, 333)});
  std::string seen;
  PullRequest pull;
  pull.name = "busybox";
  pull.tag = "latest";
  absl::Status status = client_.PullImage(pull, [&](absl::string_view bytes) {
    seen.append(bytes.data(), bytes.size());
    return true;
  });
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(seen, progress);
  EXPECT_EQ(dockerd_->request_lines()[0],
            "POST /v1.41/images/create?fromImage=busybox&tag=latest HTTP/1.1");
}

TEST_F(DockerClientTest, ErrorStatusesBecomeTheMatchingStatusWithDockerdsMessage) {
  Serve({Answer(404, "Not Found", kNoSuchContainer),
         Answer(409, "Conflict",
                R"({"message":"conflict: unable to remove repository reference \"busybox\""})"),
         Answer(400, "Bad Request", R"({"message":"invalid reference format"})"),
         Answer(500, "Internal Server Error", R"({"message":"driver failed"})"),
         Answer(502, "Bad Gateway", "upstream said no\r\n")});
  absl::Status missing = client_.InspectState("4fa6e0f0c678").status();
  EXPECT_TRUE(absl::IsNotFound(missing)) << missing;
  EXPECT_EQ(missing.message(), "inspect container: No such container: 4fa6e0f0c678");
  absl::Status conflict = client_.RemoveImage("busybox");
  EXPECT_TRUE(absl::IsFailedPrecondition(conflict)) << conflict;
  EXPECT_THAT(conflict.message(), HasSubstr("unable to remove repository reference \"busybox\""));
  absl::Status bad = client_.StartContainer("x");
  EXPECT_TRUE(absl::IsInvalidArgument(bad)) << bad;
  EXPECT_EQ(bad.message(), "start container: invalid reference format");
  absl::Status internal = client_.StopContainer("x", 1);
  EXPECT_TRUE(absl::IsInternal(internal)) << internal;
  EXPECT_EQ(internal.message(), "stop container: driver failed (HTTP 500)");
  // A body that is not dockerd's JSON is passed on as text.
  absl::Status proxy = client_.RemoveContainer("x");
  EXPECT_TRUE(absl::IsInternal(proxy)) << proxy;
  EXPECT_EQ(proxy.message(), "remove container: upstream said no (HTTP 502)");
}

TEST_F(DockerClientTest, APullRefusedWithHttpErrorCarriesDockerdsMessage) {
  Serve({Answer(404, "Not Found",
                R"({"message":"pull access denied for nosuch, repository does not exist"})"),
         Answer(500, "Internal Server Error", R"({"message":"registry unreachable"})")});
  PullRequest pull;
  pull.name = "nosuch";
  pull.tag = "latest";
  bool streamed = false;
  auto progress = [&](absl::string_view) { return streamed = true; };
  absl::Status denied = client_.PullImage(pull, progress);
  EXPECT_EQ(denied.message(), "pull access denied for nosuch, repository does not exist");
  absl::Status failed = client_.PullImage(pull, progress);
  EXPECT_EQ(failed.message(), "registry unreachable (HTTP 500)");
  EXPECT_FALSE(streamed) << "an error body is not progress";
}

TEST_F(DockerClientTest, MalformedJsonInAGoodAnswerIsAnErrorNotACrash) {
  Serve({Answer(200, "OK", R"({"State":{"Running":"yes"}})"), Answer(200, "OK", "{\"State\":"),
         Answer(200, "OK", "<html>not docker</html>"), Answer(200, "OK", R"({"Id":"a"})"),
         // Cut inside the headers: curl takes what came as a whole answer
         // with an empty body, so only the parser sees that it is wrong.
         "HTTP/1.1 200 OK\r\nContent-Le"});
  for (int i = 0; i < 5; ++i) {
    absl::StatusOr<ContainerState> state = client_.InspectState("c");
    EXPECT_FALSE(state.ok()) << i;
    EXPECT_THAT(state.status().message(), HasSubstr("inspect container")) << i;
  }
}

TEST_F(DockerClientTest, ATruncatedOrGarbledAnswerOrAClosedConnectionIsUnavailable) {
  std::string body = kInspect;
  std::string cut_chunked = ChunkedAnswer(body, 16);
  cut_chunked.resize(cut_chunked.size() / 2);
  Serve({
      // Content-Length promises more than arrives.
      absl::StrCat("HTTP/1.1 200 OK\r\nContent-Length: ", body.size() + 100, "\r\n\r\n", body),
      cut_chunked,                                                    // the stream stops mid-chunk
      "",                                                             // closed without a word
      "this is not HTTP\r\n\r\n",                                     // garbage status line
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",  // a bad chunk size
  });
  for (int i = 0; i < 5; ++i) {
    absl::Time start = absl::Now();
    absl::StatusOr<ContainerState> state = client_.InspectState("4fa6e0f0c678");
    EXPECT_TRUE(absl::IsUnavailable(state.status())) << i << ": " << state.status();
    EXPECT_LT(absl::Now() - start, absl::Seconds(10)) << i << ": waited for a timeout";
  }
  EXPECT_EQ(dockerd_->request_lines().size(), 5u);
}

TEST_F(DockerClientTest, APullWhoseAnswerStallsIsUnavailableAfterTheStallTimeout) {
  Serve({"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
         "15\r\n{\"status\":\"Pulling\"}\n\r\n"},
        /*hold_open=*/true);
  PullRequest pull;
  pull.name = "busybox";
  pull.tag = "latest";
  pull.stall_timeout = absl::Seconds(1);
  pull.timeout = absl::Seconds(60);
  std::string seen;
  absl::Time start = absl::Now();
  absl::Status status = client_.PullImage(pull, [&](absl::string_view bytes) {
    seen.append(bytes.data(), bytes.size());
    return true;
  });
  EXPECT_TRUE(absl::IsUnavailable(status)) << status;
  EXPECT_THAT(status.message(), HasSubstr("stalled"));
  EXPECT_EQ(seen, "{\"status\":\"Pulling\"}\n");
  EXPECT_LT(absl::Now() - start, absl::Seconds(20)) << "the whole timeout, not the stall";
}

TEST_F(DockerClientTest, NoSocketIsUnavailableAtOnceEvenWithAWait) {
  absl::Time start = absl::Now();
  absl::Status status = client_.Connect(absl::Seconds(30));
  EXPECT_TRUE(absl::IsUnavailable(status)) << status;
  EXPECT_THAT(status.message(), HasSubstr("not reachable"));
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
  EXPECT_FALSE(client_.Ping());
}

TEST_F(DockerClientTest, RequestBodiesAndRegistryAuthGoOutAsGiven) {
  Serve({Answer(201, "Created", R"({"Id":"e0","Warnings":[]})"),
         Answer(200, "OK", R"([{"Platform":{"architecture":"arm64","os":"linux"}}])")});
  ExecSpec exec;
  exec.command = {"sh", "-c", "true"};
  absl::StatusOr<std::string> id = client_.CreateExec("c1", exec);
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(*id, "e0");
  client_.RegistryPlatforms("busybox", "c2VjcmV0").IgnoreError();
  std::vector<std::string> heads = dockerd_->heads();
  ASSERT_EQ(heads.size(), 2u);
  EXPECT_THAT(heads[0], HasSubstr("POST /v1.41/containers/c1/exec HTTP/1.1"));
  EXPECT_THAT(heads[0], HasSubstr("Content-Type: application/json"));
  EXPECT_THAT(heads[1], HasSubstr("X-Registry-Auth: c2VjcmV0"));
}

}  // namespace
}  // namespace arena
