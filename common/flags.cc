#include "common/flags.h"

#include "absl/strings/str_cat.h"

namespace arena {

std::string ParsedFlags::Get(const std::string& name, const std::string& fallback) const {
  auto it = values_.find(name);
  if (it == values_.end() || it->second.empty()) return fallback;
  return it->second.back();
}

std::vector<std::string> ParsedFlags::GetAll(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

absl::StatusOr<ParsedFlags> ParseFlags(const FlagSpec& spec, const std::vector<std::string>& args) {
  ParsedFlags out;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      out.passthrough_.assign(args.begin() + i + 1, args.end());
      break;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      out.positional_.push_back(arg);
      continue;
    }
    std::string name;
    std::string value;
    bool has_value = false;
    if (arg[1] == '-') {
      name = arg.substr(2);
      size_t eq = name.find('=');
      if (eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
        has_value = true;
      }
    } else {
      auto alias = spec.short_aliases.find(arg.substr(1));
      if (alias == spec.short_aliases.end()) {
        return absl::InvalidArgumentError(absl::StrCat("unknown flag ", arg));
      }
      name = alias->second;
    }
    if (spec.bool_flags.count(name)) {
      if (has_value && value != "true" && value != "false") {
        return absl::InvalidArgumentError(
            absl::StrCat("flag --", name, " takes true or false, not \"", value, "\""));
      }
      out.values_[name].push_back(has_value ? value : "true");
      continue;
    }
    if (!spec.value_flags.count(name)) {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag ", arg));
    }
    if (!has_value) {
      if (i + 1 >= args.size()) {
        return absl::InvalidArgumentError(absl::StrCat("flag ", arg, " needs a value"));
      }
      value = args[++i];
    }
    out.values_[name].push_back(value);
  }
  return out;
}

}  // namespace arena

namespace arena {

absl::StatusOr<std::map<std::string, std::string>> ParseKeyValues(const std::string& text) {
  std::map<std::string, std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    std::string item = text.substr(start, end - start);
    start = end + 1;
    if (item.empty()) continue;
    size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      return absl::InvalidArgumentError(absl::StrCat("expected key=value, got \"", item, "\""));
    }
    out[item.substr(0, eq)] = item.substr(eq + 1);
  }
  return out;
}

std::string FormatKeyValues(const std::map<std::string, std::string>& values) {
  std::string out;
  for (const auto& [key, value] : values) {
    absl::StrAppend(&out, out.empty() ? "" : ",", key, "=", value);
  }
  return out;
}

}  // namespace arena
