#include "src/proxy/output_schemas.h"

#include <set>
#include <unordered_map>

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

// Whether a client's schema takes a listing: surely, surely not, or not
// known (it holds what is not mirrored here: the listing then leaves what
// that client holds unknown).
enum class Reading : uint8_t { kTakes, kRefuses, kUnknown };

// One member, optional, by a rule: absent is taken.
Reading optional(const Node* n, bool (*takes)(const Node*)) {
  return !n || takes(n) ? Reading::kTakes : Reading::kRefuses;
}
Reading worst(Reading a, Reading b) {
  if (a == Reading::kRefuses || b == Reading::kRefuses) return Reading::kRefuses;
  return a == Reading::kUnknown || b == Reading::kUnknown ? Reading::kUnknown : Reading::kTakes;
}
bool is_string(const Node* n) { return JsonTree::is(n, Kind::kString); }
bool is_object(const Node* n) { return JsonTree::is(n, Kind::kObject); }
bool is_null(const Node* n) { return JsonTree::is(n, Kind::kNull); }

// zod's inputSchema and outputSchema of a tool: an object of type
// "object", its properties (when given) objects, its required (when given)
// strings.
bool typescript_takes_schema(const JsonTree& tree, const Node* schema) {
  if (!is_object(schema) || !of_type_object(tree, schema)) return false;
  if (const Node* properties = tree.member(schema, "properties")) {
    if (!is_object(properties)) return false;
    for (const Node* p = tree.first(properties); p; p = tree.next(p))
      if (!is_object(p) && !JsonTree::is(p, Kind::kArray)) return false;
  }
  if (const Node* required = tree.member(schema, "required")) {
    if (!JsonTree::is(required, Kind::kArray)) return false;
    for (const Node* r = tree.first(required); r; r = tree.next(r))
      if (!is_string(r)) return false;
  }
  return true;
}

// The TypeScript SDK's ToolSchema (zod, members optional but never null):
// a name; a title, a description; an inputSchema and any outputSchema of
// type "object", their properties (when given) objects and their required
// (when given) strings; annotations, their title a string and their hints
// booleans; execution's taskSupport one of three; _meta an object; icons
// a list of Icons.
Reading typescript_reads_tool(const JsonTree& tree, const Node* tool) {
  if (!is_object(tool) || !is_string(tree.member(tool, "name"))) return Reading::kRefuses;
  Reading out = Reading::kTakes;
  for (const char* name : {"title", "description"})
    out = worst(out, optional(tree.member(tool, name), is_string));
  out = worst(out, optional(tree.member(tool, "_meta"), is_object));
  const Node* output = tree.member(tool, "outputSchema");
  if (!typescript_takes_schema(tree, tree.member(tool, "inputSchema")) ||
      (output && !typescript_takes_schema(tree, output)))
    return Reading::kRefuses;
  if (const Node* annotations = tree.member(tool, "annotations")) {
    if (!is_object(annotations)) return Reading::kRefuses;
    out = worst(out, optional(tree.member(annotations, "title"), is_string));
    for (const char* hint : {"readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"})
      out = worst(out, optional(tree.member(annotations, hint),
                                [](const Node* n) { return JsonTree::is(n, Kind::kBool); }));
  }
  if (const Node* execution = tree.member(tool, "execution")) {
    if (!is_object(execution)) return Reading::kRefuses;
    out = worst(out, optional(tree.member(execution, "taskSupport"), [](const Node* n) {
      const std::string_view v = JsonTree::string(n);
      return v == "required" || v == "optional" || v == "forbidden";
    }));
  }
  if (const Node* icons = tree.member(tool, "icons")) {
    // Each an Icon: a src, and a mimeType, sizes (strings) and a theme
    // ("light" or "dark") when given.
    if (!JsonTree::is(icons, Kind::kArray)) return Reading::kRefuses;
    for (const Node* icon = tree.first(icons); icon; icon = tree.next(icon)) {
      if (!is_object(icon) || !is_string(tree.member(icon, "src"))) return Reading::kRefuses;
      out = worst(out, optional(tree.member(icon, "mimeType"), is_string));
      out = worst(out, optional(tree.member(icon, "theme"), [](const Node* n) {
        return JsonTree::string(n) == "light" || JsonTree::string(n) == "dark";
      }));
      if (const Node* sizes = tree.member(icon, "sizes")) {
        if (!JsonTree::is(sizes, Kind::kArray)) return Reading::kRefuses;
        for (const Node* size = tree.first(sizes); size; size = tree.next(size))
          if (!is_string(size)) return Reading::kRefuses;
      }
    }
  }
  return out;
}

// The Python SDK's Tool model (pydantic, members optional or null): a name,
// an inputSchema object, an outputSchema object or null; a title, a
// description, strings or null; _meta an object or null; annotations,
// icons and execution when given not mirrored (pydantic's lax booleans).
Reading python_reads_tool(const JsonTree& tree, const Node* tool) {
  if (!is_object(tool) || !is_string(tree.member(tool, "name")) ||
      !is_object(tree.member(tool, "inputSchema")))
    return Reading::kRefuses;
  auto or_null = [&tree, tool](const char* name, bool (*takes)(const Node*)) {
    const Node* n = tree.member(tool, name);
    return !n || is_null(n) || takes(n) ? Reading::kTakes : Reading::kRefuses;
  };
  Reading out = worst(or_null("outputSchema", is_object), or_null("_meta", is_object));
  out = worst(out, worst(or_null("title", is_string), or_null("description", is_string)));
  for (const char* name : {"annotations", "icons", "execution"})
    if (const Node* n = tree.member(tool, name); n && !is_null(n)) out = worst(out, Reading::kUnknown);
  return out;
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
    if (parsed->parse(schema->text)) {
      schema->tree = std::move(parsed);
      schema->read = std::make_unique<JsonSchema>(*schema->tree);
    }
  }
  return schema;
}

void ToolOutputSchemas::on_listing(const JsonTree& tree, const Node* result, uint8_t takers,
                                   bool paged, bool partial) {
  const bool typescript = takers & kTakenByTypescript, python = takers & kTakenByPython;
  const Node* tools = tree.member(result, "tools");
  // How each client's schema reads the listing (a line read by its ends:
  // not known).
  Reading typescript_reads = typescript ? Reading::kTakes : Reading::kRefuses;
  Reading python_reads = python ? Reading::kTakes : Reading::kRefuses;
  if (partial) {
    typescript_reads = worst(typescript_reads, Reading::kUnknown);
    python_reads = worst(python_reads, Reading::kUnknown);
  } else if (!JsonTree::is(tools, Kind::kArray)) {
    return;  // refused by both: nothing changes
  } else {
    const Node* next = tree.member(result, "nextCursor");
    if (next && !is_string(next)) typescript_reads = Reading::kRefuses;
    if (next && !is_string(next) && !is_null(next)) python_reads = Reading::kRefuses;
    for (const Node* tool = tree.first(tools); tool; tool = tree.next(tool)) {
      typescript_reads = worst(typescript_reads, typescript_reads_tool(tree, tool));
      python_reads = worst(python_reads, python_reads_tool(tree, tool));
    }
  }
  // Each tool's schema is read once, for both clients' caches.
  std::unordered_map<const Node*, std::shared_ptr<const Schema>> read;
  auto schema_for = [&](const Node* tool) {
    auto [it, fresh] = read.try_emplace(tool);
    if (fresh) it->second = schema_of(tree, tool);
    return it->second;
  };
  if (typescript_reads == Reading::kUnknown) typescript_known_ = false;
  if (typescript_reads == Reading::kTakes) {
    typescript_.clear();
    typescript_known_ = true;
    for (const Node* tool = tree.first(tools); tool; tool = tree.next(tool)) {
      auto schema = schema_for(tool);
      if (!schema) continue;
      // cacheToolMetadata empties the cache, then compiles each schema in
      // turn: one that throws leaves the later tools without a check.
      if (!schema->read || !schema->read->ajv_compiles()) typescript_known_ = false;
      typescript_[std::string(JsonTree::string(tree.member(tool, "name")))] = std::move(schema);
    }
  }
  if (python_reads == Reading::kUnknown) python_known_ = false;
  if (python_reads == Reading::kTakes) {
    const Node* next = tree.member(result, "nextCursor");
    const bool complete = !paged && (!next || JsonTree::is(next, Kind::kNull));
    std::set<std::string, std::less<>> listed;
    for (const Node* tool = tree.first(tools); tool; tool = tree.next(tool)) {
      std::string name(JsonTree::string(tree.member(tool, "name")));
      auto schema = schema_for(tool);
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

uint8_t ToolOutputSchemas::checking(std::string_view name) const {
  uint8_t out = 0;
  if (!typescript_known_ || typescript_.count(name)) out |= kTakenByTypescript;
  auto it = python_.find(name);
  if (!python_known_ || (it != python_.end() && it->second)) out |= kTakenByPython;
  return out;
}

uint8_t ToolOutputSchemas::result_takers(std::string_view name, const JsonTree& tree,
                                         const Node* result) const {
  const Node* content = tree.member(result, "structuredContent");
  // zod wants an object or none, pydantic an object or null.
  if (content && !is_object(content) && !is_null(content)) return kTakenByNone;
  const bool structured = is_object(content);
  const Node* is_error = tree.member(result, "isError");
  const bool tool_error = JsonTree::is(is_error, Kind::kBool) && is_error->text == "true";
  // Each client's check: it fails the call when the tool has a schema and
  // the result no structuredContent (but for a tool's error), or one that
  // fails it.
  auto check = [&](const Schema* schema, SchemaReader reader) {
    if (!structured) return SchemaVerdict::kFails;
    if (!schema->read) return SchemaVerdict::kUnknown;
    return schema->read->check(reader, tree, content);
  };
  SchemaVerdict typescript = SchemaVerdict::kUnknown, python = SchemaVerdict::kUnknown;
  if (typescript_known_) {
    auto it = typescript_.find(name);
    typescript = it == typescript_.end() || (!structured && tool_error)
                     ? SchemaVerdict::kMatches
                     : check(it->second.get(), SchemaReader::kAjv);
  }
  if (tool_error) {
    python = SchemaVerdict::kMatches;
  } else if (python_known_) {
    auto it = python_.find(name);
    // A tool it has not seen listed, it lists after the answer: not known.
    if (it != python_.end())
      python = it->second ? check(it->second.get(), SchemaReader::kJsonschema)
                          : SchemaVerdict::kMatches;
  }
  uint8_t out = kTakenByBoth;
  if (JsonTree::is(content, Kind::kNull)) out = kTakenByPython;
  const bool typescript_fails = typescript == SchemaVerdict::kFails,
             python_fails = python == SchemaVerdict::kFails;
  // One client's check failed and the other's is not known: the call is
  // not known to have succeeded, and no SDK can be named as the one alone
  // that refused it.
  if (typescript_fails && python == SchemaVerdict::kUnknown) return kTakenByNone;
  if (python_fails && typescript == SchemaVerdict::kUnknown) return kTakenByNone;
  if (typescript_fails) out = static_cast<uint8_t>(out & ~kTakenByTypescript);
  if (python_fails) out = static_cast<uint8_t>(out & ~kTakenByPython);
  return out;
}

}  // namespace mcpr
