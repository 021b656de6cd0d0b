#include "cli/terminal.h"

#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace arena {

const char kTerminalReset[] = "\x18\033\\\033[0m\x0f\033(B";

namespace {

constexpr unsigned char kEsc = 0x1B;
// An escape sequence longer than this is garbage, not something to wait for.
constexpr size_t kMaxSequence = 64;

// Length of the UTF-8 character at the start of `s` (its code point in
// `*cp`); 0 when the first byte does not begin a valid character; -1 when
// `s` ends before the character does.
int DecodeUtf8(absl::string_view s, uint32_t* cp) {
  unsigned char lead = static_cast<unsigned char>(s[0]);
  int length = 0;
  if (lead < 0x80) {
    *cp = lead;
    return 1;
  } else if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    *cp = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    *cp = lead & 0x0F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    *cp = lead & 0x07;
  } else {
    return 0;
  }
  for (int k = 1; k < length; ++k) {
    if (static_cast<size_t>(k) >= s.size()) return -1;
    unsigned char next = static_cast<unsigned char>(s[k]);
    if ((next & 0xC0) != 0x80) return 0;
    *cp = (*cp << 6) | (next & 0x3F);
  }
  bool overlong = (length == 3 && *cp < 0x800) || (length == 4 && *cp < 0x10000);
  if (overlong || *cp > 0x10FFFF || (*cp >= 0xD800 && *cp <= 0xDFFF)) return 0;
  return length;
}

// Characters that reorder how a line is shown, so a field could make the
// text after it read differently.
bool IsBidiControl(uint32_t cp) {
  return cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 || cp == 0x2029;
}

std::string ByteEscape(unsigned char b) {
  switch (b) {
    case '\n':
      return "\\n";
    case '\r':
      return "\\r";
    case '\t':
      return "\\t";
    default:
      return absl::StrFormat("\\x%02x", b);
  }
}

std::string CodePointEscape(uint32_t cp) { return absl::StrFormat("\\u%04x", cp); }

bool IsPrintableAscii(char c) { return c >= 0x20 && c < 0x7F; }

std::string Escaped(absl::string_view text, bool multi_line) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    unsigned char b = static_cast<unsigned char>(text[i]);
    if (IsPrintableAscii(text[i]) || (multi_line && (b == '\n' || b == '\t'))) {
      out.push_back(text[i++]);
      continue;
    }
    uint32_t cp = 0;
    int length = DecodeUtf8(text.substr(i), &cp);
    if (length <= 0 || cp < 0x20 || cp == 0x7F) {
      out += ByteEscape(b);
      ++i;
      continue;
    }
    if (cp <= 0x9F || IsBidiControl(cp)) {
      out += CodePointEscape(cp);
    } else {
      out.append(text.data() + i, static_cast<size_t>(length));
    }
    i += static_cast<size_t>(length);
  }
  return out;
}

// An SGR sequence's parameters without "conceal" (8); the 38/48/58 colour
// forms keep their arguments, which may well be 8. Empty when nothing
// harmless is left or the parameters are not plain SGR.
std::string SafeSgr(absl::string_view params) {
  if (params.find_first_not_of("0123456789;:") != absl::string_view::npos) return "";
  if (params.empty()) return "\033[m";
  std::vector<absl::string_view> parts = absl::StrSplit(params, ';');
  std::vector<absl::string_view> kept;
  size_t k = 0;
  while (k < parts.size()) {
    int code = 0;
    if (!absl::SimpleAtoi(parts[k], &code)) code = parts[k].empty() ? 0 : -1;
    size_t take = 1;
    if ((code == 38 || code == 48 || code == 58) && k + 1 < parts.size()) {
      take = parts[k + 1] == "5" ? 3 : parts[k + 1] == "2" ? 5 : 1;
    }
    if (code == 8) {
      ++k;
      continue;
    }
    for (size_t t = 0; t < take && k < parts.size(); ++t) kept.push_back(parts[k++]);
  }
  if (kept.empty()) return "";
  return absl::StrCat("\033[", absl::StrJoin(kept, ";"), "m");
}

bool InRange(absl::string_view data, size_t i, unsigned char low, unsigned char high) {
  unsigned char b = static_cast<unsigned char>(data[i]);
  return b >= low && b <= high;
}

// A CSI sequence at data[i] ("ESC ["): SGR is kept without conceal, erase in
// line is kept, everything else is dropped. 0: incomplete.
size_t Csi(absl::string_view data, size_t i, std::string* out) {
  size_t j = i + 2;
  while (j < data.size() && InRange(data, j, 0x30, 0x3F)) ++j;
  size_t params_end = j;
  while (j < data.size() && InRange(data, j, 0x20, 0x2F)) ++j;
  if (j >= data.size()) return data.size() - i > kMaxSequence ? data.size() - i : 0;
  if (!InRange(data, j, 0x40, 0x7E)) return j - i;  // malformed: drop what came so far
  absl::string_view params = data.substr(i + 2, params_end - i - 2);
  bool plain = params_end == j;
  if (plain && data[j] == 'm') {
    *out += SafeSgr(params);
  } else if (plain && data[j] == 'K' &&
             params.find_first_not_of("012") == absl::string_view::npos) {
    out->append(data.data() + i, j + 1 - i);
  }
  return j + 1 - i;
}

bool AltersTerminal(absl::string_view bytes) {
  for (size_t i = 0; i < bytes.size(); ++i) {
    unsigned char b = static_cast<unsigned char>(bytes[i]);
    if (b == kEsc || b == 0x0E || b == 0x0F) return true;
    if (b == 0xC2 && i + 1 < bytes.size() && InRange(bytes, i + 1, 0x80, 0x9F)) return true;
  }
  return false;
}

std::atomic<bool> owed_stdout{false};
std::atomic<bool> owed_stderr{false};

}  // namespace

bool IsValidUtf8(absl::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    uint32_t cp = 0;
    int length = DecodeUtf8(text.substr(i), &cp);
    if (length <= 0) return false;
    i += static_cast<size_t>(length);
  }
  return true;
}

std::string SafeField(absl::string_view text) { return Escaped(text, /*multi_line=*/false); }

std::string SafeText(absl::string_view text) { return Escaped(text, /*multi_line=*/true); }

void MakeDisplaySafe(google::protobuf::Message* message) {
  using google::protobuf::FieldDescriptor;
  const google::protobuf::Reflection* reflection = message->GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(*message, &fields);
  for (const FieldDescriptor* field : fields) {
    if (field->type() == FieldDescriptor::TYPE_STRING) {
      if (!field->is_repeated()) {
        reflection->SetString(message, field, SafeField(reflection->GetString(*message, field)));
        continue;
      }
      for (int i = 0; i < reflection->FieldSize(*message, field); ++i) {
        reflection->SetRepeatedString(message, field, i,
                                      SafeField(reflection->GetRepeatedString(*message, field, i)));
      }
    } else if (field->type() == FieldDescriptor::TYPE_MESSAGE) {
      if (!field->is_repeated()) {
        MakeDisplaySafe(reflection->MutableMessage(message, field));
        continue;
      }
      for (int i = 0; i < reflection->FieldSize(*message, field); ++i) {
        MakeDisplaySafe(reflection->MutableRepeatedMessage(message, field, i));
      }
    }
  }
}

std::string TerminalFilter::Filter(absl::string_view chunk) {
  std::string data = pending_;
  data.append(chunk.data(), chunk.size());
  pending_.clear();
  std::string out;
  out.reserve(data.size());
  size_t i = 0;
  while (i < data.size()) {
    size_t used = in_string_ ? SkipString(data, i, &out) : Text(data, i, &out);
    if (used == 0) {
      pending_ = data.substr(i);
      break;
    }
    i += used;
  }
  return out;
}

size_t TerminalFilter::Text(absl::string_view data, size_t i, std::string* out) {
  unsigned char b = static_cast<unsigned char>(data[i]);
  if (IsPrintableAscii(data[i])) {
    size_t j = i;
    while (j < data.size() && IsPrintableAscii(data[j])) ++j;
    out->append(data.data() + i, j - i);
    return j - i;
  }
  if (b == kEsc) return Escape(data, i, out);
  if (b == '\n' || b == '\t' || b == '\r' || b == '\b') {
    out->push_back(data[i]);
    return 1;
  }
  uint32_t cp = 0;
  int length = b < 0x80 ? 0 : DecodeUtf8(data.substr(i), &cp);
  if (length < 0) return 0;  // the rest of the character is in the next chunk
  if (length == 0) {
    *out += ByteEscape(b);
    return 1;
  }
  if (cp <= 0x9F) {
    *out += CodePointEscape(cp);
  } else {
    out->append(data.data() + i, static_cast<size_t>(length));
  }
  return static_cast<size_t>(length);
}

size_t TerminalFilter::Escape(absl::string_view data, size_t i, std::string* out) {
  size_t j = i + 1;
  if (j >= data.size()) return 0;
  char kind = data[j];
  if (kind == ']' || kind == 'P' || kind == 'X' || kind == '^' || kind == '_') {
    in_string_ = true;  // OSC, DCS, SOS, PM, APC: dropped up to their end
    return 2;
  }
  if (kind == '[') return Csi(data, i, out);
  // ESC, intermediates, a final byte: charsets, cursor save, full reset...
  while (j < data.size() && InRange(data, j, 0x20, 0x2F)) ++j;
  if (j >= data.size()) return data.size() - i > kMaxSequence ? data.size() - i : 0;
  return InRange(data, j, 0x30, 0x7E) ? j + 1 - i : j - i;
}

size_t TerminalFilter::SkipString(absl::string_view data, size_t i, std::string* out) {
  for (size_t j = i; j < data.size(); ++j) {
    unsigned char b = static_cast<unsigned char>(data[j]);
    if (b == 0x07 || b == 0x18 || b == 0x1A) {  // BEL (xterm's OSC end), CAN, SUB
      in_string_ = false;
      return j + 1 - i;
    }
    if (b == '\n') {  // the introducer was dropped, so what follows is text
      in_string_ = false;
      out->push_back('\n');
      return j + 1 - i;
    }
    if (b == kEsc) {  // ST (ESC \) or the start of another sequence
      in_string_ = false;
      return j > i ? j - i : Escape(data, i, out);
    }
    if (b == 0xC2 && j + 1 < data.size() && static_cast<unsigned char>(data[j + 1]) == 0x9C) {
      in_string_ = false;  // C1 ST
      return j + 2 - i;
    }
  }
  return data.size() - i;
}

std::string TerminalFilter::Finish() {
  std::string out;
  if (!pending_.empty() && static_cast<unsigned char>(pending_[0]) != kEsc) {
    out = SafeField(pending_);
  }
  pending_.clear();
  in_string_ = false;
  return out;
}

JobOutput::JobOutput(bool terminal) : terminal_(terminal) {}

void JobOutput::Write(absl::string_view bytes) {
  std::string filtered;
  if (terminal_) {
    filtered = filter_.Filter(bytes);
    bytes = filtered;
  }
  Emit(bytes);
}

void JobOutput::Finish() {
  if (terminal_) Emit(filter_.Finish());
}

void JobOutput::Emit(absl::string_view bytes) {
  if (AltersTerminal(bytes)) {
    owed_stdout = true;
    owed_stderr = true;
  }
  std::fwrite(bytes.data(), 1, bytes.size(), stdout);
  std::fflush(stdout);
}

bool StdoutIsTerminal() {
  static const bool terminal = isatty(STDOUT_FILENO) != 0;
  return terminal;
}

void BeginOwnOutput(std::FILE* stream) {
  std::atomic<bool>& owed = stream == stdout ? owed_stdout : owed_stderr;
  if (!owed.exchange(false)) return;
  if (stream != stdout) std::fflush(stdout);
  std::fputs(kTerminalReset, stream);
}

}  // namespace arena
