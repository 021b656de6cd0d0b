#include "agent/health/health_checks.h"

#include <sys/statvfs.h>

#include <cstdio>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "agent/executor/docker_client.h"
#include "agent/workspace/workspace.h"
#include "common/ids.h"

namespace arena {

absl::StatusOr<int64_t> ParseByteSize(absl::string_view text) {
  int shift = 0;
  absl::string_view digits = text;
  if (!digits.empty()) {
    switch (digits.back()) {
      case 'K':
        shift = 10;
        break;
      case 'M':
        shift = 20;
        break;
      case 'G':
        shift = 30;
        break;
      case 'T':
        shift = 40;
        break;
      default:
        break;
    }
    if (shift > 0) digits.remove_suffix(1);
  }
  int64_t n = 0;
  if (digits.empty() || !absl::SimpleAtoi(digits, &n) || n < 0 || n > (int64_t{1} << 50) >> shift) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", absl::CEscape(text),
                     "\" is not a byte count (a number, optionally with K, M, G or T)"));
  }
  return n << shift;
}

std::string FormatBytes(int64_t bytes) {
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB"};
  if (bytes < 1024) return absl::StrCat(bytes, " B");
  double value = static_cast<double>(bytes) / 1024;
  int unit = 0;
  while (value >= 1024 && unit < 3) {
    value /= 1024;
    ++unit;
  }
  // Whole numbers print without a fraction: "2 GiB", not "2.0 GiB".
  if (value == static_cast<double>(static_cast<int64_t>(value))) {
    return absl::StrCat(static_cast<int64_t>(value), " ", kUnits[unit]);
  }
  return absl::StrFormat("%.1f %s", value, kUnits[unit]);
}

std::string FreeDiskProblem(const std::string& path, int64_t free_bytes, int64_t min_free) {
  if (free_bytes >= min_free) return "";
  return absl::StrCat("free disk ", FormatBytes(free_bytes), " < ", FormatBytes(min_free), " on ",
                      path);
}

std::string FreeDiskProblem(const std::string& path, int64_t min_free) {
  struct statvfs fs;
  if (statvfs(path.c_str(), &fs) != 0) {
    return absl::StrCat("cannot read the free disk space of ", path);
  }
  int64_t free_bytes = static_cast<int64_t>(fs.f_bavail) * static_cast<int64_t>(fs.f_frsize);
  return FreeDiskProblem(path, free_bytes, min_free);
}

std::string LastLine(absl::string_view output) {
  std::string last;
  for (absl::string_view line : absl::StrSplit(output, '\n')) {
    absl::string_view trimmed = absl::StripAsciiWhitespace(line);
    if (!trimmed.empty()) last = std::string(trimmed);
  }
  if (last.size() > 200) last = absl::StrCat(last.substr(0, 200), "...");
  return last;
}

std::string ShellCommandProblem(const std::string& what, const std::string& command,
                                absl::Duration timeout,
                                const std::vector<std::pair<std::string, std::string>>& env,
                                std::string* output) {
  std::string captured;
  auto sink = [&captured](absl::string_view data) {
    // Bounded: only the last line matters, and the attempt log caps its copy.
    if (captured.size() < (1 << 20)) captured.append(data.data(), data.size());
  };
  int seconds = static_cast<int>(std::max<int64_t>(1, absl::ToInt64Seconds(timeout)));
  absl::StatusOr<int> code = RunProcess({"/bin/sh", "-c", command}, sink, seconds, env);
  if (output != nullptr) *output = captured;
  if (absl::IsDeadlineExceeded(code.status())) {
    return absl::StrCat(what, " timed out after ", absl::FormatDuration(timeout));
  }
  if (!code.ok()) return absl::StrCat(what, " could not run: ", code.status().message());
  if (*code == 0) return "";
  std::string last = LastLine(captured);
  return absl::StrCat(what, " exited ", *code, last.empty() ? "" : ": ", last);
}

namespace {

// Creates, starts and waits for (at most 30 s) a container of `image`
// running `true`; the caller removes it by `name`.
std::string StartProbeContainer(DockerClient& docker, const std::string& image,
                                const std::string& name, const std::string& agent_id) {
  ContainerSpec spec;
  spec.name = name;
  spec.image = image;
  spec.command = {"true"};
  spec.labels["arena.agent"] = agent_id;
  spec.labels["arena.health"] = "1";
  spec.pids_limit = 16;
  spec.memory_bytes = 64 << 20;
  absl::StatusOr<std::string> id = docker.CreateContainer(spec);
  if (!id.ok()) return absl::StrCat("dockerd cannot create a container: ", id.status().message());
  absl::Status started = docker.StartContainer(*id);
  if (!started.ok()) return absl::StrCat("dockerd cannot start a container: ", started.message());
  absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (absl::Now() < deadline) {
    absl::StatusOr<ContainerState> state = docker.InspectState(*id);
    if (!state.ok())
      return absl::StrCat("dockerd lost the health container: ", state.status().message());
    if (!state->running) {
      if (state->exit_code == 0) return "";
      return absl::StrCat("the health container of ", image, " exited ", state->exit_code);
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
  return absl::StrCat("the health container of ", image, " did not exit within 30s");
}

}  // namespace

std::string DockerProblem(const std::string& socket, const std::string& image,
                          const std::string& agent_id) {
  DockerClient docker(socket);
  if (!docker.Connect().ok() || !docker.Ping()) {
    return absl::StrCat("dockerd does not answer at ", socket);
  }
  if (image.empty()) return "";
  std::string name = absl::StrCat("arena-", NewId("health"));
  std::string problem = StartProbeContainer(docker, image, name, agent_id);
  docker.RemoveContainer(name).IgnoreError();  // a leftover goes with the agent's orphans
  return problem;
}

}  // namespace arena
