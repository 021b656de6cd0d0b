#include "agent/executor/pod_probe.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"

namespace arena {
namespace {

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

int MillisLeft(absl::Time deadline) {
  int64_t left = absl::ToInt64Milliseconds(deadline - absl::Now());
  return left < 0 ? 0 : static_cast<int>(std::min<int64_t>(left, 60000));
}

// Waits for `events` on fd until the deadline; false on timeout or error.
bool WaitFor(int fd, short events, absl::Time deadline) {
  pollfd p{fd, events, 0};
  while (true) {
    int n = poll(&p, 1, MillisLeft(deadline));
    if (n > 0) return true;
    if (n == 0 || errno != EINTR) return false;
  }
}

// A connected socket to 127.0.0.1:port in the calling thread's namespace.
absl::Status Connect(const Fd& fd, int port, absl::Time deadline) {
  if (fd.get() < 0) return absl::UnavailableError(absl::StrCat("socket: ", strerror(errno)));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    return absl::OkStatus();
  }
  if (errno != EINPROGRESS) return absl::UnavailableError(strerror(errno));
  if (!WaitFor(fd.get(), POLLOUT, deadline)) return absl::UnavailableError("connect timed out");
  int error = 0;
  socklen_t size = sizeof(error);
  getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &size);
  if (error != 0) return absl::UnavailableError(strerror(error));
  return absl::OkStatus();
}

int NewSocket() { return socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0); }

// The status code of an HTTP answer's first line ("HTTP/1.1 204 ..."), or 0.
int StatusCode(absl::string_view head) {
  if (!absl::StartsWith(head, "HTTP/")) return 0;
  size_t space = head.find(' ');
  int code = 0;
  if (space == absl::string_view::npos || head.size() < space + 4 ||
      !absl::SimpleAtoi(head.substr(space + 1, 3), &code)) {
    return 0;
  }
  return code;
}

absl::Status HttpGet(int port, const std::string& path, absl::Time deadline) {
  Fd fd(NewSocket());
  absl::Status connected = Connect(fd, port, deadline);
  if (!connected.ok()) return connected;
  std::string request = absl::StrCat("GET ", path, " HTTP/1.0\r\nHost: 127.0.0.1:", port,
                                     "\r\nUser-Agent: arena-agent\r\nConnection: close\r\n\r\n");
  size_t sent = 0;
  while (sent < request.size()) {
    if (!WaitFor(fd.get(), POLLOUT, deadline)) return absl::UnavailableError("send timed out");
    ssize_t n = send(fd.get(), request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN && errno != EINTR) return absl::UnavailableError(strerror(errno));
    if (n > 0) sent += static_cast<size_t>(n);
  }
  std::string head;
  while (head.find("\r\n") == std::string::npos && head.size() < 1024) {
    if (!WaitFor(fd.get(), POLLIN, deadline)) return absl::UnavailableError("no answer in time");
    char buffer[512];
    ssize_t n = recv(fd.get(), buffer, sizeof(buffer), 0);
    if (n == 0) break;
    if (n < 0 && errno != EAGAIN && errno != EINTR) return absl::UnavailableError(strerror(errno));
    if (n > 0) head.append(buffer, static_cast<size_t>(n));
  }
  int code = StatusCode(head);
  if (code == 0) return absl::UnavailableError("not an HTTP answer");
  if (code >= 200 && code < 400) return absl::OkStatus();
  return absl::UnavailableError(absl::StrCat("HTTP ", code));
}

}  // namespace

absl::Status InNetworkNamespaceOf(int pid, const std::function<absl::Status()>& probe) {
  if (pid <= 0) return absl::FailedPreconditionError("the service has no running process");
  absl::Status result;
  // setns moves only the calling thread: a fresh one, discarded after.
  std::thread worker([&] {
    Fd ns(open(absl::StrCat("/proc/", pid, "/ns/net").c_str(), O_RDONLY | O_CLOEXEC));
    if (ns.get() < 0 || setns(ns.get(), CLONE_NEWNET) != 0) {
      result = absl::FailedPreconditionError(
          absl::StrCat("cannot enter the pod's network namespace: ", strerror(errno)));
      return;
    }
    result = probe();
  });
  worker.join();
  return result;
}

absl::Status ProbeTcp(int pid, int port, absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  absl::Status status = InNetworkNamespaceOf(pid, [&] {
    Fd fd(NewSocket());
    return Connect(fd, port, deadline);
  });
  if (!absl::IsFailedPrecondition(status) || pid <= 0) return status;
  absl::StatusOr<bool> listening = ListensOn(pid, port);
  if (!listening.ok()) return absl::FailedPreconditionError(listening.status().message());
  if (*listening) return absl::OkStatus();
  return absl::UnavailableError("nothing listens there");
}

absl::StatusOr<bool> ListensOn(int pid, int port) {
  constexpr absl::string_view kListen = "0A";  // TCP_LISTEN in the st column
  bool readable = false;
  for (const char* table : {"tcp", "tcp6"}) {
    std::ifstream in(absl::StrCat("/proc/", pid, "/net/", table));
    if (!in) continue;
    readable = true;
    std::string line;
    std::getline(in, line);  // the header
    while (std::getline(in, line)) {
      // "  0: 00000000:1F90 00000000:0000 0A ...": local address:port, remote, state.
      std::vector<absl::string_view> fields = absl::StrSplit(line, ' ', absl::SkipEmpty());
      if (fields.size() < 4 || fields[3] != kListen) continue;
      size_t colon = fields[1].rfind(':');
      int local_port = 0;
      if (colon != absl::string_view::npos &&
          absl::SimpleHexAtoi(fields[1].substr(colon + 1), &local_port) && local_port == port) {
        return true;
      }
    }
  }
  if (!readable) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot read the sockets of process ", pid, " (/proc/", pid, "/net/tcp)"));
  }
  return false;
}

absl::Status ProbeHttp(int pid, int port, const std::string& path, absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  return InNetworkNamespaceOf(pid, [&] { return HttpGet(port, path, deadline); });
}

}  // namespace arena
