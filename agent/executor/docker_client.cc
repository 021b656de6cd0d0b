#include "agent/executor/docker_client.h"

#include <curl/curl.h>
#include <unistd.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "agent/executor/frame_demuxer.h"

namespace arena {
namespace {

constexpr char kMaxApiVersion[] = "1.41";

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};

struct HeaderTarget {
  const std::function<void()>* on_headers;
  std::string* api_version;  // the answer's Api-Version header
  bool done = false;
};

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* target = static_cast<HeaderTarget*>(user);
  absl::string_view line(data, size * count);
  constexpr absl::string_view kApiVersion = "api-version:";
  if (absl::StartsWithIgnoreCase(line, kApiVersion)) {
    *target->api_version = std::string(absl::StripAsciiWhitespace(line.substr(kApiVersion.size())));
  }
  if ((line == "\r\n" || line == "\n") && !target->done) {
    target->done = true;
    if (*target->on_headers) (*target->on_headers)();
  }
  return size * count;
}

struct WriteTarget {
  std::string* body;
  const std::function<bool(absl::string_view)>* stream;
  long code = 0;
  CURL* curl;
};

size_t OnWrite(char* data, size_t size, size_t count, void* user) {
  auto* target = static_cast<WriteTarget*>(user);
  absl::string_view chunk(data, size * count);
  if (target->stream != nullptr && *target->stream) {
    curl_easy_getinfo(target->curl, CURLINFO_RESPONSE_CODE, &target->code);
    if (target->code / 100 == 2) return (*target->stream)(chunk) ? chunk.size() : 0;
  }
  target->body->append(chunk.data(), chunk.size());
  return chunk.size();
}

size_t OnRead(char* data, size_t size, size_t count, void* user) {
  const auto* upload = static_cast<const std::function<size_t(char*, size_t)>*>(user);
  return (*upload)(data, size * count);
}

// Sets the request's headers and its body: `body`, or `upload` read as it
// is sent (chunked). Returns the header list for the caller to free.
struct curl_slist* SetBody(CURL* curl, const std::string& method, const std::string& body,
                           const std::vector<std::string>& extra_headers,
                           const std::string& content_type,
                           const std::function<size_t(char*, size_t)>* upload) {
  struct curl_slist* headers = nullptr;
  for (const std::string& header : extra_headers) {
    headers = curl_slist_append(headers, header.c_str());
  }
  if (method == "POST") {
    std::string type = content_type.empty() ? "application/json" : content_type;
    headers = curl_slist_append(headers, absl::StrCat("Content-Type: ", type).c_str());
  }
  if (upload != nullptr) {
    headers = curl_slist_append(headers, "Transfer-Encoding: chunked");
    headers = curl_slist_append(headers, "Expect:");  // no wait for 100-continue
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, OnRead);
    curl_easy_setopt(curl, CURLOPT_READDATA, upload);
  } else if (method == "POST") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  }
  if (headers != nullptr) curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  return headers;
}

// Compares "1.41" style versions.
bool VersionLess(absl::string_view a, absl::string_view b) {
  std::pair<std::string, std::string> pa = absl::StrSplit(a, absl::MaxSplits('.', 1));
  std::pair<std::string, std::string> pb = absl::StrSplit(b, absl::MaxSplits('.', 1));
  int a1 = 0, a2 = 0, b1 = 0, b2 = 0;
  if (!absl::SimpleAtoi(pa.first, &a1) || !absl::SimpleAtoi(pa.second, &a2) ||
      !absl::SimpleAtoi(pb.first, &b1) || !absl::SimpleAtoi(pb.second, &b2)) {
    return false;
  }
  return a1 < b1 || (a1 == b1 && a2 < b2);
}

std::string UrlEscape(absl::string_view text) {
  char* escaped = curl_easy_escape(nullptr, text.data(), static_cast<int>(text.size()));
  std::string out(escaped);
  curl_free(escaped);
  return out;
}

absl::Status HttpError(absl::string_view what, long code, const std::string& body) {
  std::string message = absl::StrCat(what, ": ", DockerErrorMessage(body));
  if (code == 404) return absl::NotFoundError(message);
  if (code == 409) return absl::FailedPreconditionError(message);
  if (code == 400) return absl::InvalidArgumentError(message);
  return absl::InternalError(absl::StrCat(message, " (HTTP ", code, ")"));
}

}  // namespace

DockerClient::DockerClient(std::string socket_path) : socket_path_(std::move(socket_path)) {
  static CurlGlobal global;
}

std::string DockerClient::Path(absl::string_view path) const {
  return absl::StrCat("/v", api_version_, path);
}

absl::StatusOr<DockerClient::Response> DockerClient::Request(
    const std::string& method, const std::string& path, const std::string& body,
    long timeout_seconds, const std::function<bool(absl::string_view)>& stream,
    const std::function<void()>& on_headers, const Extras* extras) {
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return absl::InternalError("curl_easy_init failed");
  Response response;
  WriteTarget target{&response.body, &stream, 0, curl};
  std::string url = absl::StrCat("http://docker", path);
  curl_easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, socket_path_.c_str());
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnWrite);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &target);
  // Streams (attach, archives) move up to gigabytes: fewer, larger reads.
  if (stream) curl_easy_setopt(curl, CURLOPT_BUFFERSIZE, 512L * 1024);
  HeaderTarget header_target{&on_headers, &response.api_version};
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &header_target);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 5L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, timeout_seconds);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  struct curl_slist* headers = extras == nullptr ? SetBody(curl, method, body, {}, "", nullptr)
                                                 : SetBody(curl, method, body, extras->headers,
                                                           extras->content_type, extras->upload);
  if (extras != nullptr && extras->stall_seconds > 0) {
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, extras->stall_seconds);
  }
  CURLcode rc = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.code);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  if (rc == CURLE_OPERATION_TIMEDOUT && extras != nullptr && extras->stall_seconds > 0) {
    return absl::UnavailableError(absl::StrCat(
        "docker ", method, " ", path, ": stalled or timed out (", curl_easy_strerror(rc), ")"));
  }
  if (rc != CURLE_OK) {
    if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST) {
      return absl::UnavailableError(
          absl::StrCat("dockerd is not reachable at ", socket_path_, ": ", curl_easy_strerror(rc)));
    }
    return absl::UnavailableError(
        absl::StrCat("docker ", method, " ", path, ": ", curl_easy_strerror(rc)));
  }
  return response;
}

absl::Status DockerClient::Connect(absl::Duration wait) {
  // A daemon that is restarting leaves its socket in place: wait for it
  // (bounded). No socket at all fails at once.
  absl::Time deadline = absl::Now() + wait;
  // /_ping names the API version in a header; /version asks containerd too
  // (about 10 ms more here, and several connections make one attempt).
  absl::StatusOr<Response> response = Request("GET", "/_ping", "", 10);
  while (!response.ok() && absl::IsUnavailable(response.status()) && absl::Now() < deadline &&
         access(socket_path_.c_str(), F_OK) == 0) {
    absl::SleepFor(absl::Milliseconds(250));
    response = Request("GET", "/_ping", "", 10);
  }
  if (!response.ok()) return response.status();
  if (response->code == 200 && absl::StartsWith(response->api_version, "1.")) {
    const std::string& daemon = response->api_version;
    api_version_ = VersionLess(daemon, kMaxApiVersion) ? daemon : kMaxApiVersion;
    return absl::OkStatus();
  }
  response = Request("GET", "/version", "", 10);
  if (!response.ok()) return response.status();
  absl::StatusOr<std::string> version = ParseVersionAnswer(response->body);
  if (response->code != 200 || !version.ok()) {
    return absl::UnavailableError("dockerd answered /version without an API version");
  }
  const std::string& daemon = *version;
  api_version_ = VersionLess(daemon, kMaxApiVersion) ? daemon : kMaxApiVersion;
  return absl::OkStatus();
}

bool DockerClient::Ping() {
  absl::StatusOr<Response> response = Request("GET", "/_ping", "", 5);
  return response.ok() && response->code == 200;
}

absl::StatusOr<std::string> DockerClient::CreateContainer(const ContainerSpec& spec) {
  std::string path = absl::StrCat("/containers/create?name=", UrlEscape(spec.name));
  if (!spec.platform.empty()) absl::StrAppend(&path, "&platform=", UrlEscape(spec.platform));
  absl::StatusOr<Response> response = Request("POST", Path(path), ContainerCreateBody(spec), 60);
  if (!response.ok()) return response.status();
  if (response->code == 404) {
    return absl::NotFoundError(absl::StrCat(
        "image ", spec.image, " not found on this host: ", DockerErrorMessage(response->body)));
  }
  if (response->code != 201) return HttpError("create container", response->code, response->body);
  return ParseCreatedId(response->body, "create container");
}

absl::Status DockerClient::StartContainer(const std::string& id) {
  absl::StatusOr<Response> response =
      Request("POST", Path(absl::StrCat("/containers/", id, "/start")), "", 60);
  if (!response.ok()) return response.status();
  if (response->code != 204 && response->code != 304) {
    return HttpError("start container", response->code, response->body);
  }
  return absl::OkStatus();
}

absl::Status DockerClient::AttachOutput(const std::string& id,
                                        const std::function<void(int, absl::string_view)>& sink,
                                        const std::function<void()>& attached) {
  FrameDemuxer demuxer(sink);
  absl::Status frame_status;
  std::function<bool(absl::string_view)> stream = [&](absl::string_view chunk) {
    frame_status = demuxer.Feed(chunk);
    return frame_status.ok();
  };
  bool signalled = false;
  std::function<void()> on_headers = [&] {
    signalled = true;
    attached();
  };
  absl::StatusOr<Response> response =
      Request("POST", Path(absl::StrCat("/containers/", id, "/attach?stream=1&stdout=1&stderr=1")),
              "", 0, stream, on_headers);
  if (!signalled) attached();  // never leave the caller waiting
  if (!frame_status.ok()) return frame_status;
  if (!response.ok()) return response.status();
  if (response->code != 200 && response->code != 101) {
    return HttpError("attach container", response->code, response->body);
  }
  return absl::OkStatus();
}

absl::StatusOr<int> DockerClient::WaitContainer(const std::string& id) {
  absl::StatusOr<Response> response =
      Request("POST", Path(absl::StrCat("/containers/", id, "/wait")), "", 0);
  if (!response.ok()) return response.status();
  if (response->code != 200) return HttpError("wait container", response->code, response->body);
  return ParseWaitAnswer(response->body);
}

absl::Status DockerClient::StopContainer(const std::string& id, int grace_seconds) {
  absl::StatusOr<Response> response =
      Request("POST", Path(absl::StrCat("/containers/", id, "/stop?t=", grace_seconds)), "",
              grace_seconds + 30);
  if (!response.ok()) return response.status();
  if (response->code != 204 && response->code != 304) {
    return HttpError("stop container", response->code, response->body);
  }
  return absl::OkStatus();
}

absl::Status DockerClient::RemoveContainer(const std::string& id) {
  absl::StatusOr<Response> response =
      Request("DELETE", Path(absl::StrCat("/containers/", id, "?force=1&v=1")), "", 60);
  if (!response.ok()) return response.status();
  if (response->code != 204 && response->code != 404) {
    return HttpError("remove container", response->code, response->body);
  }
  return absl::OkStatus();
}

absl::StatusOr<ContainerState> DockerClient::InspectState(const std::string& id) {
  absl::StatusOr<Response> response =
      Request("GET", Path(absl::StrCat("/containers/", id, "/json")), "", 30);
  if (!response.ok()) return response.status();
  if (response->code != 200) return HttpError("inspect container", response->code, response->body);
  return ParseContainerInspect(response->body);
}

absl::StatusOr<int64_t> DockerClient::WritableLayerBytes(const std::string& id) {
  absl::StatusOr<Response> response =
      Request("GET", Path(absl::StrCat("/containers/", id, "/json?size=1")), "", 120);
  if (!response.ok()) return response.status();
  if (response->code != 200) return HttpError("inspect container", response->code, response->body);
  return ParseWritableLayerBytes(response->body);
}

absl::Status DockerClient::ArchiveOut(const std::string& id, const std::string& path,
                                      const std::function<bool(absl::string_view)>& sink) {
  absl::StatusOr<Response> response =
      Request("GET", Path(absl::StrCat("/containers/", id, "/archive?path=", UrlEscape(path))), "",
              600, sink);
  if (!response.ok()) return response.status();
  if (response->code == 404) {
    return absl::NotFoundError(absl::StrCat(path, " does not exist in the container"));
  }
  if (response->code != 200)
    return HttpError("copy from container", response->code, response->body);
  return absl::OkStatus();
}

absl::StatusOr<std::string> DockerClient::CreateExec(const std::string& id, const ExecSpec& spec) {
  absl::StatusOr<Response> response =
      Request("POST", Path(absl::StrCat("/containers/", id, "/exec")), ExecCreateBody(spec), 60);
  if (!response.ok()) return response.status();
  if (response->code != 201) return HttpError("create exec", response->code, response->body);
  return ParseCreatedId(response->body, "create exec");
}

absl::Status DockerClient::StartExec(const std::string& exec_id,
                                     const std::function<void(int, absl::string_view)>& sink) {
  FrameDemuxer demuxer(sink);
  absl::Status frame_status;
  std::function<bool(absl::string_view)> stream = [&](absl::string_view chunk) {
    frame_status = demuxer.Feed(chunk);
    return frame_status.ok();
  };
  absl::StatusOr<Response> response =
      Request("POST", Path(absl::StrCat("/exec/", exec_id, "/start")),
              R"({"Detach":false,"Tty":false})", 0, stream);
  if (!frame_status.ok()) return frame_status;
  if (!response.ok()) return response.status();
  if (response->code != 200 && response->code != 101) {
    return HttpError("start exec", response->code, response->body);
  }
  return absl::OkStatus();
}

absl::StatusOr<int> DockerClient::ExecExitCode(const std::string& exec_id) {
  absl::StatusOr<Response> response =
      Request("GET", Path(absl::StrCat("/exec/", exec_id, "/json")), "", 30);
  if (!response.ok()) return response.status();
  if (response->code != 200) return HttpError("inspect exec", response->code, response->body);
  return ParseExecExitCode(response->body);
}

absl::StatusOr<std::vector<std::string>> DockerClient::ListContainersWithLabel(
    const std::string& label) {
  absl::StatusOr<Response> response = Request(
      "GET",
      Path(absl::StrCat("/containers/json?all=1&filters=", UrlEscape(LabelFilterJson(label)))), "",
      30);
  if (!response.ok()) return response.status();
  if (response->code != 200) return HttpError("list containers", response->code, response->body);
  return ParseContainerIds(response->body);
}

absl::StatusOr<std::vector<std::string>> DockerClient::ListImageTags() {
  absl::StatusOr<Response> response = Request("GET", Path("/images/json"), "", 30);
  if (!response.ok()) return response.status();
  if (response->code != 200) return HttpError("list images", response->code, response->body);
  return ParseImageTags(response->body);
}

absl::StatusOr<std::string> DockerClient::ImagePlatform(const std::string& image) {
  absl::StatusOr<ImageInfo> info = InspectImage(image);
  if (!info.ok()) return info.status();
  return info->platform;
}

absl::StatusOr<ImageInfo> DockerClient::InspectImage(const std::string& image) {
  absl::StatusOr<Response> response =
      Request("GET", Path(absl::StrCat("/images/", image, "/json")), "", 30);
  if (!response.ok()) return response.status();
  if (response->code == 404)
    return absl::NotFoundError(absl::StrCat("image ", image, " not found on this host"));
  if (response->code != 200) return HttpError("inspect image", response->code, response->body);
  return ParseImageInspect(response->body);
}

absl::Status DockerClient::RemoveImage(const std::string& ref) {
  absl::StatusOr<Response> response =
      Request("DELETE", Path(absl::StrCat("/images/", ref)), "", 60);
  if (!response.ok()) return response.status();
  if (response->code == 200) return absl::OkStatus();
  return HttpError(absl::StrCat("remove image ", ref), response->code, response->body);
}

absl::Status DockerClient::PullImage(const PullRequest& request,
                                     const std::function<bool(absl::string_view)>& progress) {
  std::string path = Path(absl::StrCat("/images/create?fromImage=", UrlEscape(request.name),
                                       "&tag=", UrlEscape(request.tag)));
  if (!request.platform.empty()) absl::StrAppend(&path, "&platform=", UrlEscape(request.platform));
  Extras extras;
  extras.stall_seconds = std::max<long>(1, absl::ToInt64Seconds(request.stall_timeout));
  if (!request.registry_auth.empty()) {
    extras.headers.push_back(absl::StrCat("X-Registry-Auth: ", request.registry_auth));
  }
  long timeout = std::max<long>(1, absl::ToInt64Seconds(request.timeout));
  absl::StatusOr<Response> response =
      Request("POST", path, "", timeout, progress, nullptr, &extras);
  if (!response.ok()) return response.status();
  if (response->code / 100 != 2) {
    std::string message = DockerErrorMessage(response->body);
    if (response->code >= 500) absl::StrAppend(&message, " (HTTP ", response->code, ")");
    return absl::UnknownError(message);
  }
  return absl::OkStatus();
}

absl::Status DockerClient::BuildImage(const BuildRequest& request, const BodyReader& context,
                                      const std::function<bool(absl::string_view)>& progress) {
  std::string path = Path(absl::StrCat("/build?rm=1&forcerm=1&t=", UrlEscape(request.tag),
                                       "&dockerfile=", UrlEscape(request.dockerfile),
                                       "&buildargs=", UrlEscape(StringMapJson(request.args))));
  if (!request.platform.empty()) absl::StrAppend(&path, "&platform=", UrlEscape(request.platform));
  if (!request.target.empty()) absl::StrAppend(&path, "&target=", UrlEscape(request.target));
  if (request.pull) absl::StrAppend(&path, "&pull=1");
  if (!request.labels.empty()) {
    absl::StrAppend(&path, "&labels=", UrlEscape(StringMapJson(request.labels)));
  }
  absl::Status read_error;
  std::function<size_t(char*, size_t)> upload = [&](char* out, size_t size) -> size_t {
    absl::StatusOr<size_t> n = context(out, size);
    if (n.ok()) return *n;
    read_error = n.status();
    return CURL_READFUNC_ABORT;
  };
  Extras extras;
  extras.upload = &upload;
  extras.content_type = "application/x-tar";
  if (!request.registry_config.empty()) {
    extras.headers.push_back(absl::StrCat("X-Registry-Config: ", request.registry_config));
  }
  long timeout = std::max<long>(1, absl::ToInt64Seconds(request.timeout));
  absl::StatusOr<Response> response =
      Request("POST", path, "", timeout, progress, nullptr, &extras);
  if (!read_error.ok()) return read_error;
  if (!response.ok()) return response.status();
  if (response->code / 100 != 2) return HttpError("build", response->code, response->body);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> DockerClient::RegistryPlatforms(
    const std::string& image, const std::string& registry_auth) {
  Extras extras;
  if (!registry_auth.empty()) {
    extras.headers.push_back(absl::StrCat("X-Registry-Auth: ", registry_auth));
  }
  absl::StatusOr<Response> response =
      Request("GET", Path(absl::StrCat("/distribution/", image, "/json")), "", 60, nullptr, nullptr,
              &extras);
  if (!response.ok()) return response.status();
  if (response->code != 200) return HttpError("distribution", response->code, response->body);
  return ParseDistributionPlatforms(response->body);
}

}  // namespace arena
