// Image references and pull policies, shared by the controller (defaults,
// what it allows) and the agent (what it pulls). Pure functions; thread-safe.
//
// A reference is [HOST/]PATH[:TAG][@DIGEST]. HOST is the first path
// component when it holds a '.' or a ':' or is "localhost" (as Docker reads
// it); otherwise the image lives on Docker Hub.
#ifndef ARENA_COMMON_IMAGE_REF_H_
#define ARENA_COMMON_IMAGE_REF_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace arena {

struct ImageRef {
  std::string host;  // "" for a Docker Hub name
  std::string name;  // the reference without tag or digest
  std::string tag;   // "" when none was given
  std::string digest;
};

ImageRef ParseImageRef(absl::string_view image);
// InvalidArgument, saying why, unless `image` is a reference Docker would
// take: [HOST[:PORT]/]PATH[:TAG][@ALGO:HEX], the path's components
// lowercase letters and digits joined by '.', '_' or '-', a tag of at most
// 128 word characters, '.' and '-' (not starting with either).
absl::Status CheckImageReference(absl::string_view image);
// The registry a pull of `image` goes to, normalised as below ("docker.io"
// for Docker Hub names).
std::string RegistryHost(absl::string_view image);
// A registry host as credentials are keyed: lower case, Docker Hub's aliases
// ("index.docker.io", "registry-1.docker.io") as "docker.io". "" when `host`
// could not be the host part of an image name (it needs a '.' or a ':' or
// is "localhost"; letters, digits, ".-:[]" only).
std::string NormalizeRegistryHost(absl::string_view host);

enum class PullPolicy { kAlways, kIfNotPresent, kNever };

// "always", "if-not-present", "never"; InvalidArgument otherwise.
absl::StatusOr<PullPolicy> ParsePullPolicy(absl::string_view name);
const char* PullPolicyName(PullPolicy policy);
// The policy for `image` when the job names none. As Kubernetes does it for
// names with a registry host: `always` for ":latest" or no tag (and no
// digest), `if-not-present` otherwise. Names without a host (Docker Hub
// style, such as the local test images) get `never`: agents ran only images
// present on their host before pulls existed, and a job written for that
// must not start reaching Docker Hub. Ask for a pull with --pull.
PullPolicy DefaultPullPolicy(absl::string_view image);
// `requested` ("" for the default) applied to `image`; InvalidArgument for
// an unknown name.
absl::StatusOr<PullPolicy> EffectivePullPolicy(absl::string_view requested,
                                               absl::string_view image);

}  // namespace arena

#endif  // ARENA_COMMON_IMAGE_REF_H_
