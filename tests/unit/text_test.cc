// Trimming and joining paths: each rule once, in src/util.
#include <gtest/gtest.h>

#include <string>
#include <vector>

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

TEST(TextTest, AListIsSplitAtCommasEachItemTrimmed) {
  using Items = std::vector<std::string_view>;
  struct Row {
    const char* list;
    Items items;
  } rows[] = {
      {"traces,logs", {"traces", "logs"}},
      {" traces ,\tlogs ", {"traces", "logs"}},
      {"a,,b", {"a", "", "b"}},
      {"", {""}},
      {"  ", {""}},
      {"a,", {"a", ""}},
      {"tools/call", {"tools/call"}},
  };
  for (const Row& row : rows) EXPECT_EQ(split_list(row.list), row.items) << '"' << row.list << '"';
}

TEST(TextTest, ARepeatedOptionsListsAreItsItemsWithoutTheEmptyOnes) {
  using Items = std::vector<std::string_view>;
  struct Row {
    const char* given;  // CLI11 joins a repeated option's values with newlines
    Items items;
  } rows[] = {
      {"tools/call", {"tools/call"}},
      {"tools/call\nprompts/get", {"tools/call", "prompts/get"}},
      {" a ,\tb\n c,a", {"a", "b", "c", "a"}},
      {"a,,b,\n,", {"a", "b"}},
      {"", {}},
      {" , \n ", {}},
  };
  for (const Row& row : rows)
    EXPECT_EQ(split_option_lists(row.given), row.items) << '"' << row.given << '"';
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

TEST(PathTest, ACompanionIsLookedForBesideThenAsInstalledThenWhereThisBuildInstalls) {
  struct Row {
    const char* folder;
    const char* relative;
    const char* installed;
    std::vector<std::string> paths;
  } rows[] = {
      {"/usr/bin", "../libexec/mcp-report/cli", "/usr/libexec/mcp-report/cli",
       {"/usr/bin/cli", "/usr/libexec/mcp-report/cli"}},
      {"/opt/x/bin", "../libexec/mcp-report/cli", "/usr/libexec/mcp-report/cli",
       {"/opt/x/bin/cli", "/opt/x/libexec/mcp-report/cli", "/usr/libexec/mcp-report/cli"}},
      {"/build", "../libexec/cli", "/usr/libexec/cli", {"/build/cli", "/libexec/cli", "/usr/libexec/cli"}},
      {"/", "../../libexec/cli", "/libexec/cli", {"/cli", "/libexec/cli"}},
      {"/b", "cli", "/b/cli", {"/b/cli"}},
      {".", "../libexec/cli", "/usr/libexec/cli", {"./cli", "./../libexec/cli", "/usr/libexec/cli"}},
  };
  for (const Row& row : rows)
    EXPECT_EQ(companion_paths(row.folder, "cli", row.relative, row.installed), row.paths)
        << row.folder << " " << row.relative;
  EXPECT_EQ(executable_folder().front(), '/');
}

}  // namespace
}  // namespace mcpr
