#include "agent/executor/build_context.h"

#include <dirent.h>
#include <fnmatch.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/files.h"
#include "common/status_macros.h"

namespace arena {
namespace {

constexpr char kOutsideDockerfile[] = ".arena.Dockerfile";

// "a/./b//c" -> "a/b/c"; "." -> ""; InvalidArgument for "..", absolute.
absl::StatusOr<std::string> CleanRelative(absl::string_view path, absl::string_view what) {
  if (absl::StartsWith(path, "/")) {
    return absl::InvalidArgumentError(absl::StrCat("build ", what, " must be relative"));
  }
  std::vector<absl::string_view> parts;
  for (absl::string_view part : absl::StrSplit(path, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      return absl::InvalidArgumentError(absl::StrCat("build ", what, " must not hold \"..\""));
    }
    parts.push_back(part);
  }
  return absl::StrJoin(parts, "/");
}

// Segment-wise glob: "**" matches any number of segments.
bool MatchSegments(const std::vector<std::string>& pattern, size_t p,
                   const std::vector<absl::string_view>& path, size_t i) {
  if (p == pattern.size()) return i == path.size();
  if (pattern[p] == "**") {
    for (size_t k = i; k <= path.size(); ++k) {
      if (MatchSegments(pattern, p + 1, path, k)) return true;
    }
    return false;
  }
  if (i == path.size()) return false;
  std::string segment(path[i]);
  if (fnmatch(pattern[p].c_str(), segment.c_str(), 0) != 0) return false;
  return MatchSegments(pattern, p + 1, path, i + 1);
}

class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new(), EVP_MD_CTX_free) {
    EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr);
  }
  void Add(absl::string_view data) { EVP_DigestUpdate(ctx_.get(), data.data(), data.size()); }
  // A length-prefixed field, so no two inputs hash alike by shifting bytes.
  void Field(absl::string_view data) {
    Add(absl::StrCat(data.size(), ":"));
    Add(data);
  }
  std::string Hex() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    EVP_DigestFinal_ex(ctx_.get(), digest, &size);
    static const char kHex[] = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < size; ++i) {
      out += kHex[digest[i] >> 4];
      out += kHex[digest[i] & 15];
    }
    return out;
  }

 private:
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx_;
};

absl::Status HashFile(const std::string& path, int64_t size, Sha256* hash) {
  FILE* file = fopen(path.c_str(), "rbe");
  if (file == nullptr) return absl::InvalidArgumentError(absl::StrCat("cannot read ", path));
  char buffer[64 * 1024];
  int64_t total = 0;
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), file)) > 0) {
    hash->Add(absl::string_view(buffer, n));
    total += static_cast<int64_t>(n);
  }
  fclose(file);
  if (total != size) return absl::InvalidArgumentError(absl::StrCat(path, " changed while read"));
  return absl::OkStatus();
}

struct Walk {
  const DockerIgnore* ignore;
  const ContextLimits* limits;
  std::vector<ContextEntry>* entries;
  int64_t bytes = 0;
};

absl::Status AddEntry(Walk& walk, const std::string& local, const std::string& rel,
                      const struct stat& st);

absl::Status WalkDir(Walk& walk, const std::string& local, const std::string& rel) {
  DIR* dir = opendir(local.c_str());
  if (dir == nullptr) return absl::InvalidArgumentError(absl::StrCat("cannot list ", local));
  std::vector<std::string> names;
  while (struct dirent* entry = readdir(dir)) {
    std::string name = entry->d_name;
    if (name != "." && name != ".." && name != ".git") names.push_back(name);
  }
  closedir(dir);
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    std::string child_local = absl::StrCat(local, "/", name);
    std::string child_rel = rel.empty() ? name : absl::StrCat(rel, "/", name);
    struct stat st;
    if (lstat(child_local.c_str(), &st) != 0) continue;
    bool excluded = walk.ignore->Excluded(child_rel) && child_rel != ".dockerignore";
    // An excluded directory may still hold re-included files.
    if (excluded && !(S_ISDIR(st.st_mode) && walk.ignore->has_exceptions())) continue;
    if (!excluded) RETURN_IF_ERROR(AddEntry(walk, child_local, child_rel, st));
    if (S_ISDIR(st.st_mode)) RETURN_IF_ERROR(WalkDir(walk, child_local, child_rel));
  }
  return absl::OkStatus();
}

absl::Status AddEntry(Walk& walk, const std::string& local, const std::string& rel,
                      const struct stat& st) {
  if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode) && !S_ISLNK(st.st_mode)) {
    return absl::OkStatus();  // sockets, devices: a checkout holds none
  }
  ContextEntry entry{rel, local, st.st_mode, 0, static_cast<int64_t>(st.st_mtime), ""};
  if (S_ISREG(st.st_mode)) entry.size = static_cast<int64_t>(st.st_size);
  if (S_ISLNK(st.st_mode)) {
    char target[4096];
    ssize_t n = readlink(local.c_str(), target, sizeof(target));
    if (n < 0) return absl::InvalidArgumentError(absl::StrCat("cannot read the link ", rel));
    entry.link_target.assign(target, static_cast<size_t>(n));
  }
  walk.bytes += entry.size;
  if (walk.bytes > walk.limits->max_bytes) {
    return absl::InvalidArgumentError(absl::StrCat("build context is over the agent's limit of ",
                                                   walk.limits->max_bytes >> 20, " MiB"));
  }
  if (static_cast<int>(walk.entries->size()) >= walk.limits->max_entries) {
    return absl::InvalidArgumentError(
        absl::StrCat("build context has over ", walk.limits->max_entries, " files"));
  }
  walk.entries->push_back(std::move(entry));
  return absl::OkStatus();
}

std::string HashInputs(const BuildContext& context, const BuildInputs& inputs,
                       absl::Status* status) {
  Sha256 hash;
  hash.Field("arena-build-v1");
  hash.Field(context.dockerfile_path);
  hash.Field(context.dockerfile_text);
  for (const ContextEntry& entry : context.entries) {
    hash.Field(entry.path);
    hash.Field(absl::StrCat(entry.mode));
    if (S_ISLNK(entry.mode)) hash.Field(entry.link_target);
    if (!S_ISREG(entry.mode)) continue;
    hash.Field(absl::StrCat(entry.size));
    absl::Status read = HashFile(entry.local_path, entry.size, &hash);
    if (!read.ok() && status->ok()) *status = read;
  }
  for (const auto& [name, value] : inputs.args) {
    hash.Field(name);
    hash.Field(value);
  }
  hash.Field(inputs.target);
  hash.Field(absl::StrCat("linux/", inputs.arch));
  return hash.Hex();
}

// ${NAME}, ${NAME:-default} and $NAME from `vars`; unknown names expand
// to "" (or the default), as Docker does.
std::string Expand(absl::string_view text, const std::map<std::string, std::string>& vars) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$' || i + 1 == text.size()) {
      out += text[i];
      continue;
    }
    std::string name, fallback;
    if (text[i + 1] == '{') {
      size_t end = text.find('}', i + 2);
      if (end == absl::string_view::npos) break;
      std::string inner(text.substr(i + 2, end - i - 2));
      size_t dash = inner.find(":-");
      name = inner.substr(0, dash);
      if (dash != std::string::npos) fallback = inner.substr(dash + 2);
      i = end;
    } else {
      size_t end = i + 1;
      while (end < text.size() && (absl::ascii_isalnum(text[end]) || text[end] == '_')) ++end;
      name = std::string(text.substr(i + 1, end - i - 1));
      i = end - 1;
    }
    auto it = vars.find(name);
    out += it != vars.end() && !it->second.empty() ? it->second : fallback;
  }
  return out;
}

// Instructions with their continuation lines joined, comments dropped.
std::vector<std::string> Instructions(absl::string_view dockerfile) {
  std::vector<std::string> out;
  std::string current;
  for (absl::string_view line : absl::StrSplit(dockerfile, '\n')) {
    absl::string_view trimmed = absl::StripAsciiWhitespace(line);
    if (current.empty() && (trimmed.empty() || trimmed[0] == '#')) continue;
    if (absl::ConsumeSuffix(&trimmed, "\\")) {
      absl::StrAppend(&current, trimmed, " ");
      continue;
    }
    absl::StrAppend(&current, trimmed);
    out.push_back(std::move(current));
    current.clear();
  }
  if (!current.empty()) out.push_back(std::move(current));
  return out;
}

}  // namespace

std::vector<std::string> BaseImages(absl::string_view dockerfile,
                                    const std::map<std::string, std::string>& args) {
  std::map<std::string, std::string> vars;
  std::vector<std::string> stages, bases;
  bool seen_from = false;
  for (const std::string& instruction : Instructions(dockerfile)) {
    std::vector<std::string> words = absl::StrSplit(instruction, ' ', absl::SkipWhitespace());
    if (words.size() < 2) continue;
    std::string keyword = absl::AsciiStrToUpper(words[0]);
    if (keyword == "ARG" && !seen_from) {
      std::pair<std::string, std::string> kv = absl::StrSplit(words[1], absl::MaxSplits('=', 1));
      auto given = args.find(kv.first);
      vars[kv.first] = given != args.end() ? given->second : kv.second;
      continue;
    }
    if (keyword != "FROM") continue;
    seen_from = true;
    size_t i = 1;
    while (i < words.size() && absl::StartsWith(words[i], "--")) ++i;  // --platform=...
    if (i >= words.size()) continue;
    std::string image = Expand(words[i], vars);
    // An earlier stage ("FROM build AS test") is no image to fetch.
    bool stage =
        std::find(stages.begin(), stages.end(), absl::AsciiStrToLower(image)) != stages.end();
    if (i + 2 < words.size() && absl::AsciiStrToUpper(words[i + 1]) == "AS") {
      stages.push_back(absl::AsciiStrToLower(words[i + 2]));
    }
    if (image.empty() || image == "scratch" || stage) continue;
    if (std::find(bases.begin(), bases.end(), image) == bases.end()) bases.push_back(image);
  }
  return bases;
}

DockerIgnore::DockerIgnore(absl::string_view text) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    Rule rule;
    if (line[0] == '!') {
      rule.exception = true;
      line = absl::StripAsciiWhitespace(line.substr(1));
      has_exceptions_ = true;
    }
    for (absl::string_view part : absl::StrSplit(line, '/')) {
      if (part.empty() || part == ".") continue;
      rule.segments.emplace_back(part);
    }
    if (!rule.segments.empty()) rules_.push_back(std::move(rule));
  }
}

bool DockerIgnore::Excluded(const std::string& path) const {
  std::vector<absl::string_view> parts = absl::StrSplit(path, '/');
  bool excluded = false;
  for (const Rule& rule : rules_) {
    // The path itself or a directory above it.
    for (size_t n = parts.size(); n >= 1; --n) {
      std::vector<absl::string_view> prefix(parts.begin(), parts.begin() + static_cast<long>(n));
      if (MatchSegments(rule.segments, 0, prefix, 0)) {
        excluded = !rule.exception;
        break;
      }
    }
  }
  return excluded;
}

absl::StatusOr<BuildContext> ScanBuildContext(const std::string& checkout,
                                              const BuildInputs& inputs,
                                              const ContextLimits& limits) {
  ASSIGN_OR_RETURN(std::string context_rel, CleanRelative(inputs.context, "context"));
  ASSIGN_OR_RETURN(std::string dockerfile_rel, CleanRelative(inputs.dockerfile, "dockerfile"));
  std::string context_dir =
      context_rel.empty() ? checkout : absl::StrCat(checkout, "/", context_rel);
  struct stat st;
  if (lstat(context_dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return absl::InvalidArgumentError(
        absl::StrCat("build context ", inputs.context, " is not a directory of the checkout"));
  }
  std::string dockerfile_local = absl::StrCat(checkout, "/", dockerfile_rel);
  if (dockerfile_rel.empty() || lstat(dockerfile_local.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return absl::InvalidArgumentError(
        absl::StrCat("Dockerfile ", inputs.dockerfile, " is not a file of the checkout"));
  }
  BuildContext context;
  ASSIGN_OR_RETURN(context.dockerfile_text, ReadFile(dockerfile_local));
  absl::StatusOr<std::string> ignore_text = ReadFile(absl::StrCat(context_dir, "/.dockerignore"));
  DockerIgnore ignore(ignore_text.ok() ? *ignore_text : "");
  Walk walk{&ignore, &limits, &context.entries};
  RETURN_IF_ERROR(WalkDir(walk, context_dir, ""));
  context.bytes = walk.bytes;
  bool inside = context_rel.empty() || absl::StartsWith(dockerfile_rel, context_rel + "/");
  context.dockerfile_path =
      !inside
          ? kOutsideDockerfile
          : (context_rel.empty() ? dockerfile_rel : dockerfile_rel.substr(context_rel.size() + 1));
  // The Dockerfile goes whatever .dockerignore says, as with docker build.
  bool listed =
      std::any_of(context.entries.begin(), context.entries.end(),
                  [&](const ContextEntry& e) { return e.path == context.dockerfile_path; });
  if (!listed) {
    lstat(dockerfile_local.c_str(), &st);
    context.entries.push_back({context.dockerfile_path, dockerfile_local, st.st_mode,
                               static_cast<int64_t>(st.st_size), static_cast<int64_t>(st.st_mtime),
                               ""});
    std::sort(context.entries.begin(), context.entries.end(),
              [](const ContextEntry& a, const ContextEntry& b) { return a.path < b.path; });
  }
  absl::Status read;
  context.hash = HashInputs(context, inputs, &read);
  RETURN_IF_ERROR(read);
  return context;
}

std::string BuildTag(const std::string& hash, const std::string& arch) {
  return absl::StrCat("arena-build/", hash.substr(0, 20), ":",
                      absl::StrReplaceAll(arch, {{"/", "-"}}));
}

}  // namespace arena
