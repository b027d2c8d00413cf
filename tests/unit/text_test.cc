// Trimming and joining paths: each rule once, in src/util.
#include <gtest/gtest.h>

#include "src/util/path.h"
#include "src/util/text.h"

namespace mcpr {
namespace {

TEST(TextTest, TrimTakesBlanksOffTheEnds) {
  struct Row {
    const char* in;
    const char* both;
    const char* right;
  } rows[] = {
      {"", "", ""},
      {" \t\r\n", "", ""},
      {"key", "key", "key"},
      {"  key \r\n", "key", "  key"},
      {"a b", "a b", "a b"},
      {"\tx y\t", "x y", "\tx y"},
  };
  for (const Row& row : rows) {
    EXPECT_EQ(trim(row.in), row.both) << '"' << row.in << '"';
    EXPECT_EQ(trim_right(row.in), row.right) << '"' << row.in << '"';
  }
  EXPECT_EQ(trim("x\n\n", " "), "x\n\n");  // only the characters asked for
  EXPECT_EQ(trim_right("why\r\n", "\r\n"), "why");
  // HTTP's optional white space is spaces and tabs, never a line's end.
  EXPECT_EQ(trim(" \tgzip \t", kOws), "gzip");
  EXPECT_EQ(trim("\r\ngzip\r\n", kOws), "\r\ngzip\r\n");
}

TEST(PathTest, ARelativePathIsJoinedToItsFolder) {
  struct Row {
    const char* path;
    const char* resolved;
  } rows[] = {
      {"", ""},
      {"/abs/file", "/abs/file"},
      {"file", "/base/file"},
      {"./file", "/base/file"},
      {"././sub/file", "/base/sub/file"},
      {"../up", "/base/../up"},
  };
  for (const Row& row : rows) EXPECT_EQ(resolve_path(row.path, "/base"), row.resolved) << row.path;
  EXPECT_EQ(absolute_path("/x"), "/x");
  EXPECT_EQ(absolute_path("x").front(), '/');
}

}  // namespace
}  // namespace mcpr
