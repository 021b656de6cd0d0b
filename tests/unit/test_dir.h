// A temporary directory removed at the end of the test.
#ifndef ARENA_TESTS_UNIT_TEST_DIR_H_
#define ARENA_TESTS_UNIT_TEST_DIR_H_

#include <stdlib.h>

#include <string>

#include "common/files.h"

namespace arena {

class TestDir {
 public:
  TestDir() {
    char tmpl[] = "/tmp/arena-test-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TestDir() { RemoveTree(path_).IgnoreError(); }
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace arena

#endif  // ARENA_TESTS_UNIT_TEST_DIR_H_
