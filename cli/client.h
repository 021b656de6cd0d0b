// arenactl's connection to the controller: TLS channel, bearer token,
// deadlines, and the mapping of gRPC failures to one readable line.
// One per arenactl run, owned by its Cli; its calls may come from several
// threads (gRPC stubs are thread-safe).
#ifndef ARENA_CLI_CLIENT_H_
#define ARENA_CLI_CLIENT_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "arena/v1/admin.grpc.pb.h"
#include "arena/v1/jobs.grpc.pb.h"
#include "arena/v1/results.grpc.pb.h"

namespace arena {

struct ClientOptions {
  std::string controller;  // host:port
  std::string ca_file;
  std::string token;
  std::string token_source = "the token";  // for messages: "--token", "ARENA_TOKEN", a file
};

// The token in a token file: the file's text less one trailing newline
// (LF or CRLF: files written on Windows end in CRLF).
absl::StatusOr<std::string> ReadTokenFile(const std::string& path);
// A token travels as an HTTP/2 header value, which must be printable ASCII
// (gRPC aborts the process on anything else): refuses any other byte,
// naming `source` and the byte, never the token.
absl::Status CheckToken(absl::string_view token, absl::string_view source);

class Client {
 public:
  // REQUIRES: nothing; refuses a token that CheckToken refuses.
  static absl::StatusOr<std::unique_ptr<Client>> Connect(const ClientOptions& options);

  v1::JobService::Stub* stub() { return stub_.get(); }
  const ClientOptions& options() const { return options_; }
  v1::AdminService::Stub* admin() { return admin_.get(); }
  v1::ResultsService::Stub* results() { return results_.get(); }
  // A context carrying the token; with a deadline unless `streaming`.
  std::unique_ptr<grpc::ClientContext> Context(bool streaming = false) const;
  // "cannot reach controller at X: ..." for transport errors, else the
  // server's message.
  std::string Describe(const grpc::Status& status) const;

 private:
  ClientOptions options_;
  std::unique_ptr<v1::JobService::Stub> stub_;
  std::unique_ptr<v1::AdminService::Stub> admin_;
  std::unique_ptr<v1::ResultsService::Stub> results_;
};

}  // namespace arena

#endif  // ARENA_CLI_CLIENT_H_
