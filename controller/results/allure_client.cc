#include "controller/results/allure_client.h"

#include <curl/curl.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace arena {
namespace {

using json = nlohmann::json;

constexpr char kApi[] = "/allure-docker-service";
constexpr size_t kMaxAnswerBytes = 4 << 20;

size_t Collect(char* data, size_t size, size_t count, void* out) {
  auto* body = static_cast<std::string*>(out);
  size_t bytes = size * count;
  if (body->size() + bytes > kMaxAnswerBytes) return 0;  // aborts the transfer
  body->append(data, bytes);
  return bytes;
}

std::string Escape(CURL* curl, const std::string& text) {
  char* escaped = curl_easy_escape(curl, text.data(), static_cast<int>(text.size()));
  std::string out = escaped == nullptr ? "" : escaped;
  curl_free(escaped);
  return out;
}

// The server's own words for a failure: {"meta_data": {"message": ...}}.
std::string ServerMessage(const std::string& body) {
  json answer = json::parse(body, nullptr, false);
  if (answer.is_object() && answer.contains("meta_data") && answer["meta_data"].is_object() &&
      answer["meta_data"].contains("message") && answer["meta_data"]["message"].is_string()) {
    return answer["meta_data"]["message"].get<std::string>();
  }
  return body.substr(0, 200);
}

absl::Status HttpError(long status, const std::string& path, const std::string& body) {
  std::string message =
      absl::StrCat("Allure server answered ", status, " to ", path, ": ", ServerMessage(body));
  if (status == 404) return absl::NotFoundError(message);
  if (status == 401 || status == 403) return absl::PermissionDeniedError(message);
  if (status >= 400 && status < 500) return absl::FailedPreconditionError(message);
  return absl::UnavailableError(message);
}

struct CurlDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct HeaderDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

}  // namespace

size_t AllureRequestBytes(const AllureFile& file) {
  // {"file_name": "...", "content_base64": "..."}, plus a separator.
  return file.name.size() + (file.content.size() + 2) / 3 * 4 + 40;
}

absl::StatusOr<AllureClient::Answer> AllureClient::Call(const std::string& path_and_query,
                                                        const std::string& body) {
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) return absl::InternalError("curl_easy_init failed");
  std::string url = absl::StrCat(server_.url, kApi, path_and_query);
  std::unique_ptr<curl_slist, HeaderDeleter> headers;
  auto add_header = [&](const std::string& line) {
    headers.reset(curl_slist_append(headers.release(), line.c_str()));
  };
  if (!server_.token.empty()) add_header(absl::StrCat("Authorization: Bearer ", server_.token));
  Answer answer;
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(server_.timeout)));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &answer.body);
  if (!server_.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, server_.ca_file.c_str());
  if (!body.empty()) {
    add_header("Content-Type: application/json");
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    return absl::UnavailableError(
        absl::StrCat("Allure server ", server_.url, ": ", curl_easy_strerror(rc)));
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &answer.status);
  if (answer.status < 200 || answer.status >= 300) {
    return HttpError(answer.status, path_and_query.substr(0, path_and_query.find('?')),
                     answer.body);
  }
  return answer;
}

absl::Status AllureClient::CleanResults(const std::string& project) {
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  return Call(absl::StrCat("/clean-results?project_id=", Escape(curl.get(), project)), "").status();
}

absl::Status AllureClient::SendResults(const std::string& project,
                                       const std::vector<AllureFile>& files) {
  json results = json::array();
  for (const AllureFile& file : files) {
    results.push_back(
        {{"file_name", file.name}, {"content_base64", absl::Base64Escape(file.content)}});
  }
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  return Call(absl::StrCat("/send-results?force_project_creation=true&project_id=",
                           Escape(curl.get(), project)),
              json{{"results", results}}.dump())
      .status();
}

absl::StatusOr<std::string> AllureClient::GenerateReport(const std::string& project,
                                                         const std::string& execution_name,
                                                         const std::string& execution_from) {
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  ASSIGN_OR_RETURN(Answer answer,
                   Call(absl::StrCat("/generate-report?project_id=", Escape(curl.get(), project),
                                     "&execution_name=", Escape(curl.get(), execution_name),
                                     "&execution_from=", Escape(curl.get(), execution_from),
                                     "&execution_type=arena"),
                        ""));
  json parsed = json::parse(answer.body, nullptr, false);
  if (parsed.is_object() && parsed.contains("data") && parsed["data"].is_object() &&
      parsed["data"].contains("report_url") && parsed["data"]["report_url"].is_string()) {
    return parsed["data"]["report_url"].get<std::string>();
  }
  return absl::UnavailableError("Allure server's generate-report answer has no report_url");
}

}  // namespace arena
