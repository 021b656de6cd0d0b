#include "cli/command_line.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "cli/command_table.h"
#include "cli/terminal.h"
#include "common/status_macros.h"

namespace arena {

namespace {

// The global flag called `name`, or null.
const FlagInfo* FindGlobal(absl::string_view name) {
  for (const FlagInfo& flag : GlobalFlags()) {
    if (flag.name == name) return &flag;
  }
  return nullptr;
}

// Whether `command` declares a flag with a global flag's name (git login's
// --ca-file): then it is the command's.
bool OwnedByCommand(const std::string& command, const std::string& flag) {
  const CommandInfo* info = FindCommand(command);
  return info != nullptr && info->FindFlag(flag) != nullptr;
}

// The global flag `arg` names ("--token", "--token=T", "-o", "-h"), or "".
std::string GlobalName(const std::string& arg) {
  if (arg.size() == 2 && arg[0] == '-' && arg[1] != '-') {
    for (const FlagInfo& flag : GlobalFlags()) {
      if (flag.alias == arg.substr(1)) return flag.name;
    }
    return "";
  }
  if (!absl::StartsWith(arg, "--")) return "";
  std::string name =
      arg.substr(2, arg.find('=') == std::string::npos ? std::string::npos : arg.find('=') - 2);
  return FindGlobal(name) != nullptr ? name : "";
}

// The first control character in `arg` other than tab and newline (which a
// multi-line suite command may hold), as a readable name; empty if none.
std::string ControlCharacter(absl::string_view arg) {
  for (char c : arg) {
    unsigned char b = static_cast<unsigned char>(c);
    if ((b >= 0x20 && b != 0x7F) || b == '\t' || b == '\n') continue;
    if (b == '\r') return "a carriage return (\\r)";
    return absl::StrCat("a control character (", SafeField(std::string(1, c)), ")");
  }
  return "";
}

}  // namespace

absl::Status CheckArguments(const std::vector<std::string>& args) {
  bool command = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (!command && arg == "--") {
      command = true;
      continue;
    }
    std::string name = absl::StrCat("argument ", i + 1);
    if (!command && arg.size() > 2 && arg[0] == '-' && arg.find('=') != std::string::npos) {
      name = absl::StrCat("the value of ", arg.substr(0, arg.find('=')));
    } else if (!command && i > 0 && args[i - 1].size() > 1 && args[i - 1][0] == '-' &&
               args[i - 1].find('=') == std::string::npos) {
      name = absl::StrCat("the argument after ", SafeField(args[i - 1]));
    }
    if (!IsValidUtf8(arg)) return absl::InvalidArgumentError(name + " is not valid UTF-8");
    std::string control = command ? "" : ControlCharacter(arg);
    if (!control.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(name, " holds ", control));
    }
  }
  return absl::OkStatus();
}

namespace {

size_t EditDistance(absl::string_view a, absl::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

absl::StatusOr<CommandLine> ParseCommandLine(const std::vector<std::string>& args) {
  CommandLine line;
  std::vector<std::string> globals;
  size_t i = 0;
  for (; i < args.size() && args[i] != "--"; ++i) {
    const std::string& arg = args[i];
    std::string name = GlobalName(arg);
    if (line.command.empty() && name.empty() && arg.size() > 1 && arg[0] == '-') {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown global flag ", SafeField(arg), " before the command"));
    }
    if (name.empty() || OwnedByCommand(line.command, name)) {
      if (line.command.empty()) {
        line.command = arg;
      } else {
        line.args.push_back(arg);
      }
      continue;
    }
    globals.push_back(arg);
    if (!FindGlobal(name)->boolean() && arg.find('=') == std::string::npos) {
      if (++i == args.size() || args[i] == "--") {
        return absl::InvalidArgumentError(absl::StrCat("--", name, " is missing its value"));
      }
      globals.push_back(args[i]);
    }
  }
  if (i < args.size()) line.passthrough.assign(args.begin() + i + 1, args.end());
  std::vector<const FlagInfo*> declared;
  for (const FlagInfo& flag : GlobalFlags()) declared.push_back(&flag);
  ASSIGN_OR_RETURN(line.globals, ParseFlags(SpecOf(declared), globals));
  return line;
}

std::string NearestCommand(absl::string_view name, const std::vector<std::string>& commands) {
  std::string best;
  size_t best_distance = 3;
  std::vector<std::string> prefixed;
  for (const std::string& command : commands) {
    size_t distance = EditDistance(name, command);
    if (distance < best_distance) {
      best_distance = distance;
      best = command;
    }
    if (!name.empty() && absl::StartsWith(command, name)) prefixed.push_back(command);
  }
  if (best.empty() && prefixed.size() == 1) return prefixed[0];
  return best;
}

namespace {

// An undeclared flag, named with the command's nearest declared one.
absl::Status UnknownFlag(const CommandInfo& command, const std::string& arg) {
  std::vector<std::string> declared;
  for (const FlagInfo* flag : command.AllFlags()) {
    declared.push_back("--" + flag->name);
    if (!flag->alias.empty()) declared.push_back("-" + flag->alias);
  }
  std::string nearest = NearestCommand(arg.substr(0, arg.find('=')), declared);
  std::string hint = nearest.empty() ? absl::StrCat("see arenactl ", command.name, " --help")
                                     : absl::StrCat("did you mean ", nearest, "?");
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown flag ", SafeField(arg.substr(0, arg.find('='))), " for ", command.name, "; ", hint));
}

}  // namespace

absl::StatusOr<ParsedFlags> ParseCommandFlags(const CommandInfo& command,
                                              const std::vector<std::string>& args) {
  for (size_t i = 0; i < args.size() && args[i] != "--"; ++i) {
    const std::string& arg = args[i];
    if (arg.size() < 2 || arg[0] != '-') continue;
    const FlagInfo* flag = arg[1] == '-' ? command.FindFlag(arg.substr(2, arg.find('=') - 2))
                                         : command.FindAlias(arg.substr(1));
    if (flag == nullptr) return UnknownFlag(command, arg);
    if (!flag->boolean() && arg.find('=') == std::string::npos) ++i;  // its value
  }
  return ParseFlags(SpecOf(command.AllFlags()), args);
}

}  // namespace arena
