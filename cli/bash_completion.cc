#include "cli/bash_completion.h"

#include <iostream>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/cli.h"
#include "cli/command_table.h"

namespace arena {
namespace {

constexpr char kHead[] =
    R"SH(# arenactl bash completion, written from arenactl's command table: source
# it, or install it as /usr/share/bash-completion/completions/arenactl
_arenactl_jobs() {
  arenactl -o json jobs --limit 20 2>/dev/null | sed -n 's/.*"id": "\(job-[0-9a-f]*\)".*/\1/p'
}
)SH";

// Finds the command and its first operand (a sub-command or a job) before
// the cursor, stepping over flags and their values; then completes fixed
// values, or leaves a value's completion to bash (files).
constexpr char kScan[] = R"SH(_arenactl() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev="" cmd="" sub="" words="" word i
  ((COMP_CWORD > 1)) && prev=${COMP_WORDS[COMP_CWORD-1]}
  if [[ $cur == = ]]; then
    cur=""
  elif [[ $prev == = ]] && ((COMP_CWORD > 2)); then
    prev=${COMP_WORDS[COMP_CWORD-2]}
  fi
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=${COMP_WORDS[i]}
    case $word in
      --) return ;;
      -*)
        if [[ " $(_arenactl_values "$cmd") " == *" $word "* ]]; then
          [[ ${COMP_WORDS[i+1]} == = ]] && ((i++))
          ((i++))
        fi ;;
      *) if [[ -z $cmd ]]; then cmd=$word; elif [[ -z $sub ]]; then sub=$word; fi ;;
    esac
  done
)SH";

constexpr char kTail[] = R"SH(  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F _arenactl arenactl
)SH";

// "--name" and, when it has one, "-a".
void AddWords(const FlagInfo& flag, std::vector<std::string>* words) {
  words->push_back("--" + flag.name);
  if (!flag.alias.empty()) words->push_back("-" + flag.alias);
}

std::vector<std::string> GlobalWords(const CommandInfo* command) {
  std::vector<std::string> words;
  for (const FlagInfo& flag : GlobalFlags()) {
    if (command == nullptr || command->FindFlag(flag.name) == nullptr) AddWords(flag, &words);
  }
  return words;
}

std::string ValueWords(const std::vector<const FlagInfo*>& flags) {
  std::vector<std::string> words;
  for (const FlagInfo* flag : flags) {
    if (!flag->boolean()) AddWords(*flag, &words);
  }
  return absl::StrJoin(words, " ");
}

// _arenactl_values COMMAND: the flags that take a value there.
std::string ValuesFunction() {
  std::vector<const FlagInfo*> globals;
  for (const FlagInfo& flag : GlobalFlags()) globals.push_back(&flag);
  std::string out = "_arenactl_values() {\n  case $1 in\n";
  for (const CommandInfo& command : Commands()) {
    std::string words = ValueWords(command.AllFlags());
    if (!words.empty()) absl::StrAppend(&out, "    ", command.name, ") echo \"", words, "\" ;;\n");
  }
  absl::StrAppend(&out, "  esac\n  echo \"", ValueWords(globals), "\"\n}\n");
  return out;
}

// A case arm per flag with fixed values: "run --network") words="none host
// bridge". `command` "*" is any command (a global flag).
void AddChoiceArms(const std::string& command, const std::vector<const FlagInfo*>& flags,
                   std::string* out) {
  std::string lead = command == "*" ? "*\"" : absl::StrCat("\"", command);
  for (const FlagInfo* flag : flags) {
    if (flag->choices.empty()) continue;
    std::vector<std::string> patterns = {absl::StrCat(lead, " --", flag->name, "\"")};
    if (!flag->alias.empty()) patterns.push_back(absl::StrCat(lead, " -", flag->alias, "\""));
    absl::StrAppend(out, "    ", absl::StrJoin(patterns, "|"), ") words=\"",
                    absl::StrJoin(flag->choices, " "), "\" ;;\n");
  }
}

std::string ChoicesAndValues() {
  std::string out = "  case \"$cmd $prev\" in\n";
  for (const CommandInfo& command : Commands()) {
    AddChoiceArms(command.name, command.AllFlags(), &out);
  }
  std::vector<const FlagInfo*> globals;
  for (const FlagInfo& flag : GlobalFlags()) globals.push_back(&flag);
  AddChoiceArms("*", globals, &out);
  absl::StrAppend(&out, "  esac\n",
                  "  if [[ -n $words ]]; then COMPREPLY=($(compgen -W \"$words\" -- \"$cur\")); "
                  "return; fi\n",
                  "  [[ $prev == -* && \" $(_arenactl_values \"$cmd\") \" == *\" $prev \"* ]] && "
                  "return\n");
  return out;
}

std::string FlagWords(const CommandInfo& command, const std::vector<const FlagInfo*>& flags) {
  std::vector<std::string> words;
  for (const FlagInfo* flag : flags) AddWords(*flag, &words);
  for (const std::string& word : GlobalWords(&command)) words.push_back(word);
  return absl::StrJoin(words, " ");
}

// Flags after "-"; otherwise the sub-commands, or job ids for a JOB.
std::string CommandArm(const CommandInfo& command) {
  std::string out = absl::StrCat("    ", command.name, ")\n      if [[ $cur == -* ]]; then\n");
  if (command.subcommands.empty()) {
    absl::StrAppend(&out, "        words=\"", FlagWords(command, command.AllFlags()), "\"\n");
  } else {
    absl::StrAppend(&out, "        case $sub in\n");
    for (const SubCommandInfo& sub : command.subcommands) {
      std::vector<const FlagInfo*> flags;
      for (const FlagInfo& flag : sub.flags) flags.push_back(&flag);
      absl::StrAppend(&out, "          ", sub.name, ") words=\"", FlagWords(command, flags),
                      "\" ;;\n");
    }
    absl::StrAppend(&out, "          *) words=\"", FlagWords(command, command.AllFlags()),
                    "\" ;;\n        esac\n");
  }
  std::vector<std::string> subs;
  for (const SubCommandInfo& sub : command.subcommands) subs.push_back(sub.name);
  if (!subs.empty()) {
    absl::StrAppend(&out, "      elif [[ -z $sub ]]; then\n        words=\"",
                    absl::StrJoin(subs, " "), "\"\n");
  } else if (absl::StartsWith(command.operands, "JOB")) {
    absl::StrAppend(&out, "      elif [[ -z $sub ]]; then\n        words=$(_arenactl_jobs)\n");
  }
  absl::StrAppend(&out, "      fi ;;\n");
  return out;
}

std::string CommandsCase() {
  std::vector<std::string> names;
  for (const CommandInfo& command : Commands()) names.push_back(command.name);
  std::string out = absl::StrCat("  [[ -z $cmd ]] && words=\"", absl::StrJoin(names, " "), " ",
                                 absl::StrJoin(GlobalWords(nullptr), " "), "\"\n  case $cmd in\n");
  for (const CommandInfo& command : Commands()) absl::StrAppend(&out, CommandArm(command));
  absl::StrAppend(&out, "  esac\n");
  return out;
}

}  // namespace

std::string BashCompletion() {
  return absl::StrCat(kHead, ValuesFunction(), kScan, ChoicesAndValues(), CommandsCase(), kTail);
}

int CmdCompletion(Cli& cli) {
  absl::StatusOr<ParsedFlags> flags = CommandFlags(cli);
  if (!flags.ok()) return Fail(kExitUsage, std::string(flags.status().message()));
  if (flags->positional().size() != 1 || flags->positional()[0] != "bash") return FailUsage(cli);
  std::cout << BashCompletion();
  return 0;
}

}  // namespace arena
