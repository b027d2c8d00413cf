#include "src/event/fields.h"

#include <gtest/gtest.h>

#include "src/util/failure.h"
#include "src/event/pyjson.h"

namespace mcpr {
namespace {

struct FieldCase {
  const char* arg;
  const char* key;
  bool is_json;
  const char* value;
};

TEST(FieldsTest, SplitsAtTheFirstEquals) {
  const FieldCase cases[] = {
      {"a=b", "a", false, "b"},
      {"a=b=c", "a", false, "b=c"},
      {"a=", "a", false, ""},
      {"a:=1", "a", true, "1"},
      {"a:=", "a", true, ""},
      {"a=b:=c", "a", false, "b:=c"},
      {"a::=1", "a:", true, "1"},
      {"k:={\"x\": \"=\"}", "k", true, "{\"x\": \"=\"}"},
      {"with space=v", "with space", false, "v"},
  };
  for (const FieldCase& c : cases) {
    std::string error;
    auto f = parse_field(c.arg, &error);
    ASSERT_TRUE(f) << c.arg << ": " << error;
    EXPECT_EQ(f->key, c.key) << c.arg;
    EXPECT_EQ(f->is_json, c.is_json) << c.arg;
    EXPECT_EQ(f->value, c.value) << c.arg;
  }
}

TEST(FieldsTest, RejectsMissingEqualsAndEmptyKeys) {
  for (const char* bad : {"novalue", "=v", ":=1", ""}) {
    std::string error;
    EXPECT_FALSE(parse_field(bad, &error)) << bad;
    EXPECT_FALSE(error.empty());
  }
}

struct PayloadCase {
  std::optional<std::string> data;
  std::vector<std::string> fields;
  const char* expected;
};

TEST(FieldsTest, BuildsPayloadsAsPythonWouldPrintThem) {
  const PayloadCase cases[] = {
      {std::nullopt, {}, "{}"},
      {std::nullopt, {"a=1", "b:=1"}, "{\"a\": \"1\", \"b\": 1}"},
      {std::nullopt, {"n:=1.50", "t:=true", "z:=null"}, "{\"n\": 1.50, \"t\": true, \"z\": null}"},
      {std::nullopt,
       {"o:={\"x\":[1,2,{\"y\":\"z\"}]}"},
       "{\"o\": {\"x\": [1, 2, {\"y\": \"z\"}]}}"},
      {std::nullopt, {"u=é☃😀"}, "{\"u\": \"\\u00e9\\u2603\\ud83d\\ude00\"}"},
      {std::nullopt, {"q=say \"hi\"\n\t\\"}, "{\"q\": \"say \\\"hi\\\"\\n\\t\\\\\"}"},
      {std::nullopt, {"c=\x01\x7f"}, "{\"c\": \"\\u0001\\u007f\"}"},
      {std::string("{\"a\": 1, \"b\": 2}"),
       {"b=x", "c:=[]"},
       "{\"a\": 1, \"b\": \"x\", \"c\": []}"},
      {std::string(" {\"a\" : {\"b\" : {}}} "), {}, "{\"a\": {\"b\": {}}}"},
      {std::string("{\"d\": 1, \"d\": 2}"), {}, "{\"d\": 2}"},
      {std::nullopt, {"a=1", "a=2"}, "{\"a\": \"2\"}"},
  };
  for (const PayloadCase& c : cases) {
    EXPECT_EQ(build_payload(c.data, c.fields), c.expected)
        << (c.fields.empty() ? *c.data : c.fields.front());
  }
}

TEST(FieldsTest, BadDataIsExit65NamingTheArgument) {
  struct Bad {
    std::optional<std::string> data;
    std::vector<std::string> fields;
    const char* named;
  };
  const Bad cases[] = {
      {std::nullopt, {"ok=1", "broken"}, "'broken'"}, {std::nullopt, {"a:={"}, "'a:={'"},
      {std::nullopt, {"a:=1 2"}, "'a:=1 2'"},         {std::nullopt, {"a:=NaN"}, "'a:=NaN'"},
      {std::nullopt, {"a=\xff"}, "'a=\xff'"},         {std::string("[1]"), {}, "--data"},
      {std::string("\"s\""), {}, "--data"},           {std::string("{"), {}, "--data"},
      {std::string("{} {}"), {}, "--data"},
      // A lone surrogate: a high one RapidJSON refuses itself; a low one it
      // let through as bytes that are not UTF-8, and the event was written
      // cut off mid-string (found by fuzz_fields).
      {std::nullopt, {"q:=\"\\ud83d\""}, "'q:="},
      {std::nullopt, {"q:=\"\\uDDaD\""}, "'q:="},
      {std::nullopt, {"q:={\"\\udc00\": 1}"}, "'q:="},
      {std::string("{\"a\": \"\\udfff\"}"), {}, "--data"},
  };
  for (const Bad& c : cases) {
    try {
      build_payload(c.data, c.fields);
      ADD_FAILURE() << "accepted " << c.named;
    } catch (const Failure& f) {
      EXPECT_EQ(f.exit_code(), kExitDataErr);
      EXPECT_EQ(std::string(f.what()).rfind(c.named, 0), 0u) << f.what();
    }
  }
}

TEST(FieldsTest, MissingDataFileIs66) {
  try {
    read_data_argument("@/nonexistent/x.json", 1024);
    FAIL();
  } catch (const Failure& f) {
    EXPECT_EQ(f.exit_code(), kExitNoInput);
  }
  EXPECT_EQ(read_data_argument("{\"a\":1}", 1024), "{\"a\":1}");
}

}  // namespace
}  // namespace mcpr
