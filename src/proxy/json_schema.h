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

// `value` (of `values`) against the schema that is the root of `schema`
// (a "#" $ref names that root).
SchemaVerdict check_json_schema(SchemaReader reader, const JsonTree& schema,
                                const JsonTree& values, const JsonTree::Node* value);

// Whether ajv (as the TypeScript SDK's client calls it) surely compiles the
// schema that is the root of `schema`: a compile that throws ends the
// client's caching of a listing's schemas there.
bool ajv_compiles(const JsonTree& schema);

}  // namespace mcpr
