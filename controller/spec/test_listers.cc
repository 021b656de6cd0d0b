#include "controller/spec/test_listers.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace arena {
namespace {

// pytest prints the node ids, a blank line, then its summary (and any
// warnings, which may name node ids again, or collection errors): the ids
// are the lines with "::" before the first blank one; the rest goes to
// stderr, where the list step's log shows it and no id is read.
constexpr absl::string_view kPytestFilter =
    "awk 'done { print > \"/dev/stderr\"; next } /^$/ { done = 1; next } /::/ { print; n++; next } "
    "{ print > \"/dev/stderr\" } "
    "END { if (n == 0) { print \"arena: pytest collected no tests\" > \"/dev/stderr\"; exit 1 } }'";

// `go test -list` prints each package's names, then "ok  PKG  TIME" (or
// "?  PKG  [no test files]"); anything else goes to stderr.
constexpr absl::string_view kGoFilter =
    "awk '/^(Test|Example|Fuzz)/ { names[n++] = $1; next } "
    "/^ok / { for (i = 0; i < n; i++) print $2 \"/\" names[i]; total += n; n = 0; next } "
    "/^[?] / { next } { print > \"/dev/stderr\" } "
    "END { if (total == 0) { print \"arena: go test -list listed no tests\" > \"/dev/stderr\"; "
    "exit 1 } }'";

}  // namespace

absl::Status ExpandTestLister(v1::JobSpec& spec) {
  if (spec.test_lister().empty()) return absl::OkStatus();
  if (!spec.list_command().empty() || spec.tests_size() > 0) {
    return absl::InvalidArgumentError(
        "give a built-in lister (--list), a list command or test ids, only one of them");
  }
  absl::string_view lister = absl::StripAsciiWhitespace(spec.test_lister());
  absl::string_view runner = lister.substr(0, lister.find_first_of(" \t"));
  absl::string_view args = absl::StripAsciiWhitespace(lister.substr(runner.size()));
  std::string command;
  if (runner == "pytest") {
    command = absl::StrCat("python3 -m pytest --collect-only -q -p no:cacheprovider",
                           args.empty() ? "" : " ", args, " | ", kPytestFilter);
  } else if (runner == "go") {
    command = absl::StrCat("go test -list '^(Test|Example|Fuzz)' ", args.empty() ? "./..." : args,
                           " | ", kGoFilter);
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown test lister \"", runner,
                     "\": the built-in ones are pytest and go (or give "
                     "--list-command)"));
  }
  spec.set_list_command(std::move(command));
  spec.clear_test_lister();
  return absl::OkStatus();
}

}  // namespace arena
