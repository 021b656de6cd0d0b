// A client of the team's Allure server: the allure-docker-service API
// (clean-results, send-results, generate-report under
// /allure-docker-service/), over HTTP or HTTPS with libcurl.
//
// Owner: the AllureUploader. Not thread-safe: one call at a time (each call
// is its own connection, bounded by `timeout`).
#ifndef ARENA_CONTROLLER_RESULTS_ALLURE_CLIENT_H_
#define ARENA_CONTROLLER_RESULTS_ALLURE_CLIENT_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/allure_results.h"

namespace arena {

struct AllureServer {
  std::string url;                              // http(s)://HOST:PORT, the API's root (no path)
  std::string token;                            // sent as "Authorization: Bearer"; empty: none
  std::string ca_file;                          // for https: the CA to trust; empty: the system's
  absl::Duration timeout = absl::Seconds(120);  // per request (generate-report runs Allure)
};

class AllureClient {
 public:
  explicit AllureClient(AllureServer server) : server_(std::move(server)) {}

  // Empties the project's results directory, so the next report holds only
  // what is sent after it. NotFound when the project does not exist yet.
  absl::Status CleanResults(const std::string& project);
  // One send-results request with `files` (base64 in JSON); creates the
  // project when missing.
  absl::Status SendResults(const std::string& project, const std::vector<AllureFile>& files);
  // Generates a report of what was sent; returns its URL.
  absl::StatusOr<std::string> GenerateReport(const std::string& project,
                                             const std::string& execution_name,
                                             const std::string& execution_from);

 private:
  struct Answer {
    long status = 0;
    std::string body;
  };
  // GET when `body` is empty, else a JSON POST. An HTTP error becomes a
  // Status that carries the server's message.
  absl::StatusOr<Answer> Call(const std::string& path_and_query, const std::string& body);

  const AllureServer server_;
};

// The largest request body SendResults makes for `files` (base64 and JSON
// framing included), so a caller can split them into batches.
size_t AllureRequestBytes(const AllureFile& file);

}  // namespace arena

#endif  // ARENA_CONTROLLER_RESULTS_ALLURE_CLIENT_H_
