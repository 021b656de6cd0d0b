// What arenactl puts on the operator's terminal, and how text that a job or
// the server supplied is kept from changing it.
//
// A job controls its output and much of what the server stores about it
// (command, test names, labels, reasons, hostnames). Printed raw, that text
// could set the window title, write the clipboard (OSC 52), clear the screen
// or hide arenactl's own verdict (`\033[8m`). So:
//  - every server-supplied field printed in a table or status line goes
//    through SafeField (or a whole message through MakeDisplaySafe);
//  - streamed job output goes through JobOutput, which on a terminal drops
//    the dangerous sequences (TerminalFilter) and otherwise copies bytes
//    exactly, and remembers whether the job may have left the terminal in an
//    altered state;
//  - before arenactl prints its own lines, BeginOwnOutput resets that state.
// Pure functions over arenactl's own output: thread-safe.
#ifndef ARENA_CLI_TERMINAL_H_
#define ARENA_CLI_TERMINAL_H_

#include <google/protobuf/message.h>

#include <cstdio>
#include <string>

#include "absl/strings/string_view.h"

namespace arena {

// `text` for one line of a table: valid UTF-8 stays as it is; control
// characters (C0 including ESC, \r, \n and \t, DEL, C1 U+0080-U+009F),
// bidirectional-override characters and invalid bytes become visible
// escapes (`\x1b`, `\n`, `\u009b`, `\xff`).
std::string SafeField(absl::string_view text);
// The same, but newlines and tabs stay (a failure message, a log tail).
std::string SafeText(absl::string_view text);
// Every string field of `message`, nested messages and maps included,
// through SafeField. Bytes fields (log data) are left alone.
void MakeDisplaySafe(google::protobuf::Message* message);
// A copy of `message` through MakeDisplaySafe, for printing.
template <typename Message>
Message DisplaySafe(const Message& message) {
  Message copy = message;
  MakeDisplaySafe(&copy);
  return copy;
}
// Whether `text` is valid UTF-8 (protobuf strings must be).
bool IsValidUtf8(absl::string_view text);

// Cancels any escape sequence or string in progress (CAN, ST), resets
// attributes (SGR 0) and selects the normal character set (SI, ESC ( B).
extern const char kTerminalReset[];

// Job output for a terminal: keeps text, newlines, tabs, \r, \b, colour and
// style SGR (but not "conceal", SGR 8) and erase-in-line; drops every other
// escape sequence (cursor moves, screen clears, the alternate screen, mode
// changes) and the whole of OSC, DCS, SOS, PM and APC strings (titles,
// clipboard, hyperlinks); shows other control characters, C1 controls and
// invalid UTF-8 as visible escapes. A sequence split across chunks is
// handled. Not thread-safe; one per stream.
class TerminalFilter {
 public:
  std::string Filter(absl::string_view chunk);
  // What is still held back (an incomplete character) at the end.
  std::string Finish();

 private:
  // Consumes one run of text or one character at `data[i]` into `out`;
  // returns how many bytes it used, or 0 when `data` ends inside it.
  size_t Text(absl::string_view data, size_t i, std::string* out);
  // Consumes one escape sequence at `data[i]` (an ESC) into `out`; returns
  // how many bytes it used, or 0 when `data` ends inside it.
  size_t Escape(absl::string_view data, size_t i, std::string* out);
  // Inside a dropped string: consumes until its terminator.
  size_t SkipString(absl::string_view data, size_t i, std::string* out);

  std::string pending_;
  bool in_string_ = false;
};

// Writes one stream of job output to stdout: through a TerminalFilter when
// `terminal` (stdout is a TTY), byte for byte otherwise. Not thread-safe;
// one per stream (the bookkeeping for BeginOwnOutput is).
class JobOutput {
 public:
  explicit JobOutput(bool terminal);
  void Write(absl::string_view bytes);
  // Flushes what the filter held back.
  void Finish();

 private:
  void Emit(absl::string_view bytes);

  bool terminal_;
  TerminalFilter filter_;
};

// Whether stdout is a terminal (job output is filtered when it is).
bool StdoutIsTerminal();

// Call before arenactl prints its own lines on `stream` (stdout or
// stderr): when job output written since the last call held an escape or
// shift character, writes kTerminalReset to `stream` first. Thread-safe.
void BeginOwnOutput(std::FILE* stream);

}  // namespace arena

#endif  // ARENA_CLI_TERMINAL_H_
