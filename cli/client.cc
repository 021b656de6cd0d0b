#include "cli/client.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/files.h"

namespace arena {

absl::StatusOr<std::string> ReadTokenFile(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return absl::InvalidArgumentError(absl::StrCat("cannot read token file ", path));
  if (absl::EndsWith(*text, "\r\n")) {
    text->resize(text->size() - 2);
  } else if (absl::EndsWith(*text, "\n")) {
    text->pop_back();
  }
  return text;
}

absl::Status CheckToken(absl::string_view token, absl::string_view source) {
  for (size_t i = 0; i < token.size(); ++i) {
    unsigned char b = static_cast<unsigned char>(token[i]);
    if (b >= 0x20 && b < 0x7F) continue;
    const char* what = b == '\r'               ? "a carriage return (\\r)"
                       : b == '\n'             ? "a newline (\\n)"
                       : b < 0x20 || b == 0x7F ? "a control byte"
                                               : "a non-ASCII byte";
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s holds %s (0x%02x) at byte %d; a token is printable ASCII", source, what, b, i + 1));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Client>> Client::Connect(const ClientOptions& options) {
  absl::Status token = CheckToken(options.token, options.token_source);
  if (!token.ok()) return token;
  if (options.controller.empty()) {
    return absl::InvalidArgumentError(
        "no controller: pass --controller HOST:PORT or set ARENA_CONTROLLER");
  }
  if (options.ca_file.empty()) {
    return absl::InvalidArgumentError("no CA: pass --ca-file FILE or set ARENA_CA_FILE");
  }
  absl::StatusOr<std::string> ca = ReadFile(options.ca_file);
  if (!ca.ok())
    return absl::InvalidArgumentError(absl::StrCat("cannot read CA file ", options.ca_file));
  if (ca->find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("CA file ", options.ca_file, " holds no PEM certificate"));
  }
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = *ca;
  std::unique_ptr<Client> client(new Client());
  client->options_ = options;
  auto channel = grpc::CreateChannel(options.controller, grpc::SslCredentials(ssl));
  client->stub_ = v1::JobService::NewStub(channel);
  client->admin_ = v1::AdminService::NewStub(channel);
  client->results_ = v1::ResultsService::NewStub(channel);
  return client;
}

std::unique_ptr<grpc::ClientContext> Client::Context(bool streaming) const {
  auto context = std::make_unique<grpc::ClientContext>();
  if (!options_.token.empty())
    context->AddMetadata("authorization", absl::StrCat("Bearer ", options_.token));
  if (!streaming)
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(15));
  return context;
}

std::string Client::Describe(const grpc::Status& status) const {
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE ||
      status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    return absl::StrCat("cannot reach controller at ", options_.controller, ": ",
                        status.error_message());
  }
  if (status.error_message().empty()) {
    return absl::StrCat("the controller answered status ", status.error_code(),
                        " without a message");
  }
  return status.error_message();
}

}  // namespace arena
