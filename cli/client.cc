#include "cli/client.h"

#include "absl/strings/str_cat.h"
#include "common/files.h"

namespace arena {

absl::StatusOr<std::unique_ptr<Client>> Client::Connect(const ClientOptions& options) {
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
  return status.error_message();
}

}  // namespace arena
