#include "common/test_identity.h"

#include <gtest/gtest.h>

namespace arena {
namespace {

TEST(TestIdentity, PytestClassnamesBecomeNodeIds) {
  EXPECT_EQ(TestKeyOf("tests.unit.test_math", "test_add"), "tests/unit/test_math.py::test_add");
  EXPECT_EQ(TestKeyOf("test_math", "test_add[2-3]"), "test_math.py::test_add[2-3]");
  EXPECT_EQ(TestKeyOf("tests.test_x.TestY", "test_z"), "tests/test_x.py::TestY::test_z");
  EXPECT_EQ(TestKeyOf("pkg.math_test.TestA.TestB", "test_c"),
            "pkg/math_test.py::TestA::TestB::test_c");
  // xunit1 reports name the file: it wins over the dotted path.
  EXPECT_EQ(TestKeyOf("src.checks.TestY", "test_z", "src/checks.py"),
            "src/checks.py::TestY::test_z");
}

TEST(TestIdentity, OtherRunnersKeepClassnameAndName) {
  EXPECT_EQ(TestKeyOf("com.example.FooTest", "testBar"), "com.example.FooTest::testBar");
  EXPECT_EQ(TestKeyOf("example.com/arena-go/calc", "TestSub"),
            "example.com/arena-go/calc::TestSub");
  EXPECT_EQ(TestKeyOf("calc", "TestSub"), "calc::TestSub");
  EXPECT_EQ(TestKeyOf("checkout", "total"), "checkout::total");
  EXPECT_EQ(TestKeyOf("tests.test_x.lowercase_after", "t"), "tests.test_x.lowercase_after::t");
  EXPECT_EQ(TestKeyOf("Suite.Case", "t"), "Suite.Case::t");
  EXPECT_EQ(TestKeyOf("", "lonely"), "lonely");
  EXPECT_EQ(TestKeyOf("a..test_b", "t"), "a..test_b::t");
}

}  // namespace
}  // namespace arena
