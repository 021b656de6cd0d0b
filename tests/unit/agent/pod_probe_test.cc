#include "agent/executor/pod_probe.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/unit/test_dir.h"

namespace arena {
namespace {

using ::testing::HasSubstr;

// A listening socket on 127.0.0.1 in this process's namespace.
class Listener {
 public:
  Listener() {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    listen(fd_, 8);
    socklen_t size = sizeof(addr);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &size);
    port_ = ntohs(addr.sin_port);
  }
  ~Listener() { Close(); }
  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }
  int fd() const { return fd_; }
  int port() const { return port_; }
  // Accepts one connection, reads the request, writes `answer`.
  std::thread AnswerOnce(std::string answer) {
    return std::thread([this, answer] {
      int client = accept(fd_, nullptr, nullptr);
      if (client < 0) return;
      char buffer[1024];
      ssize_t n = recv(client, buffer, sizeof(buffer), 0);
      request_ = n > 0 ? std::string(buffer, static_cast<size_t>(n)) : "";
      if (!answer.empty()) send(client, answer.data(), answer.size(), MSG_NOSIGNAL);
      close(client);
    });
  }
  const std::string& request() const { return request_; }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::string request_;
};

TEST(PodProbe, TcpConnectsOnlyToAListeningPort) {
  Listener listener;
  EXPECT_TRUE(ProbeTcp(getpid(), listener.port(), absl::Seconds(2)).ok());
  int port = listener.port();
  listener.Close();
  absl::Status refused = ProbeTcp(getpid(), port, absl::Seconds(2));
  EXPECT_TRUE(absl::IsUnavailable(refused)) << refused;
  EXPECT_THAT(refused.message(), HasSubstr("refused"));
}

TEST(PodProbe, HttpWants2xxOr3xx) {
  Listener listener;
  std::thread ok = listener.AnswerOnce("HTTP/1.1 204 No Content\r\n\r\n");
  EXPECT_TRUE(ProbeHttp(getpid(), listener.port(), "/health?x=1", absl::Seconds(2)).ok());
  ok.join();
  EXPECT_THAT(listener.request(), HasSubstr("GET /health?x=1 HTTP/1.0\r\n"));
  std::thread redirect = listener.AnswerOnce("HTTP/1.0 302 Found\r\nLocation: /\r\n\r\n");
  EXPECT_TRUE(ProbeHttp(getpid(), listener.port(), "/", absl::Seconds(2)).ok());
  redirect.join();
  std::thread failing = listener.AnswerOnce("HTTP/1.1 503 Service Unavailable\r\n\r\n");
  absl::Status status = ProbeHttp(getpid(), listener.port(), "/", absl::Seconds(2));
  failing.join();
  EXPECT_THAT(status.message(), HasSubstr("HTTP 503"));
  std::thread garbage = listener.AnswerOnce("SSH-2.0-OpenSSH\r\n");
  status = ProbeHttp(getpid(), listener.port(), "/", absl::Seconds(2));
  garbage.join();
  EXPECT_THAT(status.message(), HasSubstr("not an HTTP answer"));
}

TEST(PodProbe, AServerThatNeverAnswersTimesOut) {
  Listener listener;  // accepts (backlog) but never reads or writes
  absl::Time start = absl::Now();
  absl::Status status = ProbeHttp(getpid(), listener.port(), "/", absl::Milliseconds(300));
  EXPECT_TRUE(absl::IsUnavailable(status)) << status;
  EXPECT_THAT(status.message(), HasSubstr("no answer in time"));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

TEST(PodProbe, ListensOnReadsTheNamespacesListeningSockets) {
  Listener listener;
  absl::StatusOr<bool> listening = ListensOn(getpid(), listener.port());
  ASSERT_TRUE(listening.ok()) << listening.status();
  EXPECT_TRUE(*listening);
  // An IPv6 wildcard listener (as many servers bind) counts too.
  int v6 = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(v6, 0);
  sockaddr_in6 addr{};
  addr.sin6_family = AF_INET6;
  addr.sin6_addr = in6addr_any;
  ASSERT_EQ(bind(v6, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(listen(v6, 4), 0);
  socklen_t size = sizeof(addr);
  getsockname(v6, reinterpret_cast<sockaddr*>(&addr), &size);
  int v6_port = ntohs(addr.sin6_port);
  EXPECT_TRUE(*ListensOn(getpid(), v6_port));
  close(v6);
  EXPECT_FALSE(*ListensOn(getpid(), v6_port));
  int port = listener.port();
  listener.Close();
  EXPECT_FALSE(*ListensOn(getpid(), port));
  EXPECT_TRUE(absl::IsFailedPrecondition(ListensOn(999999999, port).status()));
}

TEST(PodProbe, ANamespaceThatCannotBeJoinedIsAFailedPrecondition) {
  EXPECT_TRUE(absl::IsFailedPrecondition(ProbeTcp(0, 80, absl::Seconds(1))));
  absl::Status gone = ProbeHttp(999999999, 80, "/", absl::Seconds(1));
  EXPECT_TRUE(absl::IsFailedPrecondition(gone)) << gone;
  EXPECT_THAT(gone.message(), HasSubstr("cannot enter the pod's network namespace"));
  // TCP falls back to the process's socket table, which is gone too.
  EXPECT_TRUE(absl::IsFailedPrecondition(ProbeTcp(999999999, 80, absl::Seconds(1))));
}

// The probe runs in the other process's namespace: a port open only there
// is ready for it and refused here.
TEST(PodProbe, ProbesInsideAnotherNetworkNamespace) {
  if (access("/usr/bin/unshare", X_OK) != 0 || geteuid() != 0) {
    GTEST_SKIP() << "needs root and unshare(1)";
  }
  TestDir dir;
  std::string ready = dir.File("ready");
  const int port = 38123;
  std::string script = absl::StrCat(
      "ip link set lo up && exec python3 -c '"
      "import socket,sys\n"
      "s=socket.socket(); s.bind((\"127.0.0.1\",",
      port,
      ")); s.listen(4)\n"
      "open(sys.argv[1],\"w\").close()\n"
      "import time; time.sleep(30)' ",
      ready);
  pid_t child = fork();
  if (child == 0) {
    execl("/usr/bin/unshare", "unshare", "-n", "sh", "-c", script.c_str(), nullptr);
    _exit(127);
  }
  ASSERT_GT(child, 0);
  for (int i = 0; i < 100 && access(ready.c_str(), F_OK) != 0; ++i)
    absl::SleepFor(absl::Milliseconds(50));
  ASSERT_EQ(access(ready.c_str(), F_OK), 0) << "the namespaced listener did not start";
  EXPECT_TRUE(ProbeTcp(child, port, absl::Seconds(2)).ok());
  EXPECT_FALSE(ProbeTcp(getpid(), port, absl::Seconds(2)).ok());
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
}

}  // namespace
}  // namespace arena
