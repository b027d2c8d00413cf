// ToolOutputSchemas: which listings each SDK's client keeps, at its edges
// (the ordinary sessions are tracker_table_test.cc's OutputSchemas rows).
#include "src/proxy/output_schemas.h"

#include <gtest/gtest.h>

#include <string>

#include "src/proxy/message_keys.h"

namespace mcpr {
namespace {

// A listing of `name` whose schema wants an integer n, padded by a
// description of `padding` bytes.
std::string listing_of(const std::string& name, size_t padding = 0,
                       const std::string& next_cursor = "") {
  return R"({"tools":[{"name":")" + name +
         R"(","inputSchema":{"type":"object"},"outputSchema":{"type":"object","description":")" +
         std::string(padding, 'x') + R"(","properties":{"n":{"type":"integer"}}}}])" +
         (next_cursor.empty() ? "" : R"(,"nextCursor":")" + next_cursor + "\"") + "}";
}

uint8_t takers_of(const ToolOutputSchemas& schemas, const std::string& name) {
  JsonTree result;
  EXPECT_TRUE(result.parse(R"({"content":[],"structuredContent":{"n":"not an integer"}})"));
  return schemas.result_takers(name, result, result.root());
}

void list(ToolOutputSchemas* schemas, const std::string& text, bool paged = false,
          bool partial = false) {
  JsonTree tree;
  ASSERT_TRUE(tree.parse(text));
  schemas->on_listing(tree, tree.root(), kTakenByBoth, paged, partial);
}

TEST(OutputSchemasTest, PagesAreKeptByPythonAloneWithinABound) {
  // Two small pages: the Python SDK's client keeps both, the TypeScript
  // SDK's the last.
  ToolOutputSchemas small;
  list(&small, listing_of("a", 0, "p2"));
  list(&small, listing_of("b"), true);
  EXPECT_EQ(takers_of(small, "a"), kTakenByTypescript);
  EXPECT_EQ(takers_of(small, "b"), kTakenByNone);
  // Two pages of 9 MiB each: past 16 MiB of schemas none is judged for the
  // Python SDK's client until a complete listing.
  ToolOutputSchemas large;
  list(&large, listing_of("a", 9 << 20, "p2"));
  list(&large, listing_of("b", 9 << 20), true);
  EXPECT_EQ(takers_of(large, "a"), kTakenByBoth);
  // (The TypeScript SDK's client fails "b" and the Python SDK's is not
  // known: not known to have succeeded, no SDK named alone.)
  EXPECT_EQ(takers_of(large, "b"), kTakenByNone);
  list(&large, listing_of("a"));
  EXPECT_EQ(takers_of(large, "a"), kTakenByNone);
}

TEST(OutputSchemasTest, AListingReadByItsEndsLeavesNothingKnown) {
  ToolOutputSchemas schemas;
  list(&schemas, listing_of("a"));
  EXPECT_EQ(takers_of(schemas, "a"), kTakenByNone);
  list(&schemas, listing_of("a"), false, true);
  EXPECT_EQ(takers_of(schemas, "a"), kTakenByBoth);
  list(&schemas, listing_of("a"));
  EXPECT_EQ(takers_of(schemas, "a"), kTakenByNone);
}

}  // namespace
}  // namespace mcpr
