// What an image build reads from a checkout, and the name it is kept under.
//
// ScanBuildContext walks the context directory (sorted, symlinks not
// followed, `.git` never included, `.dockerignore` patterns applied as
// Docker applies them: `*`, `?`, `[...]` within a path segment, `**` across
// segments, `!` re-includes, the last matching line wins, a pattern
// matching a directory covers everything below it; the Dockerfile and the
// .dockerignore itself are always sent). It hashes, in that order, the
// Dockerfile's contents and its path, every entry's path, type, mode and
// contents (or link target), the build args, the target and the platform:
// the image's tag is that hash, so an unchanged context on another commit
// is the same image, and anything that changes the result is another one.
//
// Pure functions over the filesystem (nothing to own), used by ImageBuilder;
// thread-safe.
#ifndef ARENA_AGENT_EXECUTOR_BUILD_CONTEXT_H_
#define ARENA_AGENT_EXECUTOR_BUILD_CONTEXT_H_

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace arena {

struct BuildInputs {
  std::string dockerfile = "Dockerfile";  // relative to the checkout
  std::string context = ".";              // relative to the checkout
  std::map<std::string, std::string> args;
  std::string target;
  std::string arch;  // normalised: the build's platform is linux/ARCH
};

struct ContextEntry {
  std::string path;        // in the tar: relative to the context, '/'-separated
  std::string local_path;  // on disk
  mode_t mode = 0;         // type and permission bits (lstat)
  int64_t size = 0;        // regular files
  int64_t mtime = 0;
  std::string link_target;  // symlinks
};

struct BuildContext {
  std::vector<ContextEntry> entries;  // sorted by path
  // The Dockerfile's path inside the tar (Docker's `dockerfile` parameter);
  // one outside the context is added as ".arena.Dockerfile".
  std::string dockerfile_path;
  std::string dockerfile_text;
  int64_t bytes = 0;  // of regular files
  std::string hash;   // hex SHA-256 over every input
};

struct ContextLimits {
  int64_t max_bytes = int64_t{1} << 30;
  int max_entries = 100000;
};

// InvalidArgument for a path leaving the checkout, a missing Dockerfile or
// context, or a context over the limits (each named).
absl::StatusOr<BuildContext> ScanBuildContext(const std::string& checkout,
                                              const BuildInputs& inputs,
                                              const ContextLimits& limits = ContextLimits());

// "arena-build/<first 20 hex of the hash>:<arch>" ("arm-v7" for arm/v7).
std::string BuildTag(const std::string& hash, const std::string& arch);

// A parsed .dockerignore.
class DockerIgnore {
 public:
  explicit DockerIgnore(absl::string_view text);
  // `path` relative to the context, '/'-separated.
  bool Excluded(const std::string& path) const;
  bool has_exceptions() const { return has_exceptions_; }

 private:
  struct Rule {
    std::vector<std::string> segments;
    bool exception = false;
  };
  std::vector<Rule> rules_;
  bool has_exceptions_ = false;
};

// The images the Dockerfile's FROM lines name (earlier stages and
// "scratch" left out), with ${NAME} / $NAME replaced from `args` and the
// ARG defaults before the first FROM. For registry credentials and the
// base images' pull policy.
std::vector<std::string> BaseImages(absl::string_view dockerfile,
                                    const std::map<std::string, std::string>& args);

}  // namespace arena

#endif  // ARENA_AGENT_EXECUTOR_BUILD_CONTEXT_H_
