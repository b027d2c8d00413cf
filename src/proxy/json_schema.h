// Whether a value matches a JSON Schema, as the official MCP SDKs' clients
// check a tool's structuredContent against the outputSchema the tool listed
// (man page PROXY, Faithful): the TypeScript SDK's with ajv (draft-07, with
// ajv-formats), the Python SDK's with jsonschema (the draft its $schema
// names, else 2020-12; formats not asserted).
//
// A subset of the keywords is read, the one where the two drafts and the two
// libraries agree: type, enum, const, properties, required,
// additionalProperties, items (one schema), the bounds (min/max Length,
// Items, Properties; minimum, maximum, exclusiveMinimum, exclusiveMaximum),
// a whole multipleOf, uniqueItems, allOf, anyOf, oneOf, not, and a $ref to
// a JSON pointer in the same schema. Keywords neither library knows are
// ignored, as both ignore them, and so are annotations (title,
// description, default, ...). A schema its metaschema refuses fails every
// value to jsonschema (the Python SDK's client checks the schema first).
// Where the verdict would take what is not read (a pattern, a format to
// ajv, if/then/else, a remote $ref, a number beyond what a double holds
// exactly, a member named as a JavaScript object's own to ajv), it is
// kUnknown: never a guess.
#pragma once

#include <cstdint>

#include "src/proxy/json_tree.h"

namespace mcpr {

enum class SchemaReader : uint8_t { kAjv, kJsonschema };
enum class SchemaVerdict : uint8_t { kMatches, kFails, kUnknown };

// Whether a schema is one its readers take at all: jsonschema checks it
// against its draft's metaschema first (the Python SDK's client then fails
// every call: "Invalid schema for tool"), ajv compiles it (a throw leaves
// the TypeScript SDK's client without the checks of that listing's later
// tools). kMalformed: surely invalid to both drafts (a minLength of -1, a
// required that is no list of distinct strings, an unknown type, ...);
// kUnknown: it holds what is not vetted here (a keyword not read, a
// draft-07 array of items, a $ref that does not resolve, an $id).
enum class SchemaForm : uint8_t { kWellFormed, kMalformed, kUnknown };

// A schema read once, before any value: its form, its draft, whether ajv
// reads and compiles it, whether an $id stands below its root. A tool's
// calls are all checked against the schema it listed, so ToolOutputSchemas
// reads each listed schema here once, not again for every call.
class JsonSchema {
 public:
  // `schema`, whose root is the schema, must outlive this.
  explicit JsonSchema(const JsonTree& schema);
  explicit JsonSchema(JsonTree&&) = delete;  // a temporary would not outlive it

  // `value` (of `values`) against the schema (a "#" $ref names its root).
  SchemaVerdict check(SchemaReader reader, const JsonTree& values,
                      const JsonTree::Node* value) const;

  // Whether ajv (as the TypeScript SDK's client calls it) surely compiles
  // the schema: a compile that throws ends the client's caching of a
  // listing's schemas there.
  bool ajv_compiles() const { return ajv_compiles_; }

 private:
  enum class Draft : uint8_t { k202012, k07, kOther };  // to jsonschema; none: 2020-12

  const JsonTree& schema_;
  SchemaForm form_;
  Draft draft_ = Draft::k202012;
  bool ajv_reads_ = false;  // well formed, no $id, no Object.prototype name
  bool ajv_compiles_ = false;
  bool nested_id_ = false;
};

// `value` against a schema read for it alone.
SchemaVerdict check_json_schema(SchemaReader reader, const JsonTree& schema,
                                const JsonTree& values, const JsonTree::Node* value);

}  // namespace mcpr
