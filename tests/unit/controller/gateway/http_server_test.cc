// HttpServer on 127.0.0.1, port 0, over HTTPS with a certificate the
// project's own CA issued (as the controller runs it), driven by httplib's
// client; and CompressAnswer as a route that calls it is seen on the wire.
#include "controller/gateway/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "controller/auth/pki.h"
#include "tests/unit/test_dir.h"

namespace arena {
namespace {

// Inflates a gzip stream; empty when it is not one.
std::string Gunzip(const std::string& in) {
  z_stream z{};
  if (inflateInit2(&z, 15 + 16) != Z_OK) return "";
  std::string out;
  char buf[64 * 1024];
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof(buf);
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buf, sizeof(buf) - z.avail_out);
  }
  inflateEnd(&z);
  return rc == Z_STREAM_END ? out : "";
}

// A JSON text of `size` bytes that compresses well.
std::string JsonOfSize(size_t size) {
  std::string json = "[";
  while (json.size() + 9 + 3 <= size) json += "\"ab\",\"c\",";
  json += "\"" + std::string(size - json.size() - 3, 'z') + "\"]";
  return json;
}

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<ControllerPki> pki = LoadOrCreatePki(dir_.path(), {"localhost", "127.0.0.1"});
    ASSERT_TRUE(pki.ok()) << pki.status();
    RouteRegistrar routes = [](httplib::Server* server) {
      server->Get("/hello", [](const httplib::Request&, httplib::Response& res) {
        res.set_content("hi", "text/plain");
      });
      // /json/SIZE?type=TYPE: a body of SIZE bytes passed through CompressAnswer.
      server->Get(R"(/json/(\d+))", [](const httplib::Request& req, httplib::Response& res) {
        std::string type = req.has_param("type") ? req.get_param_value("type") : "application/json";
        res.set_content(JsonOfSize(std::stoul(req.matches[1])), type.c_str());
        CompressAnswer(req, res);
      });
      server->Post("/echo", [](const httplib::Request& req, httplib::Response& res) {
        res.set_content(req.body, "application/json");
      });
    };
    absl::StatusOr<std::unique_ptr<HttpServer>> server = HttpServer::Start(
        "127.0.0.1", 0, {routes}, dir_.File("server.pem"), dir_.File("server.key"));
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }
  // A client that trusts only the controller's CA and checks the name.
  std::unique_ptr<httplib::SSLClient> Client() {
    auto client = std::make_unique<httplib::SSLClient>("127.0.0.1", server_->port());
    client->set_ca_cert_path(dir_.File("ca.pem").c_str());
    client->enable_server_certificate_verification(true);
    client->set_connection_timeout(5);
    client->set_read_timeout(10);
    client->set_decompress(false);  // the test inflates, to see the raw body
    return client;
  }
  httplib::Result GetJson(size_t size, const std::string& accept,
                          const std::string& type = "application/json") {
    return Client()->Get(("/json/" + std::to_string(size) + "?type=" + type).c_str(),
                         {{"Accept-Encoding", accept}});
  }

  TestDir dir_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpServerTest, ServesRegisteredRoutesAndHealthOverVerifiedTls) {
  EXPECT_GT(server_->port(), 0);
  httplib::Result hello = Client()->Get("/hello");
  ASSERT_TRUE(hello) << httplib::to_string(hello.error());
  EXPECT_EQ(hello->status, 200);
  EXPECT_EQ(hello->body, "hi");
  httplib::Result health = Client()->Get("/healthz");
  ASSERT_TRUE(health) << httplib::to_string(health.error());
  EXPECT_EQ(health->body, "ok\n");
}

TEST_F(HttpServerTest, AClientThatDoesNotTrustTheCaIsNotServed) {
  TestDir other;
  ASSERT_TRUE(LoadOrCreatePki(other.path(), {"127.0.0.1"}).ok());
  httplib::SSLClient client("127.0.0.1", server_->port());
  client.set_ca_cert_path(other.File("ca.pem").c_str());
  client.enable_server_certificate_verification(true);
  client.set_connection_timeout(5);
  client.set_read_timeout(10);
  httplib::Result result = client.Get("/hello");
  EXPECT_FALSE(result);
  EXPECT_EQ(result.error(), httplib::Error::SSLServerVerification);
}

TEST_F(HttpServerTest, UnknownRouteIs404WithAJsonErrorNamingIt) {
  httplib::Result result = Client()->Get("/no/such/thing");
  ASSERT_TRUE(result) << httplib::to_string(result.error());
  EXPECT_EQ(result->status, 404);
  EXPECT_TRUE(absl::StartsWith(result->get_header_value("Content-Type"), "application/json"));
  EXPECT_TRUE(absl::StrContains(result->body, "no endpoint GET /no/such/thing")) << result->body;
  EXPECT_TRUE(absl::StrContains(result->body, "HTTP_404")) << result->body;
}

TEST_F(HttpServerTest, ABodyOverOneMebibyteIs413AndAFormTypedBodyIsTakenAsJson) {
  httplib::Result big = Client()->Post("/echo", std::string((1 << 20) + 1, 'x'), "text/plain");
  ASSERT_TRUE(big) << httplib::to_string(big.error());
  EXPECT_EQ(big->status, 413);
  EXPECT_TRUE(absl::StrContains(big->body, "larger than 1 MiB")) << big->body;
  // httplib would cap a form-typed body at 8 KiB; the server does not.
  std::string form_body(64 * 1024, 'f');
  httplib::Result form = Client()->Post("/echo", form_body, "application/x-www-form-urlencoded");
  ASSERT_TRUE(form) << httplib::to_string(form.error());
  EXPECT_EQ(form->status, 200);
  EXPECT_EQ(form->body, form_body);
}

TEST_F(HttpServerTest, AnswersAreGzippedWhenAcceptedAndInflateToTheOriginal) {
  for (const std::string accept : {"gzip", "br, gzip;q=0.5", "deflate, gzip"}) {
    httplib::Result result = GetJson(100000, accept);
    ASSERT_TRUE(result) << httplib::to_string(result.error());
    EXPECT_EQ(result->get_header_value("Content-Encoding"), "gzip") << accept;
    EXPECT_EQ(result->get_header_value("Vary"), "Accept-Encoding");
    EXPECT_LT(result->body.size(), 100000u);
    EXPECT_EQ(Gunzip(result->body), JsonOfSize(100000)) << accept;
  }
  httplib::Result text = GetJson(4096, "gzip", "text/plain");
  ASSERT_TRUE(text);
  EXPECT_EQ(Gunzip(text->body), JsonOfSize(4096));
}

TEST_F(HttpServerTest, AnswersStayAsTheyAreWhenGzipIsNotAcceptedOrNotWorthIt) {
  struct Case {
    size_t size;
    std::string accept, type;
  };
  const std::vector<Case> plain = {
      {100000, "identity", "application/json"},      // not offered
      {100000, "gzip;q=0", "application/json"},      // refused
      {100000, "br", "application/json"},            // httplib's own brotli stays off
      {1023, "gzip", "application/json"},            // too small to bother
      {(8 << 20) + 1, "gzip", "application/json"},   // too big to hold a worker
      {100000, "gzip", "application/octet-stream"},  // not text
  };
  for (const Case& c : plain) {
    httplib::Result result = GetJson(c.size, c.accept, c.type);
    ASSERT_TRUE(result) << httplib::to_string(result.error());
    EXPECT_FALSE(result->has_header("Content-Encoding")) << c.size << " " << c.accept;
    EXPECT_EQ(result->body.size(), c.size) << c.accept;
    EXPECT_EQ(result->body, JsonOfSize(c.size)) << c.accept;
  }
  EXPECT_TRUE(GetJson(1024, "gzip")->has_header("Content-Encoding"));  // the window's floor
}

TEST_F(HttpServerTest, DestroyingTheServerStopsItWhileAClientHoldsAConnection) {
  std::unique_ptr<httplib::SSLClient> client = Client();
  client->set_keep_alive(true);
  ASSERT_TRUE(client->Get("/hello"));
  int port = server_->port();
  // Returns once the listener thread is joined; httplib's workers let an
  // idle keep-alive connection go at their read timeout (5 s), not at once.
  absl::Time start = absl::Now();
  server_.reset();
  EXPECT_LT(absl::Now() - start, absl::Seconds(30));
  httplib::SSLClient late("127.0.0.1", port);
  late.set_ca_cert_path(dir_.File("ca.pem").c_str());
  late.set_connection_timeout(2);
  late.set_read_timeout(2);
  EXPECT_FALSE(late.Get("/hello"));
}

TEST(HttpServer, PlainHttpWithoutCertificatesAndABadCertificateIsRefused) {
  absl::StatusOr<std::unique_ptr<HttpServer>> plain = HttpServer::Start("127.0.0.1", 0, {});
  ASSERT_TRUE(plain.ok()) << plain.status();
  httplib::Client client("127.0.0.1", (*plain)->port());
  client.set_connection_timeout(5);
  client.set_read_timeout(10);
  httplib::Result health = client.Get("/healthz");
  ASSERT_TRUE(health) << httplib::to_string(health.error());
  EXPECT_EQ(health->body, "ok\n");

  TestDir dir;
  absl::StatusOr<std::unique_ptr<HttpServer>> bad =
      HttpServer::Start("127.0.0.1", 0, {}, dir.File("missing.pem"), dir.File("missing.key"));
  EXPECT_TRUE(absl::IsInvalidArgument(bad.status())) << bad.status();
}

TEST(HttpServer, APortAnotherSocketHoldsIsUnavailable) {
  // A listener without SO_REUSEPORT (httplib sets it on its own sockets, so
  // two HttpServers may share a port).
  int held = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(held, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(bind(held, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(listen(held, 1), 0);
  ASSERT_EQ(getsockname(held, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  absl::StatusOr<std::unique_ptr<HttpServer>> server =
      HttpServer::Start("127.0.0.1", ntohs(addr.sin_port), {});
  EXPECT_TRUE(absl::IsUnavailable(server.status())) << server.status();
  close(held);
}

TEST(HttpServer, DestroyingItRightAfterStartReturns) {
  // httplib's stop() does nothing until the listener thread runs; the
  // destructor must not leave that thread accepting forever. Bounded: a
  // hang fails the test instead of stalling the run.
  absl::Notification done;
  std::thread churn([&] {
    for (int i = 0; i < 50; ++i) {
      absl::StatusOr<std::unique_ptr<HttpServer>> server = HttpServer::Start("127.0.0.1", 0, {});
      EXPECT_TRUE(server.ok()) << server.status();
    }
    done.Notify();
  });
  if (!done.WaitForNotificationWithTimeout(absl::Seconds(60))) {
    ADD_FAILURE() << "an HttpServer destroyed right after Start did not return";
    std::abort();
  }
  churn.join();
}

}  // namespace
}  // namespace arena
