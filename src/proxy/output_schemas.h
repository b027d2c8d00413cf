// The output schemas a session's client checks tools' results against (man
// page PROXY, Faithful): each official SDK's client keeps them from the
// tools/list results it read, and refuses a call's result whose
// structuredContent is missing or does not match its tool's schema.
//   - The TypeScript SDK's client (callTool) keeps the last listing's alone
//     (cacheToolMetadata empties its cache at each listing), checks with
//     ajv, and checks a tool's error too when it carries structuredContent.
//   - The Python SDK's client (call_tool) keeps every page's, a complete
//     listing (no cursor asked, none given) dropping the tools it does not
//     list; it checks with jsonschema, a tool's error never, and a tool it
//     has not seen listed it lists itself first (after the answer: the
//     proxy cannot know that listing's schema in time, so it judges none).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "src/proxy/json_schema.h"
#include "src/proxy/json_tree.h"

namespace mcpr {

class ToolOutputSchemas {
 public:
  // A tools/list result that reached the client: `takers` the SDKs whose
  // readers took the message (Takers), `paged` whether its request named a
  // cursor, `partial` whether it was read from a long line's ends.
  void on_listing(const JsonTree& tree, const JsonTree::Node* result, uint8_t takers, bool paged,
                  bool partial);
  // Who takes (Takers) the result `result` of a call of tool `name`, by its
  // structuredContent: the SDKs whose check of it would not fail the call.
  uint8_t result_takers(std::string_view name, const JsonTree& tree,
                        const JsonTree::Node* result) const;
  // The clients (Takers bits) that check a schema for tool `name`, or whose
  // schemas are not known: their verdict on a result read only by a long
  // line's ends is not known.
  uint8_t checking(std::string_view name) const;

 private:
  // A tool's outputSchema, read into a tree of its own (its text kept for
  // the tree to view), or none the proxy can check against (`tree` null).
  struct Schema {
    std::string text;
    std::unique_ptr<JsonTree> tree;
    std::unique_ptr<JsonSchema> read;  // the tree, read once at the listing (both or neither)
  };
  using Schemas = std::map<std::string, std::shared_ptr<const Schema>, std::less<>>;
  // The schema of a listed tool: nullptr for a tool listed without one.
  static std::shared_ptr<const Schema> schema_of(const JsonTree& tree, const JsonTree::Node* tool);

  Schemas typescript_;            // tools with an outputSchema in the last listing
  bool typescript_known_ = true;  // false: a listing its client may have refused
  Schemas python_;                // every tool listed; nullptr: without a schema
  bool python_known_ = true;
  size_t python_bytes_ = 0;  // of the schemas python_ holds, bounded
};

}  // namespace mcpr
