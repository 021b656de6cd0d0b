#include "cli/help_text.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace arena {
namespace {

// Sub-command forms share a line while it stays this short.
constexpr size_t kSharedLineWidth = 48;
// Where a command's or a flag's help begins.
constexpr size_t kHelpColumn = 37;
constexpr size_t kFlagColumn = 32;
constexpr size_t kWrapWidth = 96;

// Prose no flag carries: where the global flags come from besides the line.
constexpr char kTrailer[] =
    R"(environment: ARENA_CONTROLLER, ARENA_CA_FILE, ARENA_TOKEN, ARENA_TOKEN_FILE, NO_COLOR
config file: ~/.config/arena/config (or $ARENA_CONFIG), "key = value" lines for
             controller, ca-file, token, token-file, output; flags win over the
             environment, the environment over the file
output:      job output on a terminal is filtered (no titles, clipboard writes,
             screen clears or hidden text); to a file or pipe it is byte-exact
)";

std::string Bracketed(const std::vector<FlagInfo>& flags) {
  std::string out;
  for (const FlagInfo& flag : flags) absl::StrAppend(&out, " [", flag.Synopsis(), "]");
  return out;
}

// "name [operands] [JOB FLAGS] [flags] [-- COMMAND...]": operands that
// begin with "--" are what follows the flags, so they come last.
std::string PlainForm(const CommandInfo& command) {
  bool trailing = absl::StartsWith(command.operands, "--");
  std::string form = command.name;
  if (!command.operands.empty() && !trailing) absl::StrAppend(&form, " ", command.operands);
  if (!command.groups.empty()) absl::StrAppend(&form, " [JOB FLAGS]");
  absl::StrAppend(&form, Bracketed(command.flags));
  if (trailing) absl::StrAppend(&form, " ", command.operands);
  return form;
}

// One form per sub-command; flagless neighbours with the same operands
// merge ("agent revoke|drain|undrain AGENT").
std::vector<std::string> SubCommandForms(const CommandInfo& command) {
  std::vector<std::string> forms;
  const SubCommandInfo* merged_with = nullptr;
  std::string names;
  auto flush = [&] {
    if (merged_with == nullptr) return;
    std::string form = absl::StrCat(command.name, " ", names);
    if (!merged_with->operands.empty()) absl::StrAppend(&form, " ", merged_with->operands);
    forms.push_back(form + Bracketed(merged_with->flags));
    merged_with = nullptr;
  };
  for (const SubCommandInfo& sub : command.subcommands) {
    if (merged_with != nullptr && sub.flags.empty() && merged_with->flags.empty() &&
        sub.operands == merged_with->operands) {
      absl::StrAppend(&names, "|", sub.name);
      continue;
    }
    flush();
    merged_with = &sub;
    names = sub.name;
  }
  flush();
  return forms;
}

// `text` padded to `column`, or followed by a new line indented to it.
std::string Column(const std::string& text, size_t column) {
  if (text.size() + 1 < column) return text + std::string(column - text.size(), ' ');
  return absl::StrCat(text, "\n", std::string(column, ' '));
}

std::string FlagLine(const FlagInfo& flag) {
  std::string left = flag.alias.empty() ? absl::StrCat("  --", flag.name)
                                        : absl::StrCat("  -", flag.alias, ", --", flag.name);
  if (!flag.value.empty()) absl::StrAppend(&left, " ", flag.value);
  return absl::StrCat(Column(left, kFlagColumn), flag.help, flag.repeatable ? " (repeatable)" : "",
                      "\n");
}

std::string FlagSection(const std::string& title, const std::vector<const FlagInfo*>& flags) {
  if (flags.empty()) return "";
  std::string out = absl::StrCat(title, ":\n");
  for (const FlagInfo* flag : flags) absl::StrAppend(&out, FlagLine(*flag));
  return out;
}

// `words` joined by `gap`, wrapped at kWrapWidth, each line indented.
std::string Wrapped(const std::vector<std::string>& words, size_t indent, const std::string& gap) {
  std::string out, line;
  for (const std::string& word : words) {
    if (!line.empty() && indent + line.size() + gap.size() + word.size() > kWrapWidth) {
      absl::StrAppend(&out, std::string(indent, ' '), line, "\n");
      line.clear();
    }
    absl::StrAppend(&line, line.empty() ? "" : gap, word);
  }
  if (!line.empty()) absl::StrAppend(&out, std::string(indent, ' '), line, "\n");
  return out;
}

std::string CommandsSection() {
  std::string out = "commands:\n";
  for (const CommandInfo& command : Commands()) {
    std::vector<std::string> lines = SynopsisLines(command);
    for (size_t i = 0; i + 1 < lines.size(); ++i) absl::StrAppend(&out, "  ", lines[i], "\n");
    absl::StrAppend(&out, Column("  " + lines.back(), kHelpColumn), command.summary, "\n");
  }
  return out;
}

}  // namespace

std::vector<std::string> SynopsisLines(const CommandInfo& command) {
  if (command.subcommands.empty()) return {PlainForm(command)};
  std::vector<std::string> lines;
  for (const std::string& form : SubCommandForms(command)) {
    if (!lines.empty() && lines.back().size() + 3 + form.size() <= kSharedLineWidth &&
        lines.back().size() <= kSharedLineWidth) {
      absl::StrAppend(&lines.back(), " | ", form);
    } else {
      lines.push_back(form);
    }
  }
  return lines;
}

std::string Usage() {
  std::vector<std::string> globals;
  for (const FlagInfo& flag : GlobalFlags()) {
    if (flag.name != "help") globals.push_back(absl::StrCat("[", flag.Synopsis(), "]"));
  }
  globals.push_back("COMMAND");
  std::string usage = Wrapped(globals, 16, " ");
  std::string out = absl::StrCat("usage: arenactl ", usage.substr(16), "\n", CommandsSection());
  for (const FlagGroup* group : JobFlagGroups()) {
    std::vector<std::string> flags;
    for (const FlagInfo& flag : group->flags) flags.push_back(flag.Synopsis());
    absl::StrAppend(&out, "\n", group->title, " (run, submit; arenactl run --help):\n",
                    Wrapped(flags, 2, "  "));
  }
  std::vector<const FlagInfo*> globals_help;
  for (const FlagInfo& flag : GlobalFlags()) globals_help.push_back(&flag);
  absl::StrAppend(&out, "\n", FlagSection("global flags (anywhere before --)", globals_help), "\n",
                  kTrailer);
  return out;
}

std::string CommandUsage(absl::string_view name) {
  const CommandInfo* command = FindCommand(name);
  if (command == nullptr) return "";
  std::string out;
  const char* lead = "usage: ";
  for (const std::string& line : SynopsisLines(*command)) {
    absl::StrAppend(&out, lead, "arenactl [GLOBAL FLAGS] ", line, "\n");
    lead = "       ";
  }
  absl::StrAppend(&out, "\n", command->summary, "\n");
  std::vector<const FlagInfo*> own = command->OwnFlags();
  if (!own.empty()) absl::StrAppend(&out, "\n", FlagSection("flags", own));
  for (const FlagGroup* group : command->groups) {
    std::vector<const FlagInfo*> flags;
    for (const FlagInfo& flag : group->flags) flags.push_back(&flag);
    absl::StrAppend(&out, "\n", FlagSection(group->title, flags));
  }
  absl::StrAppend(&out, "\nglobal flags (anywhere before --): see arenactl --help\n");
  return out;
}

}  // namespace arena
