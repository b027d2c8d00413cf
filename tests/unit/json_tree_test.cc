#include "src/proxy/json_tree.h"
#include "src/proxy/long_line.h"

#include <gtest/gtest.h>

#include <string>

namespace mcpr {
namespace {

using Kind = JsonTree::Kind;

// The value in the Python style, "!" after it when something was escaped,
// or "refused".
std::string reread(const std::string& text) {
  JsonTree tree;
  if (!tree.parse(text)) return "refused";
  std::string out;
  bool escaped = false;
  tree.write_python(tree.root(), &out, &escaped);
  return escaped ? out + " !" : out;
}

TEST(JsonTreeTest, ReadsWhatJavaScriptOrPythonAccept) {
  struct Row {
    std::string text;
    std::string want;
  };
  const Row rows[] = {
      {R"({"a":1,"b":[true,false,null],"c":"x"})", R"({"a": 1, "b": [true, false, null], "c": "x"})"},
      {" [ 1 , 2 ] ", "[1, 2]"},
      {R"("\u00e9\n\"\\\/")", R"("\u00e9\n\"\\/")"},
      {"\"\xc3\xa9\"", R"("\u00e9")"},
      // A pair is one character; a lone surrogate (JSON.stringify of a
      // string cut inside an emoji) is kept as the escape it came as.
      {R"("\ud83c\udf89")", R"("\ud83c\udf89")"},
      {R"("party \ud83c")", R"("party \\ud83c" !)"},
      {R"("\udf89 and \ud83cx")", R"("\\udf89 and \\ud83cx" !)"},
      // Python's json writes these.
      {"[NaN, Infinity, -Infinity]", "[NaN, Infinity, -Infinity]"},
      // Beyond a double: valid JSON, but no reader of ours takes it; read
      // by JavaScript and Python as Infinity, written as Python writes that.
      {"[1e400, -2E+999, 1e308]", "[Infinity, -Infinity, 1e308]"},
      {"123456789012345678901234567890", "123456789012345678901234567890"},
      // Bytes that are not UTF-8, as they came on the wire.
      {"\"a\xff\xfe" "b\"", R"("a\\xff\\xfeb" !)"},
      {"{\"k\xff\":1}", R"({"k\\xff": 1} !)"},
      // Refused by JavaScript and Python alike.
      {R"({"a":1,})", "refused"},
      {"[1 2]", "refused"},
      {R"({"a" 1})", "refused"},
      {R"("\q")", "refused"},
      {R"("\u12")", "refused"},
      {"01", "refused"},
      {"-", "refused"},
      {"1.", "refused"},
      {R"("open)", "refused"},
      {R"({"a":1} x)", "refused"},
      {"\"tab\there\"", "refused"},
      {"NaNa", "refused"},
      {"", "refused"},
      {"tru", "refused"},
  };
  for (const Row& row : rows) EXPECT_EQ(reread(row.text), row.want) << row.text;
}

TEST(JsonTreeTest, DoubledBackslashesTellEscapesFromTextThatReadsSo) {
  // A lone surrogate, the text \ud83c, a backslash, a byte not UTF-8, the
  // text \xff.
  JsonTree tree;
  ASSERT_TRUE(tree.parse(R"(["\ud83c", "\\ud83c", "a\\b", ")" "\xff" R"(", "\\xff"])"));
  std::string plain, doubled;
  bool escaped = false;
  tree.write_python(tree.root(), &plain, &escaped);
  EXPECT_TRUE(escaped);
  EXPECT_EQ(plain, R"(["\\ud83c", "\\ud83c", "a\\b", "\\xff", "\\xff"])");  // alike
  tree.write_python(tree.root(), &doubled, &escaped, true);
  EXPECT_EQ(doubled, R"(["\\ud83c", "\\\\ud83c", "a\\\\b", "\\xff", "\\\\xff"])");
}

// `inner` inside `depth` arrays.
std::string nested(size_t depth, const std::string& inner) {
  return std::string(depth, '[') + inner + std::string(depth, ']');
}

TEST(JsonTreeTest, DeeperThanTheReaderRecursesIsCheckedAndKeptAsText) {
  // JSON.parse takes any depth. From 500 the reader does not recurse: the
  // value is checked as JSON and kept whole, written as its text, escaped.
  struct Row {
    std::string text;
    std::string want;
  };
  const Row rows[] = {
      {nested(499, "[]"), nested(500, "")},
      {nested(500, "[]"), nested(500, R"("[]")") + " !"},
      {nested(500, R"({"a": [1, "x\"]", {}, []], "b" :null ,"c":{"d":[NaN]}})"),
       nested(500, R"("{\"a\": [1, \"x\\\"]\", {}, []], \"b\" :null ,\"c\":{\"d\":[NaN]}}")") + " !"},
      {nested(500, "[1,]"), "refused"},
      {nested(500, "[1 2]"), "refused"},
      {nested(500, R"({"a" 1})"), "refused"},
      {nested(500, R"({"a":1,})"), "refused"},
      {nested(500, "{1:2}"), "refused"},
      {nested(500, "[}"), "refused"},
      {nested(500, R"(["open])"), "refused"},
      {nested(500, "[tru]"), "refused"},
      {nested(500, "[]]"), "refused"},
      {std::string(200000, '['), "refused"},
  };
  for (const Row& row : rows) EXPECT_EQ(reread(row.text), row.want) << row.text.substr(498, 60);
  // A million deep, as JSON.parse takes it: no stack is that deep.
  JsonTree tree;
  ASSERT_TRUE(tree.parse(nested(1000000, "1")));
  EXPECT_EQ(tree.depth(), 1000000);
  // A line cut inside a deep value (parse_prefix, the long-line path).
  const std::string cut = R"({"id":1,"result":)" + std::string(5000, '[') + "1,";
  ASSERT_TRUE(tree.parse_prefix(cut));  // the tree views the text: it must outlive it
  EXPECT_TRUE(JsonTree::is(tree.member(tree.root(), "result"), Kind::kArray));
}

TEST(JsonTreeTest, MembersAndTheLastOfEqualKeys) {
  JsonTree tree;
  ASSERT_TRUE(tree.parse(R"({"id":1,"m":{"x":"y"},"id":"2"})"));
  const JsonTree::Node* id = tree.member(tree.root(), "id");
  ASSERT_TRUE(JsonTree::is(id, Kind::kString));
  EXPECT_EQ(JsonTree::string(id), "2");
  EXPECT_EQ(JsonTree::string(tree.member(tree.member(tree.root(), "m"), "x")), "y");
  EXPECT_EQ(tree.member(tree.root(), "nope"), nullptr);
  EXPECT_EQ(tree.member(id, "x"), nullptr);
  EXPECT_EQ(tree.root()->size, 3u);
}

// The members of a prefix-read object, "key=kind" with nested objects in
// braces.
std::string shape(const JsonTree& tree, const JsonTree::Node* n) {
  std::string out;
  for (const JsonTree::Node* c = tree.first(n); c; c = tree.next(c)) {
    if (!out.empty()) out += ",";
    out += std::string(c->key) + "=";
    switch (c->kind) {
      case Kind::kCut: out += "cut"; break;
      case Kind::kObject:
      case Kind::kArray: out += "{" + shape(tree, c) + "}"; break;
      default: out += std::string(c->text);
    }
  }
  return out;
}

TEST(JsonTreeTest, APrefixKeepsWhatEndedBeforeTheCut) {
  struct Row {
    std::string head;
    std::string want;
  };
  const Row rows[] = {
      // A number at the cut may go on: not taken.
      {R"({"jsonrpc":"2.0","id":12)", "jsonrpc=2.0,id=cut"},
      {R"({"jsonrpc":"2.0","id":12,)", "jsonrpc=2.0,id=12"},
      {R"({"result":{"content":[{"type":"text","text":"xxx)",
       "result={content={={type=text,text=cut}}}"},
      {R"({"method":"tools/call","params":{"name":"echo","arguments":{"blob":"yy)",
       "method=tools/call,params={name=echo,arguments={blob=cut}}"},
      {R"({"a":tr)", "a=cut"},
      {R"({"a":true)", "a=true"},
      {R"({"a":"x","b)", "a=x"},
      {R"({"a":-)", "a=cut"},
  };
  for (const Row& row : rows) {
    JsonTree tree;
    ASSERT_TRUE(tree.parse_prefix(row.head)) << row.head;
    EXPECT_EQ(shape(tree, tree.root()), row.want) << row.head;
  }
  JsonTree tree;
  EXPECT_FALSE(tree.parse_prefix("not json"));
  EXPECT_FALSE(tree.parse_prefix(R"({"a":1]})"));
  EXPECT_FALSE(tree.parse_prefix(R"("str)"));
}

TEST(JsonTreeTest, MembersAddedFromTheTail) {
  JsonTree tree;
  ASSERT_TRUE(tree.parse_prefix(R"({"result":{"content":[)"));
  EXPECT_TRUE(tree.add_member(R"("jsonrpc")", R"("2.0")"));
  EXPECT_TRUE(tree.add_member(R"("id")", "7"));
  EXPECT_FALSE(tree.add_member(R"("bad")", "[1,"));
  EXPECT_FALSE(tree.add_member("bad", "1"));
  EXPECT_EQ(shape(tree, tree.root()), "result={content={}},jsonrpc=2.0,id=7");
  EXPECT_EQ(tree.root()->size, 3u);
}

TEST(LongLineTest, TheMembersEitherEndShows) {
  struct Row {
    const char* head;
    const char* tail;
    const char* want;  // shape(), or "refused"
  };
  const Row rows[] = {
      // The TypeScript SDK's order: the big member first, the id last.
      {R"({"result":{"content":[{"type":"text","text":"xxxx)", R"(xxxx"}]},"jsonrpc":"2.0","id":3})",
       "result={content={={type=text,text=cut}}},jsonrpc=2.0,id=3"},
      // A server's request in that order: it has a method, so it answers nothing.
      {R"({"method":"sampling/createMessage","params":{"messages":[{"content":{"text":"yy)",
       R"(yy"}}],"maxTokens":5},"jsonrpc":"2.0","id":3})",
       "method=sampling/createMessage,params={messages={={content={text=cut}}},maxTokens=5},"
       "jsonrpc=2.0,id=3"},
      // Python's order: the id first.
      {R"({"jsonrpc": "2.0", "id": "r-1", "result": {"content": [)", R"(zz"}]}})",
       "jsonrpc=2.0,id=r-1,result={content={}}"},
      // Strings in the tail that look like members are inside the big value.
      {R"({"result":{"text":"a)", R"(","id":9}"", "more": ["}", "{"]}, "id" : 4 })",
       "result={text=cut,more={=},={}},id=4"},  // (read as result's: the tail shows no more)
      {R"({"result":{"text":"a)", R"(b\"}, "id": "x\"y"})", R"(result={text=cut},id=x"y)"},
      // A number running into the tail's start is not taken.
      {R"({"result":[1,)", R"(23456]})", "result={=1}"},
      {R"({"result":[1,)", R"(23456, 7], "id": 12})", "result={=1},id=12"},
      {R"({"result":[1,)", "not the end of an object", "result={=1}"},
      // The members that end the message's params, result or error whole
      // are its too: isError after a long content, a message after long
      // data, a progress token after long arguments.
      {R"({"result":{"content":[{"type":"text","text":"xxxx)",
       R"(xxxx"}],"isError":true},"jsonrpc":"2.0","id":3})",
       "result={content={={type=text,text=cut}},isError=true},jsonrpc=2.0,id=3"},
      {R"({"jsonrpc": "2.0", "id": 4, "error": {"code": -32000, "data": "xxx)",
       R"(xxx", "message": "msg at end"}})",
       "jsonrpc=2.0,id=4,error={code=-32000,data=cut,message=msg at end}"},
      {R"({"method":"tools/call","params":{"name":"e","arguments":{"pad":"xxx)",
       R"(xxx"},"_meta":{"progressToken":7}},"jsonrpc":"2.0","id":5})",
       "method=tools/call,params={name=e,arguments={pad=cut},_meta={progressToken=7}},jsonrpc=2.0,"
       "id=5"},
      // Deeper, the container that ends in the tail is not known by name:
      // arguments after a long one, or another member of params?
      {R"({"method":"tools/call","params":{"name":"e","arguments":{"pad":"xxx)",
       R"(xxx","a":1,"b":2}},"jsonrpc":"2.0","id":5})",
       "method=tools/call,params={name=e,arguments={pad=cut}},jsonrpc=2.0,id=5"},
      // An object that ends in the tail is the one the head left open only
      // for params, result and error (a message has one of them): not
      // another member's.
      {R"({"jsonrpc":"2.0","id":1,"result":{"a":1},"other":{"big":"zz)",
       R"(zz","isError":true}})", "jsonrpc=2.0,id=1,result={a=1},other={big=cut}"},
      {R"({"jsonrpc":"2.0","id":1,"result":{"a":"zz)", R"(zz"},"x":{"isError":true}})",
       "jsonrpc=2.0,id=1,result={a=cut},x={isError=true}"},
      {R"([{"jsonrpc":"2.0")", R"("id":1}])", "refused"},
      {"garbage", "}", "refused"},
  };
  for (const Row& row : rows) {
    JsonTree tree;
    const bool ok = read_long_line(row.head, row.tail, &tree);
    EXPECT_EQ(ok ? shape(tree, tree.root()) : "refused", row.want) << row.head << " ... " << row.tail;
  }
}

}  // namespace
}  // namespace mcpr
