#include "src/proxy/output_schemas.h"

#include <set>

#include "src/proxy/json_schema.h"
#include "src/proxy/message_keys.h"

namespace mcpr {
namespace {

using Node = JsonTree::Node;
using Kind = JsonTree::Kind;

// What the Python client's cache may hold (every page of every listing):
// past it, no schema is judged until a complete listing.
constexpr size_t kMaxPythonBytes = 16 << 20;

bool of_type_object(const JsonTree& tree, const Node* schema) {
  return JsonTree::string(tree.member(schema, "type")) == "object";
}

// Whether the TypeScript SDK's ListToolsResultSchema takes `tool` as far as
// the cache goes: a name, an inputSchema and any outputSchema of type
// "object", the latter's properties (when given) objects and its required
// (when given) strings.
bool typescript_takes_tool(const JsonTree& tree, const Node* tool) {
  if (!JsonTree::is(tree.member(tool, "name"), Kind::kString)) return false;
  const Node* input = tree.member(tool, "inputSchema");
  if (!JsonTree::is(input, Kind::kObject) || !of_type_object(tree, input)) return false;
  const Node* output = tree.member(tool, "outputSchema");
  if (!output) return true;
  if (!JsonTree::is(output, Kind::kObject) || !of_type_object(tree, output)) return false;
  if (const Node* properties = tree.member(output, "properties")) {
    if (!JsonTree::is(properties, Kind::kObject)) return false;
    for (const Node* p = tree.first(properties); p; p = tree.next(p))
      if (!JsonTree::is(p, Kind::kObject) && !JsonTree::is(p, Kind::kArray)) return false;
  }
  if (const Node* required = tree.member(output, "required")) {
    if (!JsonTree::is(required, Kind::kArray)) return false;
    for (const Node* r = tree.first(required); r; r = tree.next(r))
      if (!JsonTree::is(r, Kind::kString)) return false;
  }
  return true;
}

// The same for the Python SDK's Tool model: a name, an inputSchema object,
// an outputSchema object or null.
bool python_takes_tool(const JsonTree& tree, const Node* tool) {
  const Node* output = tree.member(tool, "outputSchema");
  return JsonTree::is(tree.member(tool, "name"), Kind::kString) &&
         JsonTree::is(tree.member(tool, "inputSchema"), Kind::kObject) &&
         (!output || JsonTree::is(output, Kind::kNull) || JsonTree::is(output, Kind::kObject));
}

}  // namespace

std::shared_ptr<const ToolOutputSchemas::Schema> ToolOutputSchemas::schema_of(const JsonTree& tree,
                                                                              const Node* tool) {
  const Node* output = tree.member(tool, "outputSchema");
  if (!JsonTree::is(output, Kind::kObject)) return nullptr;
  auto schema = std::make_shared<Schema>();
  bool escaped = false;
  tree.write_python(output, &schema->text, &escaped);
  // A schema holding what JSON cannot carry (bytes that are not UTF-8) is
  // kept without a tree: it is checked against by neither SDK's rules here.
  if (!escaped) {
    auto parsed = std::make_unique<JsonTree>();
    if (parsed->parse(schema->text)) schema->tree = std::move(parsed);
  }
  return schema;
}

void ToolOutputSchemas::on_listing(const JsonTree& tree, const Node* result, uint8_t takers,
                                   bool paged, bool partial) {
  const bool typescript = takers & kTakenByTypescript, python = takers & kTakenByPython;
  if (partial) {
    // A listing read by its ends: what either client now holds is not known.
    typescript_known_ = typescript_known_ && !typescript;
    python_known_ = python_known_ && !python;
    return;
  }
  const Node* tools = tree.member(result, "tools");
  if (!JsonTree::is(tools, Kind::kArray)) return;  // refused by both: nothing changes
  bool typescript_takes = typescript, python_takes = python;
  for (const Node* tool = tree.first(tools); tool; tool = tree.next(tool)) {
    typescript_takes = typescript_takes && typescript_takes_tool(tree, tool);
    python_takes = python_takes && python_takes_tool(tree, tool);
  }
  if (typescript_takes) {
    typescript_.clear();
    typescript_known_ = true;
    for (const Node* tool = tree.first(tools); tool; tool = tree.next(tool)) {
      // Ajv caches a schema by its $id and knows no draft but 07: a
      // compile that fails ends the listing with the cache half made.
      const Node* output = tree.member(tool, "outputSchema");
      if (tree.member(output, "$id") || tree.member(output, "$schema")) {
        std::string_view draft = JsonTree::string(tree.member(output, "$schema"));
        if (!draft.empty() && draft.back() == '#') draft.remove_suffix(1);
        if (tree.member(output, "$id") || draft != "http://json-schema.org/draft-07/schema")
          typescript_known_ = false;
      }
      if (auto schema = schema_of(tree, tool))
        typescript_[std::string(JsonTree::string(tree.member(tool, "name")))] = std::move(schema);
    }
  }
  if (python_takes) {
    const Node* next = tree.member(result, "nextCursor");
    const bool complete = !paged && (!next || JsonTree::is(next, Kind::kNull));
    std::set<std::string, std::less<>> listed;
    for (const Node* tool = tree.first(tools); tool; tool = tree.next(tool)) {
      std::string name(JsonTree::string(tree.member(tool, "name")));
      auto schema = schema_of(tree, tool);
      auto& held = python_[name];
      if (held) python_bytes_ -= held->text.size();
      if (schema) python_bytes_ += schema->text.size();
      held = std::move(schema);
      listed.insert(std::move(name));
    }
    if (complete) {
      for (auto it = python_.begin(); it != python_.end();) {
        if (listed.count(it->first)) {
          ++it;
          continue;
        }
        if (it->second) python_bytes_ -= it->second->text.size();
        it = python_.erase(it);
      }
      python_known_ = true;
    }
    if (python_bytes_ > kMaxPythonBytes) {
      python_.clear();
      python_bytes_ = 0;
      python_known_ = false;
    }
  }
}

uint8_t ToolOutputSchemas::result_takers(std::string_view name, const JsonTree& tree,
                                         const Node* result) const {
  uint8_t out = kTakenByBoth;
  const Node* content = tree.member(result, "structuredContent");
  // zod wants an object or none, pydantic an object or null.
  if (JsonTree::is(content, Kind::kNull)) out = kTakenByPython;
  else if (content && !JsonTree::is(content, Kind::kObject)) return kTakenByNone;
  const bool structured = JsonTree::is(content, Kind::kObject);
  const Node* is_error = tree.member(result, "isError");
  const bool tool_error = JsonTree::is(is_error, Kind::kBool) && is_error->text == "true";
  // The client fails the call when the tool has a schema and the result no
  // structuredContent (but for a tool's error), or one that fails it.
  auto refuses = [&](const Schema* schema, SchemaReader reader) {
    if (!structured) return true;
    return schema->tree &&
           check_json_schema(reader, *schema->tree, tree, content) == SchemaVerdict::kFails;
  };
  if (typescript_known_) {
    auto it = typescript_.find(name);
    if (it != typescript_.end() && (structured || !tool_error) &&
        refuses(it->second.get(), SchemaReader::kAjv))
      out = static_cast<uint8_t>(out & ~kTakenByTypescript);
  }
  if (python_known_ && !tool_error) {
    auto it = python_.find(name);
    if (it != python_.end() && it->second && refuses(it->second.get(), SchemaReader::kJsonschema))
      out = static_cast<uint8_t>(out & ~kTakenByPython);
  }
  return out;
}

}  // namespace mcpr
