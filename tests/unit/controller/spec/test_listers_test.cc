#include "controller/spec/test_listers.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace arena {
namespace {

using ::testing::HasSubstr;

v1::JobSpec WithLister(const std::string& lister) {
  v1::JobSpec spec;
  spec.set_test_lister(lister);
  spec.set_test_command("pytest {test}");
  return spec;
}

TEST(TestListers, PytestBecomesItsCollectionFilteredToNodeIds) {
  v1::JobSpec spec = WithLister("pytest tests/unit -m 'not slow'");
  ASSERT_TRUE(ExpandTestLister(spec).ok());
  EXPECT_TRUE(spec.test_lister().empty()) << "the stored spec names the command that runs";
  EXPECT_THAT(spec.list_command(),
              HasSubstr("python3 -m pytest --collect-only -q -p no:cacheprovider tests/unit -m "
                        "'not slow' | awk"));
  EXPECT_THAT(spec.list_command(), HasSubstr("pytest collected no tests"));
}

TEST(TestListers, GoListsEveryPackageByDefault) {
  v1::JobSpec spec = WithLister("go");
  ASSERT_TRUE(ExpandTestLister(spec).ok());
  EXPECT_THAT(spec.list_command(), HasSubstr("go test -list '^(Test|Example|Fuzz)' ./... | awk"));
  v1::JobSpec some = WithLister("  go ./pkg/...  ");
  ASSERT_TRUE(ExpandTestLister(some).ok());
  EXPECT_THAT(some.list_command(), HasSubstr("' ./pkg/... | awk"));
}

TEST(TestListers, AnUnknownListerOrTwoSourcesAreRefused) {
  v1::JobSpec nose = WithLister("nose tests");
  EXPECT_THAT(std::string(ExpandTestLister(nose).message()),
              HasSubstr("unknown test lister \"nose\": the built-in ones are pytest and go"));
  v1::JobSpec both = WithLister("pytest");
  both.set_list_command("ls tests");
  EXPECT_THAT(std::string(ExpandTestLister(both).message()), HasSubstr("only one of them"));
  v1::JobSpec ids = WithLister("pytest");
  ids.add_tests("a");
  EXPECT_FALSE(ExpandTestLister(ids).ok());
  v1::JobSpec none;
  EXPECT_TRUE(ExpandTestLister(none).ok());
  EXPECT_TRUE(none.list_command().empty());
}

}  // namespace
}  // namespace arena
