// check_json_schema, row by row: what both libraries agree on is judged;
// what the proxy does not read is kUnknown, never a guess. (Its agreement
// with ajv and jsonschema themselves over generated schemas is
// tests/e2e/test_output_schema.py's.)
#include "src/proxy/json_schema.h"

#include <gtest/gtest.h>

namespace mcpr {
namespace {

constexpr auto M = SchemaVerdict::kMatches;
constexpr auto F = SchemaVerdict::kFails;
constexpr auto U = SchemaVerdict::kUnknown;

struct SchemaRow {
  const char* schema;
  const char* value;
  SchemaVerdict ajv;
  SchemaVerdict jsonschema;
};

TEST(JsonSchemaTest, Verdicts) {
  const SchemaRow rows[] = {
      // Types; 1.0 and 1e2 are integers to both, true is no number.
      {R"({"type":"integer"})", "1.0", M, M},
      {R"({"type":"integer"})", "1e2", M, M},
      {R"({"type":"integer"})", "1.5", F, F},
      {R"({"type":"number"})", "true", F, F},
      {R"({"type":["string","null"]})", "null", M, M},
      {R"({"type":"object"})", "[]", F, F},
      // A schema its metaschema refuses: the Python SDK's client fails every
      // call (it checks the schema first); ajv may throw compiling it.
      {R"({"type":"whatever"})", "1", U, F},
      {R"({"required":["a","a"]})", "{}", U, F},
      {R"({"properties":{"a":{"minLength":-1}}})", "{}", U, F},
      {R"({"properties":{"a":{"maxLength":1.5}}})", "{}", U, F},
      {R"({"multipleOf":0})", "1", U, F},
      {R"({"title":5})", "1", U, F},
      {R"({"minimum":"5"})", "1", U, F},
      // Equality: 1 and 1.0 are equal, true and 1 are not; members in any order.
      {R"({"enum":[1,"a"]})", "1.0", M, M},
      {R"({"enum":[1]})", "true", F, F},
      {R"({"const":{"a":1,"b":[1,2]}})", R"({"b":[1.0,2],"a":1})", M, M},
      {R"({"const":{"a":1}})", R"({"a":1,"b":2})", F, F},
      {R"({"uniqueItems":true})", R"([1,1.0])", F, F},
      {R"({"uniqueItems":true})", R"([1,true,"1"])", M, M},
      // A repeated member: the last counts, as JSON.parse and Python read it.
      {R"({"required":["a"],"properties":{"a":{"type":"string"}}})", R"({"a":"x","a":1})", F, F},
      {R"({"maxProperties":1})", R"({"a":1,"a":2})", M, M},
      // Characters, not bytes nor UTF-16 units.
      {R"({"maxLength":1})", R"("😀")", M, M},
      {R"({"minLength":2})", R"("é")", F, F},
      // Bounds and multiples.
      {R"({"exclusiveMinimum":0})", "0", F, F},
      {R"({"maximum":2.5})", "2.5", M, M},
      {R"({"multipleOf":3})", "9.0", M, M},
      {R"({"multipleOf":3})", "1.5", F, F},
      {R"({"multipleOf":0.1})", "0.3", U, U},
      {R"({"exclusiveMinimum":true,"minimum":0})", "0", U, F},  // draft-04's boolean
      // Beyond a double (Infinity to both): ajv's integer test takes it.
      {R"({"type":"integer"})", "1e400", M, F},
      {R"({"maximum":1e308})", "1e400", F, F},
      {R"({"multipleOf":2})", "1e400", F, F},
      // Beyond 2^53, Python's integers are exact and JavaScript's are not.
      {R"({"maximum":9007199254740992})", "9007199254740993", U, U},
      // Combinations in three-valued logic: an unknown branch settles nothing
      // unless the others do.
      // (a format is ajv's alone: unknown to it here, and no keyword to jsonschema)
      {R"({"anyOf":[{"format":"email"},{"type":"string"}]})", R"("b")", M, M},
      {R"({"anyOf":[{"format":"email"},{"type":"number"}]})", R"("b")", U, M},
      {R"({"allOf":[{"format":"email"},{"type":"number"}]})", R"("b")", F, F},
      {R"({"oneOf":[{"type":"string"},{"minLength":0}]})", R"("b")", F, F},
      {R"({"oneOf":[{"type":"string"},{"format":"email"}]})", R"("b")", U, F},
      // A keyword not read may be one the metaschema refuses (a pattern that
      // is no regular expression): nothing is judged.
      {R"({"anyOf":[{"pattern":"^a"},{"type":"string"}]})", R"("b")", U, U},
      {R"({"not":{"type":"string"}})", "1", M, M},
      // Properties: additionalProperties sees the members properties does not name.
      {R"({"properties":{"a":{}},"additionalProperties":false})", R"({"a":1})", M, M},
      {R"({"properties":{"a":{}},"additionalProperties":false})", R"({"a":1,"b":2})", F, F},
      {R"({"additionalProperties":{"type":"string"},"patternProperties":{"^x":{}}})", R"({"x":1})", U, U},
      {R"({"items":{"type":"integer"},"maxItems":2})", R"([1,2])", M, M},
      {R"({"items":[{"type":"integer"}]})", R"([1])", U, U},  // draft-07 tuples, an error to 2020-12
      // $ref: a JSON pointer, escaped; the root; a remote one; siblings.
      {R"({"$defs":{"a/b":{"type":"string"}},"properties":{"x":{"$ref":"#/$defs/a~1b"}}})", R"({"x":1})", F, F},
      {R"({"definitions":{"n":{"minimum":1}},"items":{"$ref":"#/definitions/n"}})", R"([0])", F, F},
      {R"({"properties":{"self":{"$ref":"#"}},"required":["a"]})", R"({"a":1,"self":{}})", F, F},
      {R"({"$ref":"https://example.com/s.json"})", "1", U, U},
      {R"({"$ref":"#/$defs/missing"})", "1", U, U},
      // Beside a $ref, ajv and 2020-12 apply the other keywords, draft-07 not.
      {R"({"$defs":{"s":{"type":"string"}},"properties":{"x":{"$ref":"#/$defs/s","minLength":2}}})", R"({"x":"a"})", F, F},
      {R"({"$schema":"http://json-schema.org/draft-07/schema#","$defs":{"s":{"type":"string"}},"properties":{"x":{"$ref":"#/$defs/s","minLength":2}}})", R"({"x":"a"})", F, M},
      {R"({"$ref":"#"})", "1", U, U},  // refers to itself: the depth bound
      // What one library reads and the other does not: a format is ajv's.
      {R"({"type":"string","format":"email"})", R"("no")", U, M},
      // ajv (its metaschema check off) reads any $schema as draft-07.
      {R"({"$schema":"https://json-schema.org/draft/2020-12/schema","type":"string"})", "1", F, F},
      {R"({"$schema":"http://json-schema.org/draft-07/schema#","type":"string"})", "1", F, F},
      {R"({"$schema":"http://json-schema.org/draft-04/schema#","type":"string"})", "1", F, U},
      {R"({"$id":"https://example.com/t","type":"string"})", "1", U, F},
      // An $id below the root is a base URI of its own for the $refs under it.
      {R"({"properties":{"x":{"$id":"x","type":"string"}}})", R"({"x":1})", U, U},
      {R"({"$defs":{"s":{"type":"string"}},"properties":{"x":{"$id":"http://e/x","$ref":"#/$defs/s"}}})",
       R"({"x":1})", U, U},
      // Neither reads an unknown keyword nor an annotation.
      {R"({"x-vendor":{"type":"string"},"title":"t","default":3})", "1", M, M},
      {R"({"pattern":"^a"})", R"("b")", U, U},
      {R"({"if":{"type":"string"},"then":{"minLength":3}})", R"("b")", U, U},
      // ajv reads an object's prototype members as its own (data.constructor
      // is Object), and the SDK's zod drops a member named __proto__.
      {R"({"properties":{"constructor":{"type":"string"}}})", "{}", U, M},
      {R"({"required":["toString"]})", "{}", U, F},
      {R"({"additionalProperties":false})", R"({"__proto__":{"x":1}})", U, F},
      // $ref pointers as both read them: split at "/", then percent-decoded,
      // then ~1 and ~0 (another "~" kept as it is).
      {R"({"$defs":{"a/b":{"type":"string"}},"properties":{"x":{"$ref":"#/$defs/a~1b"}}})", R"({"x":1})", F, F},
      {R"({"$defs":{"a/b":{"type":"string"},"a":{"b":{}}},"properties":{"x":{"$ref":"#/$defs/a%2Fb"}}})", R"({"x":1})", F, F},
      {R"({"$defs":{"a~2":{"type":"string"}},"properties":{"x":{"$ref":"#/$defs/a~2"}}})", R"({"x":1})", F, F},
      // Bytes that are not UTF-8 (or a lone surrogate, which may have come as
      // its escape or as three bytes): Node counts U+FFFDs, not these.
      {R"({"maxLength":1})", "\"\xff\xfe\"", U, U},
      {R"({"maxLength":1})", R"("\ud800")", U, U},
      {"true", "1", M, M},
      {"false", "1", F, F},
  };
  for (const SchemaRow& row : rows) {
    JsonTree schema, value;
    ASSERT_TRUE(schema.parse(row.schema)) << row.schema;
    ASSERT_TRUE(value.parse(row.value)) << row.value;
    EXPECT_EQ(check_json_schema(SchemaReader::kAjv, schema, value, value.root()), row.ajv)
        << "ajv: " << row.schema << " against " << row.value;
    EXPECT_EQ(check_json_schema(SchemaReader::kJsonschema, schema, value, value.root()),
              row.jsonschema)
        << "jsonschema: " << row.schema << " against " << row.value;
  }
}

// A schema that branches at every level cannot hold the tracker's thread.
TEST(JsonSchemaTest, ManyBranchesEndUnknown) {
  // d29 tries d28 twice, which tries d27 twice, ...: 2^30 checks of d0.
  std::string schema = R"({"$defs":{"d0":{"type":"integer"})";
  for (int i = 1; i < 30; ++i) {
    const std::string ref = R"({"$ref":"#/$defs/d)" + std::to_string(i - 1) + "\"}";
    schema += ",\"d" + std::to_string(i) + R"(":{"anyOf":[)" + ref + "," + ref + "]}";
  }
  schema += R"(},"$ref":"#/$defs/d29"})";
  JsonTree tree, value;
  ASSERT_TRUE(tree.parse(schema));
  ASSERT_TRUE(value.parse(R"("x")"));
  EXPECT_EQ(check_json_schema(SchemaReader::kJsonschema, tree, value, value.root()),
            SchemaVerdict::kUnknown);
}

// A wide object is looked into once per object, not once per member: 50,000
// members, each checked by additionalProperties and counted, are judged
// within the step bound (a lookup per member would be 2.5e9 steps).
TEST(JsonSchemaTest, WideObjectsAreJudged) {
  std::string value = "{";
  for (int i = 0; i < 50000; ++i) value += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":1";
  value += ",\"k7\":\"last\"}";
  JsonTree schema, tree;
  ASSERT_TRUE(tree.parse(value));
  ASSERT_TRUE(schema.parse(R"({"additionalProperties":{"type":"integer"},"maxProperties":50000})"));
  EXPECT_EQ(check_json_schema(SchemaReader::kJsonschema, schema, tree, tree.root()),
            SchemaVerdict::kFails);  // "k7" is last a string
  ASSERT_TRUE(schema.parse(R"({"additionalProperties":{"type":["integer","string"]},"maxProperties":50000})"));
  EXPECT_EQ(check_json_schema(SchemaReader::kJsonschema, schema, tree, tree.root()),
            SchemaVerdict::kMatches);
}

// uniqueItems compares every pair: over 100,000 items (5e9 pairs) the step
// bound ends it, unknown, at once (review proxy-newcomer-r5 F9).
TEST(JsonSchemaTest, UniqueItemsOverManyItemsEndsUnknown) {
  std::string value = "[";
  for (int i = 0; i < 100000; ++i) value += (i ? ",[" : "[") + std::to_string(i) + "]";
  value += "]";
  JsonTree schema, tree;
  ASSERT_TRUE(tree.parse(value));
  ASSERT_TRUE(schema.parse(R"({"uniqueItems":true})"));
  EXPECT_EQ(check_json_schema(SchemaReader::kJsonschema, schema, tree, tree.root()),
            SchemaVerdict::kUnknown);
}

}  // namespace
}  // namespace mcpr
