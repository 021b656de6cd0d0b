#include "cli/terminal.h"

#include <gtest/gtest.h>

#include <string>

#include "arena/v1/admin.pb.h"
#include "arena/v1/jobs.pb.h"

namespace arena {
namespace {

TEST(SafeField, KeepsPlainTextAndUtf8) {
  EXPECT_EQ("test_a.py::test_x[1-2]", SafeField("test_a.py::test_x[1-2]"));
  EXPECT_EQ("caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x90\x8d",
            SafeField("caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x90\x8d"));
  EXPECT_EQ("C:\\path", SafeField("C:\\path"));
}

TEST(SafeField, ShowsEveryControlCharacterAsAVisibleEscape) {
  EXPECT_EQ("\\x1b]52;c;aGk=\\x07", SafeField("\033]52;c;aGk=\a"));
  EXPECT_EQ("a\\rb\\nc\\td\\x08e\\x00f\\x7f", SafeField(std::string("a\rb\nc\td\be\0f\x7f", 12)));
  EXPECT_EQ("\\x1b[8mhidden", SafeField("\033[8mhidden"));
}

TEST(SafeField, ShowsC1ControlsBidiOverridesAndInvalidBytes) {
  EXPECT_EQ("\\u009b2J", SafeField("\xc2\x9b"
                                   "2J"));
  EXPECT_EQ("\\u0085", SafeField("\xc2\x85"));
  EXPECT_EQ("abc\\u202edef", SafeField("abc\xe2\x80\xae"
                                       "def"));
  EXPECT_EQ("\\xff\\x9b\\xc3", SafeField("\xff\x9b\xc3"));
  EXPECT_EQ("\\xe0\\x80\\x80", SafeField("\xe0\x80\x80"));  // overlong NUL
  EXPECT_EQ("\\xed\\xa0\\x80", SafeField("\xed\xa0\x80"));  // surrogate
}

TEST(SafeText, KeepsNewlinesAndTabsButNotEscapes) {
  EXPECT_EQ("line 1\n\tline 2\\r\n\\x1b[2J", SafeText("line 1\n\tline 2\r\n\033[2J"));
}

TEST(MakeDisplaySafe, ReachesNestedRepeatedAndMapFieldsButNotBytes) {
  v1::Job job;
  job.set_id("job-1\033]0;pwned\a");
  job.mutable_spec()->add_command("echo\033[2J");
  (*job.mutable_spec()->mutable_required_labels())["gpu\r"] = "a100\033[8m";
  v1::Task* task = job.add_tasks();
  task->set_test_id("t\033[8m");
  task->add_attempts()->set_reason("oom\n");
  job.mutable_spec()->set_sealed_secrets("\033raw");
  MakeDisplaySafe(&job);
  EXPECT_EQ("job-1\\x1b]0;pwned\\x07", job.id());
  EXPECT_EQ("echo\\x1b[2J", job.spec().command(0));
  ASSERT_EQ(1u, job.spec().required_labels().size());
  EXPECT_EQ("a100\\x1b[8m", job.spec().required_labels().at("gpu\\r"));
  EXPECT_EQ("t\\x1b[8m", job.tasks(0).test_id());
  EXPECT_EQ("oom\\n", job.tasks(0).attempts(0).reason());
  EXPECT_EQ("\033raw", job.spec().sealed_secrets());
}

TEST(TerminalFilter, DropsOscStringsWhateverTheirTerminator) {
  TerminalFilter f;
  EXPECT_EQ("ab", f.Filter("a\033]52;c;aGVsbG8=\ab"));
  EXPECT_EQ("cd", f.Filter("c\033]0;title\033\\d"));
  EXPECT_EQ("ef", f.Filter("e\033P1$tqq\033\\f"));
  EXPECT_EQ("gh", f.Filter("g\033_apc\033\\h\033^pm\033\\\033Xsos\033\\"));
}

TEST(TerminalFilter, AnOscSplitAcrossChunksIsStillDropped) {
  TerminalFilter f;
  std::string out = f.Filter("x\033");
  out += f.Filter("]52;c;");
  out += f.Filter("aGVsbG8=");
  out += f.Filter("\033");
  out += f.Filter("\\y");
  EXPECT_EQ("xy", out);
}

TEST(TerminalFilter, AnUnterminatedStringEndsAtTheNewline) {
  TerminalFilter f;
  EXPECT_EQ("a\nverdict", f.Filter("a\033]0;never ends\nverdict"));
}

TEST(TerminalFilter, KeepsColourButDropsConcealAndScreenControl) {
  TerminalFilter f;
  EXPECT_EQ("\033[1;31mred\033[0m", f.Filter("\033[1;31mred\033[0m"));
  EXPECT_EQ("\033[38;5;8mgrey\033[m", f.Filter("\033[38;5;8mgrey\033[m"));
  EXPECT_EQ("hidden", f.Filter("\033[8mhidden"));
  EXPECT_EQ("\033[1mx", f.Filter("\033[1;8mx"));
  EXPECT_EQ("cleared", f.Filter("\033[2J\033[H\033[3Jcleared"));
  EXPECT_EQ("alt", f.Filter("\033[?1049halt\033[?25l"));
  EXPECT_EQ("progress\r\033[2K", f.Filter("progress\r\033[2K"));
  EXPECT_EQ("reset", f.Filter("\033creset\033(0\0337\0338\033#8"));
}

TEST(TerminalFilter, ShowsC1AndStrayControlsVisibly) {
  TerminalFilter f;
  EXPECT_EQ("\\u009b2J\\u009d0;t\\x07\\x0e", f.Filter("\xc2\x9b"
                                                      "2J\xc2\x9d"
                                                      "0;t\a\x0e"));
  EXPECT_EQ("tab\tnl\ncr\rbs\b", f.Filter("tab\tnl\ncr\rbs\b"));
}

TEST(TerminalFilter, KeepsUtf8SplitAcrossChunks) {
  TerminalFilter f;
  std::string out = f.Filter("caf\xc3");
  out += f.Filter("\xa9 \xe2\x9c");
  out += f.Filter("\x93");
  EXPECT_EQ("caf\xc3\xa9 \xe2\x9c\x93", out);
  EXPECT_EQ("", f.Filter("\xf0\x9f"));
  EXPECT_EQ("\\xf0\\x9f", f.Finish());
}

TEST(TerminalFilter, AnOverlongSequenceIsNotHeldForever) {
  TerminalFilter f;
  std::string params(200, '1');
  std::string out = f.Filter("\033[" + params);
  out += f.Filter("after");
  EXPECT_EQ(std::string::npos, out.find('\033'));
  EXPECT_NE(std::string::npos, out.find("after"));
}

}  // namespace
}  // namespace arena
