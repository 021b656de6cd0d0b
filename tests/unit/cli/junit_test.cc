#include "cli/junit.h"

#include <gtest/gtest.h>

namespace arena {
namespace {

TEST(Junit, OneTestcasePerTaskWithFailureCarryingLogTail) {
  v1::Job job;
  job.set_id("job-1");
  v1::Task* ok = job.add_tasks();
  ok->set_id("t1");
  ok->set_arch("amd64");
  ok->set_state(v1::PASSED);
  ok->set_duration_ms(1500);
  v1::Task* bad = job.add_tasks();
  bad->set_id("t2");
  bad->set_arch("arm64");
  bad->set_state(v1::FAILED);
  bad->set_exit_code(7);
  bad->set_reason("exited with code 7");
  bad->set_emulated(true);
  v1::Task* err = job.add_tasks();
  err->set_id("t3");
  err->set_arch("arm/v7");
  err->set_state(v1::ERROR);
  err->set_reason("image <x> not found");
  std::string xml = JunitXml(job, {{"t2", "assert 1 == 2 & more\n"}});
  EXPECT_NE(xml.find("tests=\"3\" failures=\"1\" errors=\"1\" skipped=\"0\""), std::string::npos)
      << xml;
  EXPECT_NE(xml.find("name=\"amd64\" time=\"1.500\""), std::string::npos);
  EXPECT_NE(
      xml.find("<failure type=\"failed\" message=\"exited with code 7\">assert 1 == 2 &amp; more"),
      std::string::npos);
  EXPECT_NE(xml.find("<error type=\"error\" message=\"image &lt;x&gt; not found\">"),
            std::string::npos);
  EXPECT_NE(xml.find("name=\"emulated\" value=\"true\""), std::string::npos);
}

TEST(Junit, AListStepIsNoTestUnlessItFailed) {
  v1::Job job;
  job.set_id("job-1");
  v1::Task* list = job.add_tasks();
  list->set_id("list");
  list->set_arch("amd64");
  list->set_kind(v1::TASK_KIND_LIST);
  list->set_state(v1::PASSED);
  for (const char* id : {"a", "b"}) {
    v1::Task* test = job.add_tasks();
    test->set_id(id);
    test->set_arch("amd64");
    test->set_kind(v1::TASK_KIND_TEST);
    test->set_test_id(id);
    test->set_state(v1::PASSED);
  }
  std::string xml = JunitXml(job, {});
  EXPECT_NE(xml.find("<testsuites name=\"arena job-1\" tests=\"2\" failures=\"0\""),
            std::string::npos)
      << xml;
  list->set_state(v1::ERROR);
  list->set_reason("the list command failed");
  xml = JunitXml(job, {});
  EXPECT_NE(xml.find("tests=\"3\" failures=\"0\" errors=\"1\""), std::string::npos) << xml;
}

TEST(Junit, LastLinesAndEscaping) {
  EXPECT_EQ(LastLines("a\nb\nc\n", 2), "b\nc");
  EXPECT_EQ(LastLines("a\nb", 5), "a\nb");
  EXPECT_EQ(LastLines("", 3), "");
  EXPECT_EQ(XmlEscape(std::string("x\x01y\"", 4)), "x?y&quot;");
}

}  // namespace
}  // namespace arena
