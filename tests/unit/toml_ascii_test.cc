// The document toml++ is given: the same TOML in ASCII, line for line.
#include "src/config/toml_ascii.h"

#include <gtest/gtest.h>

#include <string>

namespace mcpr {
namespace {

using namespace std::string_literals;

TEST(TomlAsciiTest, WritesCharactersOutsideAsciiInAscii) {
  struct Row {
    const char* in;
    const char* out;
  };
  const Row rows[] = {
      {"a = 1\n", "a = 1\n"},
      {"a = \"é☃😀\"\n", "a = \"\\u00E9\\u2603\\U0001F600\"\n"},
      // A literal string becomes the basic string of the same value.
      {"a = 'ü \\ \"q\"'\n", "a = \"\\u00FC \\\\ \\\"q\\\"\"\n"},
      {"a = '''\nx ' '' \"\"\" ß'''\n", "a = \"\"\"\nx ' '' \\\"\\\"\\\" \\u00DF\"\"\"\n"},
      // Up to two quotes before the closing three belong to the string.
      {"a = '''x'''''\n", "a = \"\"\"x''\"\"\"\n"},
      {"a = \"\"\"x\"\"\"\"\"\n", "a = \"\"\"x\"\"\"\"\"\n"},
      // After a line-ending backslash toml++ looked at the é as whitespace.
      {"a = \"\"\"\\\n é\"\"\"\n", "a = \"\"\"\\\n \\u00E9\"\"\"\n"},
      {"# 配置 é\n[mcp] # x\n", "# ?????? ??\n[mcp] # x\n"},
      {"[\"é\".'ü']\n", "[\"\\u00E9\".\"\\u00FC\"]\n"},
      // A line's '[' inside an array is a value's, not a table's.
      {"x = [\n[{a = 1}],\n  [[2]]]\n[ t ]\n", "x = [\n[{a = 1}],\n  [[2]]]\n[ t ]\n"},
      {"x = [\n  'é', # c\n  {k = 'ß'}]\n", "x = [\n  \"\\u00E9\", # c\n  {k = \"\\u00DF\"}]\n"},
      {"\xef\xbb\xbf" "a = 1\n", "\xef\xbb\xbf" "a = 1\n"},
  };
  for (const Row& r : rows) {
    AsciiToml got = ascii_toml(r.in);
    EXPECT_EQ(got.line, 0u) << r.in << ": " << got.error;
    EXPECT_EQ(got.text, r.out) << r.in;
  }
}

TEST(TomlAsciiTest, RefusesThemWhereTomlHasNoRoomForThem) {
  struct Row {
    std::string in;  // may hold a NUL
    size_t line, column;
    const char* error;
  };
  const char* outside = "a character outside ASCII may only stand in a string or a comment";
  const char* kTableName = "a table's name must start with a letter, a digit, '_', '-' or a quote";
  const Row rows[] = {
      {"[mcp]\nmcp_id = é\n", 2, 10, outside},
      {"\xef\xbb\xbd[mcp]\n", 1, 1, outside},
      // A quote inside a bare value starts no string (toml++ reached its
      // unreachable on the é; found by fuzz_config).
      {"[other]\nx = [0FF'FF\xc3\xa9\x00F]\n"s, 2, 12, outside},
      {"x = 1'\xc3\xa9'\n", 1, 7, outside},
      {"a = \"\\\xc3\xa9\"\n", 1, 7, "an escape of a character outside ASCII"},
      {"a = \"\xff\"\n", 1, 6, "not valid UTF-8"},
      // A table's name that starts as no key: toml++ asserts it cannot
      // (found by fuzz_config with assertions on); an empty one toml++
      // refuses itself.
      {"[|", 1, 1, kTableName},
      {"[mcp]\n[[ \t=a]]\n", 2, 1, kTableName},
      {"[\n", 1, 1, kTableName},
  };
  for (const Row& r : rows) {
    AsciiToml got = ascii_toml(r.in);
    EXPECT_EQ(got.line, r.line) << r.in;
    EXPECT_EQ(got.column, r.column) << r.in;
    EXPECT_EQ(got.error, r.error) << r.in;
  }
}

}  // namespace
}  // namespace mcpr
