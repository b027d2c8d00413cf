// The tracker over whole sessions: each row a sequence of messages as the
// proxy saw them, and the events they must make (man page PROXY, the table
// per revision).
#include <gtest/gtest.h>

#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "src/proxy/interaction_tracker.h"
#include "proxy_steps.h"

namespace mcpr {
namespace {

// An event as a row says it: "s ID METHOD REQUEST-ID" for a start, else the
// action's letter, the id and the payload without its timings and sizes.
// With `session`, a start adds the protocol version and the client's name
// and version it records ("-" for none).
std::string render(const ProxyEvent& e, bool session) {
  const char code = action_info(e.action).code;
  if (e.action == Action::kStart) {
    std::smatch type, id;
    std::regex_search(e.payload, type, std::regex(R"re("request_type": "([^"]*)")re"));
    std::regex_search(e.payload, id, std::regex(R"re("jsonrpc.request.id": ("[^"]*"|[^,}]+))re"));
    std::string out = "s " + e.interaction_id + " " + type[1].str() + " " + id[1].str();
    for (const char* key : {"mcp.protocol.version", "mcp.client.name", "mcp.client.version"}) {
      if (!session) break;
      std::smatch v;
      const bool has = std::regex_search(
          e.payload, v, std::regex("\"" + std::string(key) + R"re(": "([^"]*)")re"));
      out += " " + (has ? v[1].str() : std::string("-"));
    }
    for (const char* mark : {"refused_by", "truncated"}) {
      std::smatch v;
      if (std::regex_search(e.payload, v, std::regex("\"" + std::string(mark) + R"re(": ("[^"]*"|true))re")))
        out += " " + std::string(mark) + "=" + v[1].str();
    }
    return out;
  }
  static const std::regex timings(R"(("processing_time"|"output_size"|"input_size"): [0-9.e+-]+(, )?)");
  std::string payload = std::regex_replace(e.payload, timings, "");
  payload = std::regex_replace(payload, std::regex(", \\}$"), "}");
  return std::string(1, code) + " " + e.interaction_id + " " + payload;
}

struct Run {
  std::vector<std::string> events;
  uint64_t unreadable = 0;
};

Run run(const std::vector<Step>& steps, const TrackerOptions& options = {},
        std::optional<SessionEnd> end = std::nullopt, bool session = false) {
  Run out;
  int made = 0;
  InteractionTracker tracker(
      options, [&](ProxyEvent e) { out.events.push_back(render(e, session)); },
      [&](int64_t) { return "id" + std::to_string(++made); });
  int64_t t = 0;
  for (const Step& s : steps) {
    t += 1000;
    const SeenAt at{1800000000000000 + t, t};
    if (s.tail) tracker.on_long_line(s.direction, s.line, s.tail, 20u << 20, at);
    else tracker.on_line(s.direction, s.line, at);
  }
  if (end) tracker.close_all(*end, "gone", {1800000000000000 + t + 1000, t + 1000});
  out.unreadable = tracker.unreadable_lines();
  return out;
}

std::string call(const std::string& id, const std::string& extra = "") {
  return R"({"jsonrpc":"2.0","id":)" + id + R"(,"method":"tools/call","params":{"name":"a")" +
         extra + "}}";
}
std::string request(const std::string& id, const std::string& method, const std::string& params) {
  return R"({"jsonrpc":"2.0","id":)" + id + R"(,"method":")" + method + R"(","params":)" + params +
         "}";
}
std::string result(const std::string& id, const std::string& body) {
  return R"({"jsonrpc":"2.0","id":)" + id + R"(,"result":)" + body + "}";
}
std::string error(const std::string& id, int code, const std::string& message) {
  return R"({"jsonrpc":"2.0","id":)" + id + R"(,"error":{"code":)" + std::to_string(code) +
         R"(,"message":")" + message + R"("}})";
}
std::string notification(const std::string& method, const std::string& params) {
  return R"({"jsonrpc":"2.0","method":")" + method + R"(","params":)" + params + "}";
}

std::string tool_call(const std::string& id, const std::string& name,
                      const std::string& arguments, const std::string& extra = "") {
  return R"({"jsonrpc":"2.0","id":)" + id + R"(,"method":"tools/call","params":{"name":")" +
         name + R"(","arguments":)" + arguments + extra + "}}";
}

// `inner` inside `depth` arrays.
std::string inside_arrays(size_t depth, const std::string& inner = "1") {
  return std::string(depth, '[') + inner + std::string(depth, ']');
}

const std::string kText = R"({"content":[{"type":"text","text":"ok"}]})";
const std::string kKeyK = R"({"resultType":"input_required","inputRequests":{"k":{}}})";
const std::string kDone = R"(c id1 {"success": true, "content_count": 1})";

struct Row {
  const char* name;
  std::vector<Step> steps;
  std::vector<std::string> want;
  std::optional<SessionEnd> end = std::nullopt;
  uint64_t unreadable = 0;
};

void check(const std::vector<Row>& rows, const TrackerOptions& options = {},
           bool session = false) {
  for (const Row& row : rows) {
    Run got = run(row.steps, options, row.end, session);
    EXPECT_EQ(got.events, row.want) << row.name;
    EXPECT_EQ(got.unreadable, row.unreadable) << row.name;
  }
}

TEST(TrackerTableTest, RequestsResponsesAndIds) {
  check({
      {"a server request with the id of an open call, and the client's answer to it, end "
       "nothing",
       {{kUp, call("1")},
        {kDown, request("1", "sampling/createMessage", R"({"messages":[],"maxTokens":5})")},
        {kUp, result("1", R"({"role":"assistant","content":{"type":"text","text":"hi"}})")},
        {kDown, result("1", kText)}},
       {"s id1 tools/call 1", kDone}},
      {"1 and \"1\" are different ids",
       {{kUp, call("1")}, {kUp, call("\"1\"")}, {kDown, error("\"1\"", -32602, "bad")},
        {kDown, result("1", kText)}},
       {"s id1 tools/call 1", "s id2 tools/call \"1\"",
        R"(e id2 {"error_type": "JsonRpcError", "error_code": -32602, "error_message": "bad"})",
        kDone}},
      {"numeric ids are matched by value, as a JavaScript server echoes them; one beyond 2^53 "
       "(Python's alone) exactly, as Python reads it",
       {{kUp, call("1.0")}, {kUp, call("12345678901234567890")},
        {kDown, result("1", kText)}, {kDown, result("12345678901234567000", kText)},
        {kDown, result("12345678901234567890", R"({"content":[]})")}},
       {"s id1 tools/call 1.0 refused_by=\"python\"",
        "s id2 tools/call 12345678901234567890 refused_by=\"typescript\"", kDone,
        R"(c id2 {"success": null, "content_count": 0, "refused_by": "typescript"})"}},
      {"distinct ids beyond 2^53 are distinct calls (review proxy-stdio-r3 F4): no false "
       "Superseded, and an answer ends its own call only",
       {{kUp, call("18446744073709551617")}, {kUp, call("18446744073709551618")},
        {kUp, call("9007199254740992")}, {kUp, call("9007199254740993")},
        {kDown, result("18446744073709551617", kText)}, {kDown, result("\"9007199254740993\"", kText)}},
       {"s id1 tools/call 18446744073709551617 refused_by=\"typescript\"",
        "s id2 tools/call 18446744073709551618 refused_by=\"typescript\"",
        "s id3 tools/call 9007199254740992 refused_by=\"typescript\"",
        "s id4 tools/call 9007199254740993 refused_by=\"typescript\"",
        R"(c id1 {"success": null, "content_count": 1, "refused_by": "typescript"})",
        R"(c id4 {"success": null, "content_count": 1, "refused_by": "typescript"})",
        R"(e id2 {"error_type": "ClientClosed", "error_message": "gone"})",
        R"(e id3 {"error_type": "ClientClosed", "error_message": "gone"})"},
       SessionEnd::kClientClosed},
      {"an id reused after its answer is a new call",
       {{kUp, call("1")}, {kDown, result("1", kText)}, {kUp, call("1")},
        {kDown, result("1", R"({"content":[]})")}},
       {"s id1 tools/call 1", kDone, "s id2 tools/call 1",
        R"(c id2 {"success": true, "content_count": 0})"}},
      {"an id reused while open (review F2): the first answer is the first call's, the next "
       "the next one's, as a server answers them in order",
       {{kUp, call("1")}, {kUp, call("1")}, {kDown, error("1", -32000, "first failed")},
        {kDown, result("1", R"({"content":[]})")}},
       {"s id1 tools/call 1", "s id2 tools/call 1",
        R"(e id1 {"error_type": "JsonRpcError", "error_code": -32000, "error_message": "first failed"})",
        R"(c id2 {"success": true, "content_count": 0})"}},
      {"an id reused while open, answered once: the second call is still open at the end",
       {{kUp, call("1")}, {kUp, call("1")}, {kDown, result("1", kText)}},
       {"s id1 tools/call 1", "s id2 tools/call 1", R"(c id1 {"success": true, "content_count": 1})",
        R"(e id2 {"error_type": "ClientClosed", "error_message": "gone"})"},
       SessionEnd::kClientClosed},
      {"an answer to no open call, and answers the client sends, are ignored",
       {{kDown, result("9", kText)}, {kUp, result("9", "{}")}, {kUp, call("2")},
        {kUp, error("2", -1, "not the client's to answer")}},
       {"s id1 tools/call 2",
        R"(e id1 {"error_type": "ClientClosed", "error_message": "gone"})"},
       SessionEnd::kClientClosed},
      {"a call still open when the server exits",
       {{kUp, call("1")}},
       {"s id1 tools/call 1", R"(e id1 {"error_type": "ServerExited", "error_message": "gone"})"},
       SessionEnd::kServerExited},
      {"cancelled: the answer that comes all the same is ignored",
       {{kUp, call("1")},
        {kUp, notification("notifications/cancelled", R"({"requestId":1,"reason":"user"})")},
        {kDown, result("1", kText)},
        {kUp, notification("notifications/cancelled", R"({"requestId":7})")}},
       {"s id1 tools/call 1",
        R"(e id1 {"error_type": "Cancelled", "error_message": "user"})"}},
      {"the server cannot cancel the client's call",
       {{kUp, call("1")},
        {kDown, notification("notifications/cancelled", R"({"requestId":1})")},
        {kDown, result("1", kText)}},
       {"s id1 tools/call 1", kDone}},
  });
}

// A server that writes the client's numeric id (or progress token) as a
// string: both SDK clients number their requests and read an answer's
// string id as a number (TypeScript: Number(response.id); Python:
// _normalize_request_id, int()), so the call is answered for them; progress
// only the TypeScript client reads so (Number(progressToken); Python looks
// the token up as it came).
TEST(TrackerTableTest, AnIdWrittenAsAStringAnswersTheNumberedCall) {
  const std::string token = R"(,"_meta":{"progressToken":1})";
  check({
      {"\"1\" answers request 1, as both SDK clients read it",
       {{kUp, call("1")}, {kDown, result("\"1\"", kText)}},
       {"s id1 tools/call 1", kDone}},
      {"an error with \"1\" too",
       {{kUp, call("1")}, {kDown, error("\"1\"", -32602, "bad")}},
       {"s id1 tools/call 1",
        R"(e id1 {"error_type": "JsonRpcError", "error_code": -32602, "error_message": "bad"})"}},
      {"white space around the digits: both trim it",
       {{kUp, call("12")}, {kDown, result("\" 12\\n\"", kText)}},
       {"s id1 tools/call 12", kDone}},
      {"Unicode's white space: Number() trims U+00A0, U+3000, U+2028 and U+FEFF, int() all "
       "but U+FEFF, and \\x1c and U+0085 too (review proxy-newcomer-r4 1)",
       {{kUp, call("2")}, {kDown, result(R"("\u00a02\u3000")", kText)},
        {kUp, call("3")}, {kDown, result(R"("\ufeff3")", kText)},
        {kUp, call("4")}, {kDown, result(R"("\u001c4\u0085")", kText)}},
       {"s id1 tools/call 2", R"(c id1 {"success": true, "content_count": 1})",
        "s id2 tools/call 3", R"(c id2 {"success": null, "content_count": 1, "refused_by": "python"})",
        "s id3 tools/call 4", R"(c id3 {"success": null, "content_count": 1, "refused_by": "typescript"})"}},
      {"int() reads decimal digits of any script: fullwidth, Arabic-Indic; Number() does not",
       {{kUp, call("12")}, {kDown, result(R"("\uff11\uff12")", kText)},
        {kUp, call("7")}, {kDown, result(R"("\u0667")", kText)}},
       {"s id1 tools/call 12", R"(c id1 {"success": null, "content_count": 1, "refused_by": "typescript"})",
        "s id2 tools/call 7", R"(c id2 {"success": null, "content_count": 1, "refused_by": "typescript"})"}},
      {"a request open with the string id itself takes its answer first",
       {{kUp, call("1")}, {kUp, call("\"1\"")}, {kDown, result("\"1\"", kText)},
        {kDown, result("1", R"({"content":[]})")}},
       {"s id1 tools/call 1", "s id2 tools/call \"1\"",
        R"(c id2 {"success": true, "content_count": 1})",
        R"(c id1 {"success": true, "content_count": 0})"}},
      {"\"1.0\" and \"0x1\": Number() reads them, int() does not",
       {{kUp, call("1")}, {kDown, result("\"1.0\"", kText)}, {kUp, call("2")},
        {kDown, result("\"0x2\"", kText)}},
       {"s id1 tools/call 1", R"(c id1 {"success": null, "content_count": 1, "refused_by": "python"})",
        "s id2 tools/call 2", R"(c id2 {"success": null, "content_count": 1, "refused_by": "python"})"}},
      {"\"1_0\": int() reads it, Number() does not",
       {{kUp, call("10")}, {kDown, result("\"1_0\"", kText)}},
       {"s id1 tools/call 10",
        R"(c id1 {"success": null, "content_count": 1, "refused_by": "typescript"})"}},
      {"\"one\" and \"1x\" answer nothing",
       {{kUp, call("1")}, {kDown, result("\"one\"", kText)}, {kDown, result("\"1x\"", kText)}},
       {"s id1 tools/call 1", R"(e id1 {"error_type": "ClientClosed", "error_message": "gone"})"},
       SessionEnd::kClientClosed},
      {"a client that sends string ids is no SDK client: its ids are matched by kind",
       {{kUp, call("\"a\"")}, {kUp, call("1")}, {kDown, result("\"1\"", kText)}},
       {"s id1 tools/call \"a\"", "s id2 tools/call 1",
        R"(e id1 {"error_type": "ClientClosed", "error_message": "gone"})",
        R"(e id2 {"error_type": "ClientClosed", "error_message": "gone"})"},
       SessionEnd::kClientClosed},
      {"a numeric answer never answers a string request",
       {{kUp, call("\"1\"")}, {kDown, result("1", kText)}},
       {"s id1 tools/call \"1\"", R"(e id1 {"error_type": "ClientClosed", "error_message": "gone"})"},
       SessionEnd::kClientClosed},
      {"progress with the token as a string: the TypeScript client's",
       {{kUp, call("1", token)},
        {kDown, notification("notifications/progress", R"({"progressToken":"1","progress":1})")},
        {kDown, result("\"1\"", kText)}},
       {"s id1 tools/call 1", R"(p id1 {"progress": 1, "refused_by": "python"})", kDone}},
  });
}

// The spool orders an interaction's events by their timestamps: each is
// stamped after the one before, though the time it tells is earlier (an end
// back-dated to when the client left, or to a task's completion; a wall
// clock set back), and processing_time still counts to the time told.
TEST(TrackerTableTest, AnInteractionsEventsAreStampedInTheOrderRecorded) {
  struct Seen {
    SeenAt at;
    std::string line;
  };
  struct Row {
    const char* name;
    std::vector<Seen> steps;
    SeenAt end;
    std::vector<int64_t> want;  // each event's timestamp
    const char* processing_time;  // of the last event
  };
  const std::string task_call = request(
      "1", "tools/call", R"({"name":"a","task":{},"_meta":{"progressToken":1}})");
  const std::string created = result("1", R"({"task":{"taskId":"t","status":"working"}})");
  const std::string completed =
      notification("notifications/tasks/status", R"({"taskId":"t","status":"completed"})");
  const std::string step = notification("notifications/progress", R"({"progressToken":1,"progress":1})");
  const Row rows[] = {
      {"the client left at 2000; progress came at 3000; the end is written at 4000",
       {{{1000, 1000}, call("1", R"(,"_meta":{"progressToken":1})")}, {{3000, 3000}, step}},
       {2000, 2000},
       {1000, 3000, 3001},
       "\"processing_time\": 0.001"},
      {"a task seen completed at 3000, progress after it, its result never fetched",
       {{{1000, 1000}, task_call}, {{2000, 2000}, created}, {{3000, 3000}, completed},
        {{4000, 4000}, step}},
       {5000, 5000},
       {1000, 2000, 3000, 4000, 4001},
       "\"processing_time\": 0.002"},
      {"the wall clock set back between start and progress",
       {{{5000, 1000}, call("1", R"(,"_meta":{"progressToken":1})")}, {{2000, 2000}, step}},
       {3000, 3000},
       {5000, 5001, 5002},
       "\"processing_time\": 0.002"},
  };
  for (const Row& row : rows) {
    std::vector<ProxyEvent> got;
    InteractionTracker tracker({}, [&](ProxyEvent e) { got.push_back(std::move(e)); },
                               [](int64_t) { return std::string("id"); });
    for (const Seen& s : row.steps)
      tracker.on_line(s.line.find("\"method\":\"tools/call\"") != std::string::npos ? kUp : kDown,
                      s.line, s.at);
    tracker.close_all(SessionEnd::kClientClosed, "gone", row.end);
    std::vector<int64_t> stamps;
    for (const ProxyEvent& e : got) stamps.push_back(e.timestamp_us);
    EXPECT_EQ(stamps, row.want) << row.name;
    ASSERT_FALSE(got.empty()) << row.name;
    EXPECT_NE(got.back().payload.find(row.processing_time), std::string::npos)
        << row.name << ": " << got.back().payload;
  }
}

// Messages that real peers send but that are no answer: what the SDKs'
// readers refuse (the TypeScript SDK's JSONRPCMessageSchema, strict; the
// Python SDK's JSONRPCMessage) ends no call.
TEST(TrackerTableTest, WhatNoPeerTakesForAnAnswerEndsNothing) {
  const std::string init_03 = request("0", "initialize", R"({"protocolVersion":"2025-03-26"})");
  const std::string init_06 = request("0", "initialize", R"({"protocolVersion":"2025-06-18"})");
  check({
      {"a response with both result and error, neither of them one pydantic takes",
       {{kUp, call("1")},
        {kDown, R"({"jsonrpc":"2.0","id":1,"result":"ok","error":{"code":"x","message":"x"}})"},
        {kDown, result("1", kText)}},
       {"s id1 tools/call 1", kDone}},
      {"a result or an error that is not an object",
       {{kUp, call("1")}, {kDown, R"({"jsonrpc":"2.0","id":1,"result":"ok"})"},
        {kDown, R"({"jsonrpc":"2.0","id":1,"error":"bad"})"}, {kDown, result("1", kText)}},
       {"s id1 tools/call 1", kDone}},
      {"messages without \"jsonrpc\": \"2.0\": no request, no answer",
       {{kUp, R"({"id":1,"method":"tools/call","params":{"name":"a"}})"},
        {kUp, R"({"jsonrpc":"1.0","id":2,"method":"tools/call","params":{"name":"a"}})"},
        {kUp, call("3")}, {kDown, R"({"id":3,"result":{"content":[]}})"},
        {kDown, result("3", kText)}},
       {"s id1 tools/call 3", kDone}},
      {"the error with id null that answers a line the server could not parse",
       {{kUp, call("1")},
        {kDown, R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}})"}},
       {"s id1 tools/call 1", R"(e id1 {"error_type": "ClientClosed", "error_message": "gone"})"},
       SessionEnd::kClientClosed},
      {"notifications/cancelled naming no open call: an unknown id, \"1\" for 1, an answered "
       "call",
       {{kUp, call("1")},
        {kUp, notification("notifications/cancelled", R"({"requestId":99})")},
        {kUp, notification("notifications/cancelled", R"({"requestId":"1"})")},
        {kDown, result("1", kText)},
        {kUp, notification("notifications/cancelled", R"({"requestId":1})")}},
       {"s id1 tools/call 1", kDone}},
      {"an error without an integer code or a string message (zod and pydantic both refuse it)",
       {{kUp, call("1")}, {kDown, R"({"jsonrpc":"2.0","id":1,"error":{"message":"m"}})"},
        {kDown, R"({"jsonrpc":"2.0","id":1,"error":{"code":null,"message":"m"}})"},
        {kDown, R"({"jsonrpc":"2.0","id":1,"error":{"code":1.5,"message":"m"}})"},
        {kDown, R"({"jsonrpc":"2.0","id":1,"error":{"code":"x","message":"m"}})"},
        {kDown, R"({"jsonrpc":"2.0","id":1,"error":{"code":-1}})"},
        {kDown, R"({"jsonrpc":"2.0","id":1,"error":{"code":-1,"message":7}})"},
        {kDown, R"({"jsonrpc":"2.0","id":1,"error":{"code":-1.0,"message":"whole"}})"}},
       {"s id1 tools/call 1",
        R"(e id1 {"error_type": "JsonRpcError", "error_code": -1, "error_message": "whole"})"}},
      {"a whole code written as a float is the integer both SDKs read (review proxy-stdio-r3 F8)",
       {{kUp, call("1")}, {kUp, call("2")}, {kUp, call("3")},
        {kDown, R"({"jsonrpc":"2.0","id":1,"error":{"code":-32601.0,"message":"m"}})"},
        {kDown, R"({"jsonrpc":"2.0","id":2,"error":{"code":1e2,"message":"m"}})"},
        {kDown, R"({"jsonrpc":"2.0","id":3,"error":{"code":1e20,"message":"m"}})"}},
       {"s id1 tools/call 1", "s id2 tools/call 2", "s id3 tools/call 3",
        R"(e id1 {"error_type": "JsonRpcError", "error_code": -32601, "error_message": "m"})",
        R"(e id2 {"error_type": "JsonRpcError", "error_code": 100, "error_message": "m"})",
        // Beyond zod's safe integers: Python's alone, which reads it exactly
        // (review proxy-newcomer-r4 7).
        R"(e id3 {"error_type": "JsonRpcError", "error_code": 100000000000000000000, "error_message": "m", "refused_by": "typescript"})"}},
      {"ids neither takes (1.5, true, NaN, 1e400): no request, no answer",
       {{kUp, call("1.5")}, {kUp, call("true")}, {kUp, call("NaN")}, {kUp, call("1e400")},
        {kUp, call("2")}, {kDown, result("2.5", kText)}, {kDown, result("2", kText)}},
       {"s id1 tools/call 2", kDone}},
      {"a batch in 2025-03-26, which has them",
       {{kUp, init_03}, {kDown, result("0", R"({"protocolVersion":"2025-03-26"})")},
        {kUp, "[" + call("1") + "," + notification("notifications/cancelled", R"({"requestId":1})") + "]"}},
       {"s id1 tools/call 1", R"(e id1 {"error_type": "Cancelled", "error_message": ""})"}},
      {"a batch in 2025-06-18, which removed them (\"Remove support for JSON-RPC batching\")",
       {{kUp, init_06}, {kDown, result("0", R"({"protocolVersion":"2025-06-18"})")},
        {kUp, "[" + call("1") + "]"}, {kUp, call("2")},
        {kDown, "[" + result("2", kText) + "]"}, {kDown, result("2", kText)}},
       {"s id1 tools/call 2", kDone}},
      {"a batch where the server chose 2025-03-26",
       {{kUp, init_06}, {kDown, result("0", R"({"protocolVersion":"2025-03-26"})")},
        {kUp, call("2")}, {kDown, "[" + result("2", kText) + "]"}},
       {"s id1 tools/call 2", kDone}},
  });
}

// Messages one SDK's reader refuses and the other takes: the proxy cannot
// know its peers' language, so the event the message makes says which
// refuses it, and an answer is not known to have succeeded.
TEST(TrackerTableTest, WhatOneSdkRefusesIsMarked) {
  const std::string nan = R"({"content":[{"type":"text","text":"ok"}],"structuredContent":{"s":NaN}})";
  check({
      {"members beside a message's own: zod's message schemas are strict, pydantic's models "
       "take them (review proxy-stdio-r3 F1)",
       {{kUp, call("1")}, {kUp, R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"a"},"x":1})"},
        {kUp, call("3")}, {kUp, call("4")},
        {kDown, R"({"jsonrpc":"2.0","id":1,"result":{"content":[]},"extra":1})"},
        {kDown, result("2", kText)},
        {kDown, R"({"jsonrpc":"2.0","id":3,"result":{"content":[]},"error":null})"},
        {kDown, R"({"jsonrpc":"2.0","id":4,"result":null,"error":{"code":-32602,"message":"bad"}})"}},
       {"s id1 tools/call 1", "s id2 tools/call 2 refused_by=\"typescript\"", "s id3 tools/call 3",
        "s id4 tools/call 4",
        R"(c id1 {"success": null, "content_count": 0, "refused_by": "typescript"})",
        R"(c id2 {"success": true, "content_count": 1})",
        R"(c id3 {"success": null, "content_count": 0, "refused_by": "typescript"})",
        R"(e id4 {"error_type": "JsonRpcError", "error_code": -32602, "error_message": "bad", "refused_by": "typescript"})"}},
      {"both result and error: pydantic reads an error it takes (its smart union), else the "
       "result; zod neither",
       {{kUp, call("1")}, {kUp, call("2")},
        {kDown, R"({"jsonrpc":"2.0","id":1,"result":{"content":[]},"error":{"code":-32000,"message":"both"}})"},
        {kDown, R"({"jsonrpc":"2.0","id":2,"result":{"content":[]},"error":{}})"},
        {kDown, result("1", kText)}, {kDown, result("2", kText)}},
       {"s id1 tools/call 1", "s id2 tools/call 2",
        R"(e id1 {"error_type": "JsonRpcError", "error_code": -32000, "error_message": "both", "refused_by": "typescript"})",
        R"(c id2 {"success": null, "content_count": 0, "refused_by": "typescript"})"}},
      {"a tool result both SDKs' clients refuse (a content block without its fields, content "
       "no array) is no success; one without content only pydantic refuses (F7)",
       {{kUp, call("1")}, {kUp, call("2")}, {kUp, call("3")}, {kUp, call("4")},
        {kDown, result("1", R"({"content":[{"type":"text"}]})")},
        {kDown, result("2", R"({"content":"oops"})")},
        {kDown, result("3", "{}")},
        {kDown, result("4", R"({"content":[{"type":"image","data":"AA==","mimeType":"image/png"},)"
                            R"({"type":"resource","resource":{"uri":"file:///u","text":"t"}},)"
                            R"({"type":"resource_link","uri":"file:///u","name":"n"},{"type":"audio","data":"","mimeType":"a"}]})")}},
       {"s id1 tools/call 1", "s id2 tools/call 2", "s id3 tools/call 3", "s id4 tools/call 4",
        R"(c id1 {"success": null, "content_count": 1})",
        R"(c id2 {"success": null, "content_count": 0})",
        R"(c id3 {"success": null, "content_count": 0, "refused_by": "python"})",
        R"(c id4 {"success": true, "content_count": 4})"}},
      {"image or audio data, or a resource's blob, that atob refuses: zod's Base64Schema "
       "refuses the result, pydantic takes any string; atob leaves out whitespace and takes "
       "one or two '=' at a multiple of 4",
       {{kUp, call("1")}, {kUp, call("2")}, {kUp, call("3")}, {kUp, call("4")}, {kUp, call("5")},
        {kDown, result("1", R"({"content":[{"type":"image","data":"not base64!","mimeType":"image/png"}]})")},
        {kDown, result("2", R"({"content":[{"type":"audio","data":"QUJDRA=","mimeType":"a"}]})")},
        {kDown, result("3", R"({"content":[{"type":"resource","resource":{"uri":"u","blob":"QUJDR"}}]})")},
        {kDown, result("4", R"({"content":[{"type":"resource","resource":{"uri":"u","blob":"%","text":"t"}}]})")},
        {kDown, result("5", R"({"content":[{"type":"image","data":" QU JD\nRA== ","mimeType":"i"},)"
                            R"({"type":"audio","data":"QUJDRA","mimeType":"a"},)"
                            R"({"type":"resource","resource":{"uri":"u","blob":"QUI="}}]})")}},
       {"s id1 tools/call 1", "s id2 tools/call 2", "s id3 tools/call 3", "s id4 tools/call 4",
        "s id5 tools/call 5",
        R"(c id1 {"success": null, "content_count": 1, "refused_by": "typescript"})",
        R"(c id2 {"success": null, "content_count": 1, "refused_by": "typescript"})",
        R"(c id3 {"success": null, "content_count": 1, "refused_by": "typescript"})",
        R"(c id4 {"success": true, "content_count": 1})",
        R"(c id5 {"success": true, "content_count": 3})"}},
      {"_meta null, a progressToken null or beyond 2^53: zod refuses, pydantic takes; progress "
       "beyond a double is Infinity, which zod's number() refuses (review proxy-newcomer-r4 5)",
       {{kUp, call("1", R"(,"_meta":null)")},
        {kUp, call("2", R"(,"_meta":{"progressToken":null})")},
        {kUp, call("3", R"(,"_meta":{"progressToken":9007199254740993})")},
        {kUp, call("4", R"(,"_meta":"m")")},
        {kUp, call("5", R"(,"_meta":{"progressToken":5})")},
        {kDown, notification("notifications/progress", R"({"progressToken":5,"progress":1e400})")},
        {kDown, notification("notifications/progress", R"({"progressToken":5,"progress":1,"_meta":null})")},
        {kDown, result("5", kText)}},
       {"s id1 tools/call 1 refused_by=\"typescript\"", "s id2 tools/call 2 refused_by=\"typescript\"",
        "s id3 tools/call 3 refused_by=\"typescript\"", "s id4 tools/call 5",
        R"(p id4 {"progress": Infinity, "refused_by": "typescript"})",
        R"(p id4 {"progress": 1, "refused_by": "typescript"})",
        R"(c id4 {"success": true, "content_count": 1})"}},
      {"a resource's contents and a prompt's messages as their clients' schemas read them: a "
       "blob atob refuses, contents without text or blob, no contents, a role neither "
       "\"user\" nor \"assistant\" (review proxy-newcomer-r4 3)",
       {{kUp, request("1", "resources/read", R"({"uri":"file:///a"})")},
        {kUp, request("2", "resources/read", R"({"uri":"file:///a"})")},
        {kUp, request("3", "resources/read", R"({"uri":"file:///a"})")},
        {kUp, request("4", "prompts/get", R"({"name":"p"})")},
        {kUp, request("5", "prompts/get", R"({"name":"p"})")},
        {kUp, request("6", "resources/read", R"({"uri":"file:///a"})")},
        {kDown, result("1", R"({"contents":[{"uri":"file:///a","blob":"%%"}]})")},
        {kDown, result("2", R"({"contents":[{"uri":"file:///a"}]})")},
        {kDown, result("3", "{}")},
        {kDown, result("4", R"({"messages":[{"role":"system","content":{"type":"text","text":"t"}}]})")},
        {kDown, result("5", R"({"messages":[{"role":"user","content":{"type":"image","data":"QQ==","mimeType":"i"}}]})")},
        {kDown, result("6", R"({"contents":[{"uri":"file:///a","blob":"QQ=="},{"uri":"u","text":"t"}]})")}},
       {"s id1 resources/read 1", "s id2 resources/read 2", "s id3 resources/read 3",
        "s id4 prompts/get 4", "s id5 prompts/get 5", "s id6 resources/read 6",
        R"(c id1 {"success": null, "content_count": 1, "refused_by": "typescript"})",
        R"(c id2 {"success": null, "content_count": 1})",
        R"(c id3 {"success": null, "content_count": 0})",
        R"(c id4 {"success": null, "content_count": 1})",
        R"(c id5 {"success": true, "content_count": 1})",
        R"(c id6 {"success": true, "content_count": 2})"}},
      {"progress neither client takes (no progress, null, a message no string) is none; one only "
       "pydantic reads (lax: \"50\", total null) keeps its value (review proxy-stdio-r3 F3)",
       {{kUp, call("1", R"(,"_meta":{"progressToken":1})")},
        {kDown, notification("notifications/progress", R"({"progressToken":1})")},
        {kDown, notification("notifications/progress", R"({"progressToken":1,"progress":null})")},
        {kDown, notification("notifications/progress", R"({"progressToken":1,"progress":"50","total":null})")},
        {kDown, notification("notifications/progress", R"({"progressToken":1,"progress":3,"message":5})")},
        {kDown, notification("notifications/progress", R"({"progressToken":1,"progress":4.5,"total":"1_0"})")},
        {kDown, notification("notifications/progress", R"({"progressToken":1,"progress":5})")},
        {kDown, result("1", kText)}},
       {"s id1 tools/call 1", R"(p id1 {"progress": 50.0, "refused_by": "typescript"})",
        R"(p id1 {"progress": 4.5, "total": 10.0, "refused_by": "typescript"})",
        R"(p id1 {"progress": 5})", kDone}},
      {"an answer with NaN (JSON.parse refuses it, Python's json takes it)",
       {{kUp, call("1")}, {kDown, result("1", nan)}},
       {"s id1 tools/call 1",
        R"(c id1 {"success": null, "content_count": 1, "refused_by": "typescript"})"}},
      {"a tool error with -Infinity, and a JSON-RPC error with Infinity in its data",
       {{kUp, call("1")}, {kUp, call("2")},
        {kDown, result("1", R"({"content":[{"type":"text","text":"bad"}],"isError":true,"v":-Infinity})")},
        {kDown, R"({"jsonrpc":"2.0","id":2,"error":{"code":-32000,"message":"m","data":Infinity}})"}},
       {"s id1 tools/call 1", "s id2 tools/call 2",
        R"(e id1 {"error_type": "ToolError", "error_message": "bad", "content_count": 1, "refused_by": "typescript"})",
        R"(e id2 {"error_type": "JsonRpcError", "error_code": -32000, "error_message": "m", "refused_by": "typescript"})"}},
      {"a request with NaN: a JavaScript server never reads it",
       {{kUp, call("1", R"(,"arguments":{"x":NaN})")}},
       {"s id1 tools/call 1 refused_by=\"typescript\"",
        R"(e id1 {"error_type": "ClientClosed", "error_message": "gone"})"},
       SessionEnd::kClientClosed},
      {"ids beyond 2^53 (zod wants a safe integer), 1.0 and 1e2 (pydantic a strict int)",
       {{kUp, call("9007199254740993")}, {kUp, call("1.0")}, {kUp, call("1e2")},
        {kUp, call("9007199254740991")},
        {kDown, result("9007199254740993", kText)}, {kDown, result("1", kText)},
        {kDown, result("100.0", kText)}, {kDown, result("9007199254740991", kText)}},
       {"s id1 tools/call 9007199254740993 refused_by=\"typescript\"",
        "s id2 tools/call 1.0 refused_by=\"python\"", "s id3 tools/call 1e2 refused_by=\"python\"",
        "s id4 tools/call 9007199254740991",
        R"(c id1 {"success": null, "content_count": 1, "refused_by": "typescript"})",
        kDone.substr(0, 2) + "id2" + kDone.substr(5),
        R"(c id3 {"success": null, "content_count": 1, "refused_by": "python"})",
        R"(c id4 {"success": true, "content_count": 1})"}},
      {"an error code only pydantic takes (a string of digits, a boolean)",
       {{kUp, call("1")}, {kUp, call("2")},
        {kDown, R"({"jsonrpc":"2.0","id":1,"error":{"code":"-32000","message":"m"}})"},
        {kDown, R"({"jsonrpc":"2.0","id":2,"error":{"code":true,"message":"m"}})"}},
       {"s id1 tools/call 1", "s id2 tools/call 2",
        R"(e id1 {"error_type": "JsonRpcError", "error_code": null, "error_message": "m", "refused_by": "typescript"})",
        R"(e id2 {"error_type": "JsonRpcError", "error_code": null, "error_message": "m", "refused_by": "typescript"})"}},
      {"isError that is no boolean: answered, not known to have succeeded",
       {{kUp, call("1")}, {kUp, call("2")},
        {kDown, result("1", R"({"content":[],"isError":"true"})")},
        {kDown, result("2", R"({"content":[],"isError":null})")}},
       {"s id1 tools/call 1", "s id2 tools/call 2",
        R"(c id1 {"success": null, "content_count": 0})",
        R"(c id2 {"success": null, "content_count": 0})"}},
  });
  // Over stdio the TypeScript SDK's ReadBuffer refuses a line of 10 MiB or
  // more, and closes the session; Python's reads it.
  TrackerOptions stdio;
  stdio.stdio_lines = true;
  check({{"a long answer over stdio",
          {{kUp, call("3")},
           {kDown, R"({"result":{"content":[{"type":"text","text":"xx)", R"(xx"}],"isError":false},"jsonrpc":"2.0","id":3})"}},
          {"s id1 tools/call 3",
           R"(c id1 {"success": null, "parsed": false, "refused_by": "typescript"})"}}},
        stdio);
  // The Python SDK's server reads its stdin with universal newlines: a CR
  // inside a client's line (JSON's whitespace to JSON.parse) ends a line
  // there, and neither half is a message. A CR before the newline is one
  // line end; its client, and any reader over HTTP, split at "\n" alone.
  const std::string cr_inside = R"({"jsonrpc":"2.0",)" "\r" R"("id":1,"method":"tools/call","params":{"name":"a"}})";
  const std::string cr_answer = R"({"jsonrpc":"2.0",)" "\r" R"("id":1,"result":)" + kText + "}";
  const Row rows[] = {
      {"a CR inside a client's line", {{kUp, cr_inside}, {kDown, result("1", kText)}},
       {"s id1 tools/call 1 refused_by=\"python\"", kDone}},
      {"a CR at its end", {{kUp, call("1") + "\r"}, {kDown, result("1", kText)}},
       {"s id1 tools/call 1", kDone}},
      {"a CR inside the server's line", {{kUp, call("1")}, {kDown, cr_answer}},
       {"s id1 tools/call 1", kDone}},
  };
  // Two messages a CR parts: JSON.parse refuses the line, Python serves
  // both (review proxy-newcomer-r4 2); a piece that is no message is
  // counted as not looked at.
  const std::string two = call("1") + "\r" + call("2") + "\r \r" + "garbage";
  check({rows[0], rows[1], rows[2],
         {"two calls a CR parts: Python's alone",
          {{kUp, two}, {kDown, result("1", kText)}, {kDown, result("2", kText)}},
          {"s id1 tools/call 1 refused_by=\"typescript\"", "s id2 tools/call 2 refused_by=\"typescript\"",
           kDone, R"(c id2 {"success": true, "content_count": 1})"},
          std::nullopt,
          1}},
        stdio);
  check({{"over HTTP, a CR splits no line", {{kUp, cr_inside}, {kDown, result("1", kText)}},
          {"s id1 tools/call 1", kDone}}});
}

// A batch's calls are each as large as their own message, not the batch.
TEST(TrackerTableTest, EachMessageOfABatchHasItsOwnSize) {
  const std::string one = call("1"), two = call("2", R"(,"arguments":{"k":"longer"})");
  const std::string answer = result("2", kText);
  std::vector<std::string> payloads;
  InteractionTracker tracker({}, [&](ProxyEvent e) { payloads.push_back(e.payload); });
  tracker.on_line(kUp, "[" + one + ", " + two + "]", {});
  tracker.on_line(kDown, "[ " + answer + " ]", {});
  ASSERT_EQ(payloads.size(), 3u);
  EXPECT_NE(payloads[0].find("\"input_size\": " + std::to_string(one.size()) + ","), std::string::npos)
      << payloads[0];
  EXPECT_NE(payloads[1].find("\"input_size\": " + std::to_string(two.size()) + ","), std::string::npos)
      << payloads[1];
  EXPECT_NE(payloads[2].find("\"output_size\": " + std::to_string(answer.size()) + ","),
            std::string::npos)
      << payloads[2];
}

TEST(TrackerTableTest, LinesAStrictParserRefuses) {
  check({
      {"a lone surrogate in the arguments (JSON.stringify of a string cut in an emoji): the "
       "Python SDK reads lines with pydantic-core, which refuses it (review proxy-stdio-r3 F1b)",
       {{kUp, call("1", R"(,"arguments":{"s":"party \ud83c"})")}, {kDown, result("1", kText)}},
       {"s id1 tools/call 1 refused_by=\"python\"", kDone}},
      {"a lone surrogate in the result: answered, not ServerExited; a pair is one character",
       {{kUp, call("1")}, {kUp, call("2")},
        {kDown, result("1", R"({"content":[{"type":"text","text":"\udf89 half"}]})")},
        {kDown, result("2", R"({"content":[{"type":"text","text":"\ud83c\udf89 whole"}]})")}},
       {"s id1 tools/call 1", "s id2 tools/call 2",
        R"(c id1 {"success": null, "content_count": 1, "refused_by": "python"})",
        R"(c id2 {"success": true, "content_count": 1})"},
       SessionEnd::kServerExited},
      {"values more than 200 deep (pydantic-core's limit; JSON.parse takes them)",
       {{kUp, call("1")}, {kUp, call("2")},
        {kDown, result("1", R"({"content":[],"v":)" + std::string(198, '[') + "1" + std::string(198, ']') + "}")},
        {kDown, result("2", R"({"content":[],"v":)" + std::string(199, '[') + "1" + std::string(199, ']') + "}")}},
       {"s id1 tools/call 1", "s id2 tools/call 2",
        R"(c id1 {"success": true, "content_count": 0})",
        R"(c id2 {"success": null, "content_count": 0, "refused_by": "python"})"}},
      {"values 500 deep and more (JSON.parse takes any depth): read without recursion, "
       "recorded (review F15)",
       {{kUp, call("1", R"(,"arguments":{"v":)" + inside_arrays(5000) + "}")}, {kUp, call("2")},
        {kDown, result("1", R"({"content":[{"type":"text","text":"ok"}],"v":)" + inside_arrays(100000) + "}")},
        {kDown, result("2", R"({"content":[],"v":)" + inside_arrays(2000, "1,") + "}")}},
       {"s id1 tools/call 1 refused_by=\"python\"", "s id2 tools/call 2",
        R"(c id1 {"success": null, "content_count": 1, "refused_by": "python"})",
        R"(e id2 {"error_type": "ClientClosed", "error_message": "gone"})"},
       SessionEnd::kClientClosed,
       1},
      {"params null: pydantic takes None, zod an object or nothing; an array neither",
       {{kUp, R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":null})"},
        {kUp, R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":[]})"},
        {kDown, result("1", kText)}},
       {"s id1 tools/call 1 refused_by=\"typescript\"", kDone}},
      {"a lone surrogate beside NaN: no SDK reads it, it ends nothing",
       {{kUp, call("1")},
        {kDown, result("1", R"({"content":[{"type":"text","text":"\ud83c"}],"v":NaN})")}},
       {"s id1 tools/call 1", R"(e id1 {"error_type": "ClientClosed", "error_message": "gone"})"},
       SessionEnd::kClientClosed},
      {"NaN, Infinity and numbers beyond a double",
       {{kUp, call("1", R"(,"arguments":{"x":NaN,"y":-Infinity,"z":1e400})")},
        {kDown, result("1", R"({"content":[{"type":"text","text":"n"}],"structuredContent":{"v":1e999}})")}},
       {"s id1 tools/call 1 refused_by=\"typescript\"", kDone}},
      {"not JSON at all: counted, nothing guessed",
       {{kUp, call("1")}, {kDown, "this is not json {"}, {kDown, R"({"jsonrpc":"2.0","id":1,"result":{)"},
        {kDown, "   "}, {kDown, result("1", kText)}},
       {"s id1 tools/call 1", kDone},
       std::nullopt,
       2},
      {"a batch",
       {{kUp, "[" + call("1") + "," + call("2") + "]"},
        {kDown, "[" + result("2", kText) + "," + error("1", -32000, "x") + "]"}},
       {"s id1 tools/call 1", "s id2 tools/call 2",
        R"(c id2 {"success": true, "content_count": 1})",
        R"(e id1 {"error_type": "JsonRpcError", "error_code": -32000, "error_message": "x"})"}},
  });
}

TEST(TrackerTableTest, AnEscapedEventTellsItsEscapesFromItsText) {
  TrackerOptions options;
  options.capture_results = true;
  check({{"a lone surrogate and the text \\udf89 in one result",
          {{kUp, call("1")},
           {kDown, result("1", R"({"content":[{"type":"text","text":"\udf89"},)"
                               R"({"type":"text","text":"\\udf89"}]})")}},
          {"s id1 tools/call 1",
           R"(c id1 {"success": null, "content_count": 2, "refused_by": "python", "escaped": true, "result": )"
           R"({"content": [{"type": "text", "text": "\\udf89"}, )"
           R"({"type": "text", "text": "\\\\udf89"}]}})"}}},
        options);
}

TEST(TrackerTableTest, CapturedArgumentsDeeperThanTheReaderGoesAreKeptAsText) {
  TrackerOptions options;
  options.capture_arguments = true;
  check({{"a value 500 deep in the arguments: so that a reader of the spool with a "
          "recursion limit takes it, it is kept as its text, escaped",
          {{kUp, tool_call("1", "a", R"({"v":)" + inside_arrays(501, "\"x\"") + "}")},
           {kDown, result("1", kText)}},
          {"s id1 tools/call 1 refused_by=\"python\"", kDone}}},
        options);
  std::vector<std::string> payloads;
  InteractionTracker tracker(options, [&](ProxyEvent e) { payloads.push_back(e.payload); });
  tracker.on_line(kUp, tool_call("1", "a", R"({"v":)" + inside_arrays(501, "\"x\"") + "}"), {});
  ASSERT_EQ(payloads.size(), 1u);
  // The arrays from depth 3 (params 1, arguments 2) to 499 are read; the
  // four from 500 are one text.
  const std::string want = "\"parameters\": {\"v\": " + std::string(497, '[') +
                           "\"[[[[\\\"x\\\"]]]]\"" + std::string(497, ']') + "}";
  EXPECT_NE(payloads[0].find(want), std::string::npos) << payloads[0];
  EXPECT_NE(payloads[0].find("\"escaped\": true"), std::string::npos);
}

TEST(TrackerTableTest, LongLines) {
  check({
      {"a long answer with both a result and an error: the error Python takes, whole at either "
       "end, ends the call (review proxy-newcomer-r4 4)",
       {{kUp, call("2")}, {kUp, call("3")},
        {kDown, R"({"jsonrpc":"2.0","id":2,"result":{"content":[{"type":"text","text":"xx)",
         R"(xx"}]},"error":{"code":-1,"message":"m"}})"},
        {kDown, R"({"jsonrpc":"2.0","id":3,"error":{"code":-1,"message":"m"},"result":{"content":[{"text":"xx)",
         R"(xx"}]}})"}},
       {"s id1 tools/call 2", "s id2 tools/call 3",
        R"(e id1 {"error_type": "JsonRpcError", "error_code": -1, "error_message": "m", "parsed": false, "refused_by": "typescript"})",
        R"(e id2 {"error_type": "JsonRpcError", "error_code": -1, "error_message": "m", "parsed": false, "refused_by": "typescript"})"}},
      {"a server request in the SDK's key order never completes the client's call of its id",
       {{kUp, call("3")},
        {kDown, R"({"method":"sampling/createMessage","params":{"messages":[{"x":"yy)",
         R"(yy"}]},"jsonrpc":"2.0","id":3})"}},
       {"s id1 tools/call 3", R"(e id1 {"error_type": "ServerExited", "error_message": "gone"})"},
       SessionEnd::kServerExited},
      {"nor does one in Python's key order",
       {{kUp, call("3")},
        {kDown, R"({"jsonrpc": "2.0", "id": 3, "method": "elicitation/create", "params": {"m": "y)",
         R"(yy"}})"}},
       {"s id1 tools/call 3", R"(e id1 {"error_type": "ServerExited", "error_message": "gone"})"},
       SessionEnd::kServerExited},
      {"a long answer completes its call, by the id at its end",
       {{kUp, call("3")},
        {kDown, R"({"result":{"content":[{"type":"text","text":"xx)", R"(xx"}]},"jsonrpc":"2.0","id":3})"}},
       {"s id1 tools/call 3", R"(c id1 {"success": null, "parsed": false})"}},
      {"or at its start; a tool's isError that shows at neither end is not known",
       {{kUp, call("\"r-1\"")},
        {kDown, R"({"jsonrpc":"2.0","id":"r-1","result":{"content":[{"text":"xx)", R"(xx"}]}})"}},
       {"s id1 tools/call \"r-1\"", R"(c id1 {"success": null, "parsed": false})"}},
      {"a long tool result's isError at its end",
       {{kUp, call("3")}, {kUp, call("4")},
        {kDown, R"({"result":{"content":[{"type":"text","text":"xx)",
         R"(xx"}],"isError":true},"jsonrpc":"2.0","id":3})"},
        {kDown, R"({"jsonrpc": "2.0", "id": 4, "result": {"content": [{"text": "xx)",
         R"(xx"}], "structuredContent": {"a": 1}, "isError": false}})"}},
       {"s id1 tools/call 3", "s id2 tools/call 4",
        R"(e id1 {"error_type": "ToolError", "error_message": "", "parsed": false})",
        R"(c id2 {"success": true, "parsed": false})"}},
      {"a long error's message at its end",
       {{kUp, call("3")},
        {kDown, R"({"jsonrpc": "2.0", "id": 3, "error": {"code": -32000, "data": "xx)",
         R"(xx", "message": "msg at end"}})"}},
       {"s id1 tools/call 3",
        R"(e id1 {"error_type": "JsonRpcError", "error_code": -32000, "error_message": "msg at end", "parsed": false})"}},
      {"a long line from the client answers a server request: it ends no call",
       {{kUp, call("3")},
        {kUp, R"({"result":{"content":{"text":"xx)", R"(xx"}},"jsonrpc":"2.0","id":3})"}},
       {"s id1 tools/call 3", R"(e id1 {"error_type": "ClientClosed", "error_message": "gone"})"},
       SessionEnd::kClientClosed},
      {"a long request from the client is a call, with what its ends show",
       {{kUp, R"({"method":"tools/call","params":{"name":"echo","arguments":{"blob":"yy)",
         R"(yy"}},"jsonrpc":"2.0","id":5})"},
        {kDown, result("5", kText)}},
       {"s id1 tools/call 5", kDone}},
      {"a long line whose ends show no id is counted, not guessed",
       {{kUp, call("3")}, {kDown, R"({"result":{"content":[{"text":"xx)", R"(xx"}]}})"},
        {kDown, "not json", "}"}},
       {"s id1 tools/call 3", R"(e id1 {"error_type": "ServerExited", "error_message": "gone"})"},
       SessionEnd::kServerExited,
       2},
  });
}

// 2025-11-25: a call with params.task is answered with a CreateTaskResult;
// tasks/get, tasks/result, tasks/cancel and notifications/tasks/status say
// how it goes on (the specification's basic/utilities/tasks).
const std::string kTaskCall = call("1", R"(,"task":{"ttl":60000},"_meta":{"progressToken":"t"})");
const std::string kCreated =
    result("1", R"({"task":{"taskId":"T1","status":"working","statusMessage":"started",)"
                R"("createdAt":"2025-11-25T10:30:00Z","ttl":60000,"pollInterval":5000}})");
const std::string kWorking = R"(p id1 {"status": "working", "task_id": "T1", "message": "started"})";
std::string task_state(const std::string& id, const std::string& status,
                       const std::string& more = "") {
  return result(id, R"({"taskId":"T1","status":")" + status + "\"" + more + "}");
}
std::string task_request(const std::string& id, const std::string& method) {
  return request(id, method, R"({"taskId":"T1"})");
}

TEST(TrackerTableTest, Tasks20251125) {
  check({
      {"working, polled, input_required, completed, then tasks/result brings the outcome",
       {{kUp, kTaskCall},
        {kDown, kCreated},
        {kDown, notification("notifications/progress", R"({"progressToken":"t","progress":1,"total":4})")},
        {kUp, task_request("2", "tasks/get")},
        {kDown, task_state("2", "working", R"(,"statusMessage":"started")")},
        {kUp, task_request("3", "tasks/get")},
        {kDown, task_state("3", "input_required", R"(,"statusMessage":"clarify")")},
        {kDown, notification("notifications/tasks/status", R"({"taskId":"T1","status":"working"})")},
        {kUp, task_request("4", "tasks/get")},
        {kDown, task_state("4", "completed")},
        {kUp, task_request("5", "tasks/result")},
        {kDown, result("5", R"({"content":[{"type":"text","text":"a"},{"type":"text","text":"b"}],)"
                            R"("_meta":{"io.modelcontextprotocol/related-task":{"taskId":"T1"}}})")}},
       {"s id1 tools/call 1", kWorking, R"(p id1 {"progress": 1, "total": 4})",
        R"(p id1 {"status": "input_required", "task_id": "T1", "message": "clarify"})",
        R"(p id1 {"status": "working", "task_id": "T1"})",
        R"(p id1 {"status": "completed", "task_id": "T1"})",
        R"(c id1 {"success": true, "content_count": 2, "task_id": "T1"})"}},
      {"failed, from a status notification",
       {{kUp, kTaskCall}, {kDown, kCreated},
        {kDown, notification("notifications/tasks/status",
                             R"({"taskId":"T1","status":"failed","statusMessage":"rate limit"})")}},
       {"s id1 tools/call 1", kWorking,
        R"(e id1 {"error_type": "TaskFailed", "error_message": "rate limit", "task_id": "T1"})"}},
      {"cancelled by tasks/cancel",
       {{kUp, kTaskCall}, {kDown, kCreated}, {kUp, task_request("2", "tasks/cancel")},
        {kDown, task_state("2", "cancelled", R"(,"statusMessage":"by request")")}},
       {"s id1 tools/call 1", kWorking,
        R"(e id1 {"error_type": "Cancelled", "error_message": "by request", "task_id": "T1"})"}},
      {"expired: tasks/get says the task is no more",
       {{kUp, kTaskCall}, {kDown, kCreated}, {kUp, task_request("2", "tasks/get")},
        {kDown, error("2", -32602, "Failed to retrieve task: Task has expired")}},
       {"s id1 tools/call 1", kWorking,
        R"(e id1 {"error_type": "TaskExpired", "error_code": -32602, "error_message": )"
        R"("Failed to retrieve task: Task has expired", "task_id": "T1"})"}},
      {"another error of tasks/get ends nothing",
       {{kUp, kTaskCall}, {kDown, kCreated}, {kUp, task_request("2", "tasks/get")},
        {kDown, error("2", -32603, "busy")}},
       {"s id1 tools/call 1", kWorking,
        R"(e id1 {"error_type": "ClientClosed", "error_message": "gone", "task_id": "T1"})"},
       SessionEnd::kClientClosed},
      {"tasks/result answers the underlying call's error",
       {{kUp, kTaskCall}, {kDown, kCreated}, {kUp, task_request("2", "tasks/result")},
        {kDown, error("2", -32000, "tool broke")}},
       {"s id1 tools/call 1", kWorking,
        R"(e id1 {"error_type": "TaskFailed", "error_code": -32000, "error_message": "tool broke", )"
        R"("task_id": "T1"})"}},
      {"seen completed, its result never fetched: completed at the end",
       {{kUp, kTaskCall}, {kDown, kCreated}, {kUp, task_request("2", "tasks/get")},
        {kDown, task_state("2", "completed")}},
       {"s id1 tools/call 1", kWorking, R"(p id1 {"status": "completed", "task_id": "T1"})",
        R"(c id1 {"success": true, "task_id": "T1", "parsed": false})"},
       SessionEnd::kClientClosed},
      {"the client cancels the answered call (review F17: the SDK's AbortSignal): a progress "
       "says it asked to stop; the task's own outcome still ends it",
       {{kUp, kTaskCall}, {kDown, kCreated},
        {kUp, notification("notifications/cancelled", R"({"requestId":1,"reason":"stop it"})")},
        {kUp, task_request("2", "tasks/get")}, {kDown, task_state("2", "completed")},
        {kUp, task_request("3", "tasks/result")},
        {kDown, result("3", R"({"content":[]})")}},
       {"s id1 tools/call 1", kWorking,
        R"(p id1 {"status": "cancel_requested", "task_id": "T1", "message": "stop it"})",
        R"(p id1 {"status": "completed", "task_id": "T1"})",
        R"(c id1 {"success": true, "content_count": 0, "task_id": "T1"})"}},
      {"a result with a task member is no task when the call did not ask for one",
       {{kUp, call("1")}, {kDown, result("1", R"({"task":{"taskId":"T1"},"content":[]})")}},
       {"s id1 tools/call 1", R"(c id1 {"success": true, "content_count": 0})"}},
      {"task requests from the server (its polls of a client's task) end nothing",
       {{kUp, kTaskCall}, {kDown, kCreated}, {kDown, task_request("2", "tasks/get")},
        {kUp, task_state("2", "failed")}},
       {"s id1 tools/call 1", kWorking,
        R"(e id1 {"error_type": "ServerExited", "error_message": "gone", "task_id": "T1"})"},
       SessionEnd::kServerExited},
  });
}

// The task extension of 2026-07-28 (io.modelcontextprotocol/tasks), from the
// specification's own example flow: resultType "task", tasks/get polling,
// tasks/update.
TEST(TrackerTableTest, TaskExtension) {
  const std::string created =
      result("2", R"({"resultType":"task","taskId":"T1","status":"working",)"
                  R"("createdAt":"2025-11-25T10:30:00Z","ttlMs":3600000,"pollIntervalMs":5000})");
  const std::string hello = call("2", R"(,"_meta":{"io.modelcontextprotocol/clientCapabilities":)"
                                      R"({"extensions":{"io.modelcontextprotocol/tasks":{}}}})");
  const std::string working = R"(p id1 {"status": "working", "task_id": "T1"})";
  auto polled = [](const std::string& id, const std::string& status, const std::string& more) {
    return result(id, R"({"resultType":"complete","taskId":"T1","status":")" + status + "\"" + more + "}");
  };
  check({
      {"input asked and given, then the inline result",
       {{kUp, hello}, {kDown, created}, {kUp, task_request("3", "tasks/get")},
        {kDown, polled("3", "working", "")}, {kUp, task_request("4", "tasks/get")},
        {kDown, polled("4", "input_required",
                       R"(,"inputRequests":{"name":{"method":"elicitation/create","params":{}}})")},
        {kUp, request("6", "tasks/update",
                      R"({"taskId":"T1","inputResponses":{"name":{"action":"accept"}}})")},
        {kDown, result("6", R"({"resultType":"complete"})")},
        {kUp, task_request("7", "tasks/get")}, {kDown, polled("7", "working", "")},
        {kUp, task_request("8", "tasks/get")},
        {kDown, polled("8", "completed",
                       R"(,"result":{"content":[{"type":"text","text":"Hello, Luca!"}],"isError":false})")}},
       {"s id1 tools/call 2", working,
        R"(p id1 {"status": "input_required", "task_id": "T1", "input_requests": ["name"]})",
        R"(p id1 {"status": "input_provided", "task_id": "T1", "input_responses": ["name"]})",
        working, R"(c id1 {"success": true, "content_count": 1, "task_id": "T1"})"}},
      {"completed with a tool error",
       {{kUp, hello}, {kDown, created},
        {kDown, notification("notifications/tasks",
                             R"({"taskId":"T1","status":"completed","result":{"content":)"
                             R"([{"type":"text","text":"invalid input"}],"isError":true}})")}},
       {"s id1 tools/call 2", working,
        R"(e id1 {"error_type": "ToolError", "error_message": "invalid input", "content_count": 1, )"
        R"("task_id": "T1"})"}},
      {"failed with its JSON-RPC error",
       {{kUp, hello}, {kDown, created}, {kUp, task_request("3", "tasks/get")},
        {kDown, polled("3", "failed",
                       R"(,"statusMessage":"Tool execution failed","error":{"code":-32603,"message":"API rate limit exceeded"})")}},
       {"s id1 tools/call 2", working,
        R"(e id1 {"error_type": "TaskFailed", "error_code": -32603, "error_message": )"
        R"("API rate limit exceeded", "task_id": "T1"})"}},
      {"tasks/cancel is acknowledged only; the next status says how it ended",
       {{kUp, hello}, {kDown, created}, {kUp, task_request("3", "tasks/cancel")},
        {kDown, result("3", R"({"resultType":"complete"})")}, {kUp, task_request("4", "tasks/get")},
        {kDown, polled("4", "cancelled", "")}},
       {"s id1 tools/call 2", working, R"(p id1 {"status": "cancel_requested", "task_id": "T1"})",
        R"(e id1 {"error_type": "Cancelled", "error_message": "", "task_id": "T1"})"}},
      {"acknowledged and left: cancelled",
       {{kUp, hello}, {kDown, created}, {kUp, task_request("3", "tasks/cancel")},
        {kDown, result("3", R"({"resultType":"complete"})")}},
       {"s id1 tools/call 2", working, R"(p id1 {"status": "cancel_requested", "task_id": "T1"})",
        R"(e id1 {"error_type": "Cancelled", "error_message": "tasks/cancel was acknowledged; the )"
        R"(session ended before the task's last status", "task_id": "T1"})"},
       SessionEnd::kClientClosed},
  });
}

// The task extension's own examples, as SEP-2663 (io.modelcontextprotocol/
// tasks, "Example Message Flow" and "Error Handling") writes them, whitespace
// and all: the hello_world call that asks for the user's name.
namespace sep2663 {
const char* kCall = R"({
  "jsonrpc": "2.0",
  "id": 2,
  "method": "tools/call",
  "params": {
    "name": "hello_world",
    "arguments": {},
    "_meta": {
      "io.modelcontextprotocol/clientCapabilities": {
        "extensions": {
          "io.modelcontextprotocol/tasks": {}
        }
      }
    }
  }
})";
std::string get(int id) {
  return R"({
  "jsonrpc": "2.0",
  "id": )" + std::to_string(id) + R"(,
  "method": "tasks/get",
  "params": {
    "taskId": "786512e2-9e0d-44bd-8f29-789f320fe840"
  }
})";
}
// The CreateTaskResult (resultType "task") and a working task polled
// (resultType "complete"): the same task state.
std::string working(int id, const char* result_type = "complete") {
  return R"({
  "jsonrpc": "2.0",
  "id": )" + std::to_string(id) + R"(,
  "result": {
    "resultType": ")" + result_type + R"(",
    "taskId": "786512e2-9e0d-44bd-8f29-789f320fe840",
    "status": "working",
    "createdAt": "2025-11-25T10:30:00Z",
    "lastUpdatedAt": "2025-11-25T10:50:00Z",
    "ttlMs": 3600000,
    "pollIntervalMs": 5000
  }
})";
}
const std::string kCreated = working(2, "task");
std::string input_required(int id) {
  return R"({
  "id": )" + std::to_string(id) + R"(,
  "jsonrpc": "2.0",
  "result": {
    "resultType": "complete",
    "taskId": "786512e2-9e0d-44bd-8f29-789f320fe840",
    "status": "input_required",
    "createdAt": "2025-11-25T10:30:00Z",
    "lastUpdatedAt": "2025-11-25T10:50:00Z",
    "ttlMs": 3600000,
    "pollIntervalMs": 5000,
    "inputRequests": {
      "name": {
        "method": "elicitation/create",
        "params": {
          "mode": "form",
          "message": "Please enter your name.",
          "requestedSchema": {
            "type": "object",
            "properties": {
              "name": { "type": "string" }
            },
            "required": ["name"]
          }
        }
      }
    }
  }
})";
}
const char* kUpdate = R"({
  "jsonrpc": "2.0",
  "id": 6,
  "method": "tasks/update",
  "params": {
    "taskId": "786512e2-9e0d-44bd-8f29-789f320fe840",
    "inputResponses": {
      "name": {
        "action": "accept",
        "content": {
          "input": "Luca"
        }
      }
    }
  }
})";
const char* kAck = R"({
  "jsonrpc": "2.0",
  "id": 6,
  "result": {
    "resultType": "complete"
  }
})";
const char* kCompleted = R"({
  "jsonrpc": "2.0",
  "id": 8,
  "result": {
    "resultType": "complete",
    "taskId": "786512e2-9e0d-44bd-8f29-789f320fe840",
    "status": "completed",
    "createdAt": "2025-11-25T10:30:00Z",
    "lastUpdatedAt": "2025-11-25T10:50:00Z",
    "ttlMs": 3600000,
    "pollIntervalMs": 5000,
    "result": {
      "content": [
        {
          "type": "text",
          "text": "Hello, Luca!"
        }
      ],
      "isError": false
    }
  }
})";
// "Example: Task with JSON-RPC execution error" and "Tool call completed
// with tool error (isError: true)": a task already ended in the answer that
// made it.
const char* kCreatedFailed = R"({
  "jsonrpc": "2.0",
  "id": 4,
  "result": {
    "resultType": "task",
    "taskId": "786512e2-9e0d-44bd-8f29-789f820fe840",
    "status": "failed",
    "createdAt": "2025-11-25T10:30:00Z",
    "lastUpdatedAt": "2025-11-25T10:40:00Z",
    "ttlMs": 3600000,
    "statusMessage": "Tool execution failed: API rate limit exceeded",
    "error": {
      "code": -32603,
      "message": "API rate limit exceeded"
    }
  }
})";
const char* kCreatedToolError = R"({
  "jsonrpc": "2.0",
  "id": 5,
  "result": {
    "resultType": "task",
    "taskId": "786512e2-9e0d-44bd-8f29-789f820fe840",
    "status": "completed",
    "createdAt": "2025-11-25T10:30:00Z",
    "lastUpdatedAt": "2025-11-25T10:40:00Z",
    "ttlMs": 3600000,
    "result": {
      "content": [
        {
          "type": "text",
          "text": "Failed to process request: invalid input"
        }
      ],
      "isError": true
    }
  }
})";
// "Task Status Notifications": the full task, its result inline.
const char* kNotifiedCompleted = R"({
  "jsonrpc": "2.0",
  "method": "notifications/tasks",
  "params": {
    "taskId": "786512e2-9e0d-44bd-8f29-789f320fe840",
    "status": "completed",
    "createdAt": "2025-11-25T10:30:00Z",
    "lastUpdatedAt": "2025-11-25T10:50:00Z",
    "ttlMs": 60000,
    "pollIntervalMs": 5000,
    "result": {
      "content": [
        {
          "type": "text",
          "text": "Operation completed successfully."
        }
      ],
      "isError": false
    }
  }
})";
// "Example: Task not found" (and "Task expired", the same code).
std::string not_found(int id) {
  return R"({
  "jsonrpc": "2.0",
  "id": )" + std::to_string(id) + R"(,
  "error": {
    "code": -32602,
    "message": "Failed to retrieve task: Task not found"
  }
})";
}
std::string task_request(int id, const char* method) {
  return R"({"jsonrpc":"2.0","id":)" + std::to_string(id) + R"(,"method":")" + method +
         R"(","params":{"taskId":"786512e2-9e0d-44bd-8f29-789f320fe840"}})";
}
const std::string kWorking =
    R"(p id1 {"status": "working", "task_id": "786512e2-9e0d-44bd-8f29-789f320fe840"})";
}  // namespace sep2663

TEST(TrackerTableTest, TaskExtensionAsItsSpecificationShowsIt) {
  using sep2663::get, sep2663::working, sep2663::input_required, sep2663::not_found,
      sep2663::task_request, sep2663::kCall, sep2663::kUpdate, sep2663::kAck, sep2663::kCompleted,
      sep2663::kCreatedFailed, sep2663::kCreatedToolError, sep2663::kNotifiedCompleted;
  const std::string kCreated = sep2663::kCreated, kWorking = sep2663::kWorking;
  const std::string task = "\"task_id\": \"786512e2-9e0d-44bd-8f29-789f320fe840\"";
  const std::string failed_task = "\"task_id\": \"786512e2-9e0d-44bd-8f29-789f820fe840\"";
  auto call_with_id = [](int id) {
    std::string c = kCall;
    c.replace(c.find("\"id\": 2"), 7, "\"id\": " + std::to_string(id));
    return c;
  };
  check({
      {"the example message flow: created, polled, input asked twice and given once, "
       "working again, completed with the result inline",
       {{kUp, kCall}, {kDown, kCreated}, {kUp, get(3)}, {kDown, working(3)}, {kUp, get(4)},
        {kDown, input_required(4)}, {kUp, get(5)}, {kDown, input_required(5)}, {kUp, kUpdate},
        {kDown, kAck}, {kUp, get(7)}, {kDown, working(7)}, {kUp, get(8)}, {kDown, kCompleted}},
       {"s id1 tools/call 2", kWorking,
        "p id1 {\"status\": \"input_required\", " + task + ", \"input_requests\": [\"name\"]}",
        "p id1 {\"status\": \"input_provided\", " + task + ", \"input_responses\": [\"name\"]}",
        kWorking, "c id1 {\"success\": true, \"content_count\": 1, " + task + "}"}},
      {"a task that failed with a JSON-RPC error in the answer that made it",
       {{kUp, call_with_id(4)}, {kDown, kCreatedFailed}},
       {"s id1 tools/call 4",
        "e id1 {\"error_type\": \"TaskFailed\", \"error_code\": -32603, \"error_message\": "
        "\"API rate limit exceeded\", " + failed_task + "}"}},
      {"a task completed with a tool error in the answer that made it",
       {{kUp, call_with_id(5)}, {kDown, kCreatedToolError}},
       {"s id1 tools/call 5",
        "e id1 {\"error_type\": \"ToolError\", \"error_message\": \"Failed to process request: "
        "invalid input\", \"content_count\": 1, " + failed_task + "}"}},
      {"the outcome from a status notification",
       {{kUp, kCall}, {kDown, kCreated}, {kDown, kNotifiedCompleted}},
       {"s id1 tools/call 2", kWorking, "c id1 {\"success\": true, \"content_count\": 1, " + task + "}"}},
      {"tasks/result is no method of the extension: its -32601 is no outcome of the task",
       {{kUp, kCall}, {kDown, kCreated}, {kUp, task_request(3, "tasks/result")},
        {kDown, R"({"jsonrpc":"2.0","id":3,"error":{"code":-32601,"message":"Method not found"}})"},
        {kUp, get(8)}, {kDown, kCompleted}},
       {"s id1 tools/call 2", kWorking, "c id1 {\"success\": true, \"content_count\": 1, " + task + "}"}},
      {"tasks/update and tasks/cancel refused with -32602 end nothing; tasks/get so answered "
       "says the task is gone",
       {{kUp, kCall}, {kDown, kCreated}, {kUp, kUpdate}, {kDown, not_found(6)},
        {kUp, task_request(4, "tasks/cancel")}, {kDown, not_found(4)},
        {kUp, get(5)}, {kDown, not_found(5)}},
       {"s id1 tools/call 2", kWorking,
        "e id1 {\"error_type\": \"TaskExpired\", \"error_code\": -32602, \"error_message\": "
        "\"Failed to retrieve task: Task not found\", " + task + "}"}},
      {"input_required on the call, its retry answered with a task (\"Composition with Multi "
       "Round-Trip Requests\"): one interaction",
       {{kUp, call_with_id(1)},
        {kDown, R"({"jsonrpc":"2.0","id":1,"result":{"resultType":"input_required","requestState":"s1"}})"},
        {kUp, R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"hello_world","arguments":{},"requestState":"s1"}})"},
        {kDown, kCreated}, {kUp, get(8)}, {kDown, kCompleted}},
       {"s id1 tools/call 1", "p id1 {\"status\": \"input_required\", \"input_requests\": []}",
        "p id1 {\"status\": \"input_provided\", \"jsonrpc.request.id\": 2, \"input_responses\": []}",
        kWorking, "c id1 {\"success\": true, \"content_count\": 1, " + task + "}"}},
  });
}

// 2026-07-28 multi round-trip requests: input_required is progress, and the
// retry that echoes its requestState (or answers its input requests for the
// same tool) continues the interaction (basic/patterns/mrtr).
TEST(TrackerTableTest, InputRequired) {
  const std::string asked =
      result("1", R"({"resultType":"input_required","inputRequests":{"github_login":)"
                  R"({"method":"elicitation/create","params":{}}},"requestState":"AEAD-blob"})");
  const std::string required =
      R"(p id1 {"status": "input_required", "input_requests": ["github_login"]})";
  check({
      {"the retry echoes the requestState",
       {{kUp, call("1")}, {kDown, asked},
        {kUp, call("2", R"(,"inputResponses":{"github_login":{"action":"accept"}},"requestState":"AEAD-blob")")},
        {kDown, result("2", kText)}},
       {"s id1 tools/call 1", required,
        R"(p id1 {"status": "input_provided", "jsonrpc.request.id": 2, "input_responses": ["github_login"]})",
        kDone}},
      {"only a requestState (the schema's \"load shedding\" example): the retry echoes it",
       {{kUp, call("1")},
        {kDown, result("1", R"({"resultType": "input_required", "requestState": )"
                            R"("eyJwcm9ncmVzcyI6IjUwJSIsInN0YXRlIjoicHJvY2Vzc2luZyJ9"})")},
        {kUp, call("2", R"(,"requestState":"eyJwcm9ncmVzcyI6IjUwJSIsInN0YXRlIjoicHJvY2Vzc2luZyJ9")")},
        {kDown, result("2", kText)}},
       {"s id1 tools/call 1", R"(p id1 {"status": "input_required", "input_requests": []})",
        R"(p id1 {"status": "input_provided", "jsonrpc.request.id": 2, "input_responses": []})",
        kDone}},
      {"a request with another requestState is another call",
       {{kUp, call("1")}, {kDown, asked},
        {kUp, call("2", R"(,"inputResponses":{"github_login":{}},"requestState":"other")")},
        {kDown, result("2", kText)}},
       {"s id1 tools/call 1", required, "s id2 tools/call 2",
        R"(c id2 {"success": true, "content_count": 1})",
        R"(e id1 {"error_type": "ClientClosed", "error_message": "gone"})"},
       SessionEnd::kClientClosed},
      {"without a requestState: the same tool, every input answered",
       {{kUp, call("1")},
        {kDown, result("1", R"({"resultType":"input_required","inputRequests":{"a":{},"b":{}}})")},
        {kUp, call("2", R"(,"inputResponses":{"a":{}})")},
        {kUp, call("3", R"(,"inputResponses":{"a":{},"b":{}})")},
        {kDown, result("3", kText)}, {kDown, result("2", kText)}},
       {"s id1 tools/call 1", R"(p id1 {"status": "input_required", "input_requests": ["a", "b"]})",
        "s id2 tools/call 2",
        R"(p id1 {"status": "input_provided", "jsonrpc.request.id": 3, "input_responses": ["a", "b"]})",
        kDone, R"(c id2 {"success": true, "content_count": 1})"}},
      {"a retry is of the same tool: another tool's call echoing the requestState is a call of "
       "its own",
       {{kUp, tool_call("1", "echo", R"({"m":1})")}, {kDown, asked},
        {kUp, tool_call("2", "delete-everything", R"({"m":1})",
                        R"(,"inputResponses":{"github_login":{}},"requestState":"AEAD-blob")")},
        {kDown, result("2", kText)}},
       {"s id1 tools/call 1", required, "s id2 tools/call 2",
        R"(c id2 {"success": true, "content_count": 1})",
        R"(e id1 {"error_type": "ClientClosed", "error_message": "gone"})"},
       SessionEnd::kClientClosed},
      {"two calls wait with the same keys: the retry repeating one's arguments continues it",
       {{kUp, tool_call("5", "echo", R"({"m":5})")}, {kDown, result("5", kKeyK)},
        {kUp, tool_call("7", "echo", R"({"m":7})")}, {kDown, result("7", kKeyK)},
        {kUp, tool_call("8", "echo", R"({"m":7})", R"(,"inputResponses":{"k":{}})")},
        {kDown, result("8", kText)}},
       {"s id1 tools/call 5", R"(p id1 {"status": "input_required", "input_requests": ["k"]})",
        "s id2 tools/call 7", R"(p id2 {"status": "input_required", "input_requests": ["k"]})",
        R"(p id2 {"status": "input_provided", "jsonrpc.request.id": 8, "input_responses": ["k"]})",
        R"(c id2 {"success": true, "content_count": 1})",
        R"(e id1 {"error_type": "ClientClosed", "error_message": "gone"})"},
       SessionEnd::kClientClosed},
      {"arguments equal as JSON are repeated: members in another order, 1.0 for 1, escapes",
       {{kUp, tool_call("1", "book", R"({"city":"Paris","n":1,"o":{"a":[1,2],"b":null}})")},
        {kDown, result("1", kKeyK)},
        {kUp, tool_call("2", "book", R"({"city":"Rome","n":1,"o":{"a":[1,2],"b":null}})")},
        {kDown, result("2", kKeyK)},
        {kUp, tool_call("3", "book", R"({"o":{"b":null,"a":[1.0,2e0]},"n":1.0,"city":"R\u006fme"})",
                        R"(,"inputResponses":{"k":{}})")},
        {kUp, tool_call("4", "book", R"({"n":1, "city":"Paris", "o":{"b":null,"a":[1,2]}})",
                        R"(,"inputResponses":{"k":{}})")},
        {kDown, result("3", kText)}, {kDown, error("4", -1, "Paris failed")}},
       {"s id1 tools/call 1", R"(p id1 {"status": "input_required", "input_requests": ["k"]})",
        "s id2 tools/call 2", R"(p id2 {"status": "input_required", "input_requests": ["k"]})",
        R"(p id2 {"status": "input_provided", "jsonrpc.request.id": 3, "input_responses": ["k"]})",
        R"(p id1 {"status": "input_provided", "jsonrpc.request.id": 4, "input_responses": ["k"]})",
        R"(c id2 {"success": true, "content_count": 1})",
        R"(e id1 {"error_type": "JsonRpcError", "error_code": -1, "error_message": "Paris failed"})"}},
      {"arrays keep their order: [1,2] is not [2,1]",
       {{kUp, tool_call("5", "echo", R"({"m":[1,2]})")}, {kDown, result("5", kKeyK)},
        {kUp, tool_call("7", "echo", R"({"m":[1,2]})")}, {kDown, result("7", kKeyK)},
        {kUp, tool_call("8", "echo", R"({"m":[2,1]})", R"(,"inputResponses":{"k":{}})")}},
       {"s id1 tools/call 5", R"(p id1 {"status": "input_required", "input_requests": ["k"]})",
        "s id2 tools/call 7", R"(p id2 {"status": "input_required", "input_requests": ["k"]})",
        "s id3 tools/call 8"}},
      {"two calls wait with the same keys and the retry repeats neither's arguments: which it "
       "continues is not known, so it is a call of its own",
       {{kUp, tool_call("5", "echo", R"({"m":1})")}, {kDown, result("5", kKeyK)},
        {kUp, tool_call("7", "echo", R"({"m":1})")}, {kDown, result("7", kKeyK)},
        {kUp, tool_call("8", "echo", R"({"m":2})", R"(,"inputResponses":{"k":{}})")},
        {kDown, result("8", kText)}},
       {"s id1 tools/call 5", R"(p id1 {"status": "input_required", "input_requests": ["k"]})",
        "s id2 tools/call 7", R"(p id2 {"status": "input_required", "input_requests": ["k"]})",
        "s id3 tools/call 8", R"(c id3 {"success": true, "content_count": 1})",
        R"(e id1 {"error_type": "ClientClosed", "error_message": "gone"})",
        R"(e id2 {"error_type": "ClientClosed", "error_message": "gone"})"},
       SessionEnd::kClientClosed},
  });
}

// What only 2026-07-28 has is not honoured in a session that negotiated an
// older revision: a request's _meta never overrides initialize (man page
// PROXY, the table per revision), and input_required and the task
// extension's resultType "task" are results like any other there.
TEST(TrackerTableTest, RevisionGates) {
  const std::string init = request(
      "0", "initialize",
      R"({"protocolVersion":"2025-11-25","clientInfo":{"name":"real","version":"1.0"}})");
  const std::string ok = result("0", R"({"protocolVersion":"2025-11-25"})");
  const std::string meta =
      R"(,"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",)"
      R"("io.modelcontextprotocol/clientInfo":{"name":"spoof","version":"9"}})";
  check({
      {"2025-11-25: a request's _meta overrides nothing",
       {{kUp, init}, {kDown, ok}, {kUp, call("1", meta)}, {kUp, call("2")}},
       {"s id1 tools/call 1 2025-11-25 real 1.0", "s id2 tools/call 2 2025-11-25 real 1.0"}},
      {"without initialize: _meta is that request's alone",
       {{kUp, call("1", meta)}, {kUp, call("2")}},
       {"s id1 tools/call 1 2026-07-28 spoof 9", "s id2 tools/call 2 - - -"}},
  }, {}, true);
  check({
      {"2025-11-25: input_required is a result, not progress",
       {{kUp, init}, {kDown, ok}, {kUp, call("1")},
        {kDown, result("1", R"({"resultType":"input_required","requestState":"s","content":[]})")}},
       {"s id1 tools/call 1", R"(c id1 {"success": true, "content_count": 0})"},
       SessionEnd::kClientClosed},
      {"2025-11-25: resultType \"task\" is a result too",
       {{kUp, init}, {kDown, ok}, {kUp, call("1")},
        {kDown, result("1", R"({"resultType":"task","taskId":"T1","status":"working","content":[]})")}},
       {"s id1 tools/call 1", R"(c id1 {"success": true, "content_count": 0})"},
       SessionEnd::kClientClosed},
      {"2026-07-28: input_required is progress",
       {{kUp, request("0", "initialize", R"({"protocolVersion":"2026-07-28"})")},
        {kDown, result("0", R"({"protocolVersion":"2026-07-28"})")}, {kUp, call("1")},
        {kDown, result("1", R"({"resultType":"input_required","requestState":"s"})")}},
       {"s id1 tools/call 1", R"(p id1 {"status": "input_required", "input_requests": []})",
        R"(e id1 {"error_type": "ClientClosed", "error_message": "gone"})"},
       SessionEnd::kClientClosed},
  });
}

// 2026-07-28 subscriptions/listen: a long-lived request whose stream the
// client ends by cancelling it (basic/patterns/subscriptions).
TEST(TrackerTableTest, SubscriptionsListen) {
  TrackerOptions all;
  all.methods = MethodFilter::parse("all");
  const std::string listen = request("1", "subscriptions/listen", R"({"notifications":{"toolsListChanged":true}})");
  const std::string ack = notification("notifications/subscriptions/acknowledged",
                                       R"({"_meta":{"io.modelcontextprotocol/subscriptionId":1},)"
                                       R"("notifications":{"toolsListChanged":true}})");
  const std::string changed = notification("notifications/tools/list_changed",
                                           R"({"_meta":{"io.modelcontextprotocol/subscriptionId":1}})");
  check({
      {"cancelled by the client: its normal end",
       {{kUp, listen}, {kDown, ack}, {kDown, changed},
        {kUp, notification("notifications/cancelled", R"({"requestId":1})")}},
       {"s id1 subscriptions/listen 1",
        R"(c id1 {"success": true, "ended_by": "client", "notification_count": 2})"}},
      {"torn down by the server",
       {{kUp, listen}, {kDown, ack}, {kDown, notification("notifications/cancelled", R"({"requestId":1})")}},
       {"s id1 subscriptions/listen 1",
        R"(c id1 {"success": true, "ended_by": "server", "notification_count": 1})"}},
      {"closed gracefully with a response",
       {{kUp, listen}, {kDown, ack},
        {kDown, result("1", R"({"resultType":"complete","_meta":{"io.modelcontextprotocol/subscriptionId":1}})")}},
       {"s id1 subscriptions/listen 1",
        R"(c id1 {"success": true, "content_count": 0, "notification_count": 1})"}},
      {"the client leaving ends it too",
       {{kUp, listen}},
       {"s id1 subscriptions/listen 1",
        R"(c id1 {"success": true, "ended_by": "client_closed", "notification_count": 0})"},
       SessionEnd::kClientClosed},
      {"task status notifications on its stream count too (SEP-2663: \"clients send a "
       "subscriptions/listen request ... including a list of task IDs\")",
       {{kUp, call("2")},
        {kDown, result("2", R"({"resultType":"task","taskId":"T1","status":"working"})")},
        {kUp, request("1", "subscriptions/listen", R"({"notifications":{"taskIds":["T1"]}})")},
        {kDown, notification("notifications/subscriptions/acknowledged",
                             R"({"_meta":{"io.modelcontextprotocol/subscriptionId":1},)"
                             R"("notifications":{"taskIds":["T1"]}})")},
        {kDown, notification("notifications/tasks",
                             R"({"_meta":{"io.modelcontextprotocol/subscriptionId":1},"taskId":"T1",)"
                             R"("status":"completed","result":{"content":[]}})")},
        {kUp, notification("notifications/cancelled", R"({"requestId":1})")}},
       {"s id1 tools/call 2", R"(p id1 {"status": "working", "task_id": "T1"})",
        "s id2 subscriptions/listen 1",
        R"(c id1 {"success": true, "content_count": 0, "task_id": "T1"})",
        R"(c id2 {"success": true, "ended_by": "client", "notification_count": 2})"}},
      {"the server exiting is an unexpected end",
       {{kUp, listen}},
       {"s id1 subscriptions/listen 1",
        R"(e id1 {"error_type": "ServerExited", "error_message": "gone"})"},
       SessionEnd::kServerExited},
  }, all);
}

// A tool's structuredContent against the outputSchema it listed, as each
// SDK's client keeps the listings it read (src/proxy/output_schemas.h).
std::string listing(const std::string& tools, const std::string& next = "") {
  return R"({"tools":[)" + tools + "]" + (next.empty() ? "" : R"(,"nextCursor":")" + next + "\"") +
         "}";
}
std::string tool(const std::string& name, const std::string& output_schema = "") {
  return R"({"name":")" + name + R"(","inputSchema":{"type":"object"})" +
         (output_schema.empty() ? "" : R"(,"outputSchema":)" + output_schema) + "}";
}
std::string structured(const std::string& content, const std::string& extra = "") {
  return R"({"content":[{"type":"text","text":"ok"}],"structuredContent":)" + content + extra + "}";
}
const std::string kCountSchema =
    R"({"type":"object","properties":{"n":{"type":"integer","minimum":0}},"required":["n"]})";

TEST(TrackerTableTest, OutputSchemas) {
  check({
      {"a result whose structuredContent is missing or fails the schema its tool listed: both "
       "clients fail the call; a tool's error is checked by the TypeScript SDK's alone, and "
       "only when it carries structuredContent; a format is ajv's alone; null is pydantic's",
       {{kUp, request("1", "tools/list", "{}")},
        {kDown, result("1", listing(tool("a", kCountSchema) + "," + tool("b") + "," +
                                    tool("f", R"({"type":"object","properties":{"u":{"type":"string","format":"uri"}}})")))},
        {kUp, tool_call("2", "a", "{}")}, {kDown, result("2", structured(R"({"n":3})"))},
        {kUp, tool_call("3", "a", "{}")}, {kDown, result("3", structured(R"({"n":-1})"))},
        {kUp, tool_call("4", "a", "{}")}, {kDown, result("4", kText)},
        {kUp, tool_call("5", "a", "{}")},
        {kDown, result("5", R"({"content":[{"type":"text","text":"no"}],"isError":true})")},
        {kUp, tool_call("6", "a", "{}")},
        {kDown, result("6", structured(R"({"n":"x"})", R"(,"isError":true)"))},
        {kUp, tool_call("7", "b", "{}")}, {kDown, result("7", structured(R"({"n":"x"})"))},
        {kUp, tool_call("8", "f", "{}")}, {kDown, result("8", structured(R"({"u":"no uri"})"))},
        {kUp, tool_call("9", "a", "{}")}, {kDown, result("9", structured("null"))},
        {kUp, tool_call("10", "b", "{}")}, {kDown, result("10", structured("null"))},
        {kUp, tool_call("11", "b", "{}")}, {kDown, result("11", structured("[]"))}},
       {"s id1 tools/call 2", R"(c id1 {"success": true, "content_count": 1})",
        "s id2 tools/call 3", R"(c id2 {"success": null, "content_count": 1})",
        "s id3 tools/call 4", R"(c id3 {"success": null, "content_count": 1})",
        "s id4 tools/call 5", R"(e id4 {"error_type": "ToolError", "error_message": "no", "content_count": 1})",
        "s id5 tools/call 6", R"(e id5 {"error_type": "ToolError", "error_message": "ok", "content_count": 1, "refused_by": "typescript"})",
        "s id6 tools/call 7", R"(c id6 {"success": true, "content_count": 1})",
        "s id7 tools/call 8", R"(c id7 {"success": true, "content_count": 1})",
        "s id8 tools/call 9", R"(c id8 {"success": null, "content_count": 1})",
        "s id9 tools/call 10", R"(c id9 {"success": null, "content_count": 1, "refused_by": "typescript"})",
        "s id10 tools/call 11", R"(c id10 {"success": null, "content_count": 1})"}},
      {"which listings a client keeps: none before a listing (the Python SDK's lists by "
       "itself, too late for the proxy); the TypeScript SDK's the last page alone, the Python "
       "SDK's every page, until a complete listing drops the tools it does not list",
       {{kUp, tool_call("1", "a", "{}")}, {kDown, result("1", structured(R"({"n":-1})"))},
        {kUp, request("2", "tools/list", "{}")},
        {kDown, result("2", listing(tool("a", kCountSchema), "p2"))},
        {kUp, request("3", "tools/list", R"({"cursor":"p2"})")},
        {kDown, result("3", listing(tool("b")))},
        {kUp, tool_call("4", "a", "{}")}, {kDown, result("4", structured(R"({"n":-1})"))},
        {kUp, request("5", "tools/list", "{}")}, {kDown, result("5", listing(tool("b")))},
        {kUp, tool_call("6", "a", "{}")}, {kDown, result("6", structured(R"({"n":-1})"))}},
       {"s id1 tools/call 1", R"(c id1 {"success": true, "content_count": 1})",
        "s id2 tools/call 4",
        R"(c id2 {"success": null, "content_count": 1, "refused_by": "python"})",
        "s id3 tools/call 6", R"(c id3 {"success": true, "content_count": 1})"}},
      {"a listing one client refuses leaves that client's schemas as they were: zod wants an "
       "outputSchema of type \"object\", pydantic takes any object",
       {{kUp, request("1", "tools/list", "{}")},
        {kDown, result("1", listing(tool("a", kCountSchema)))},
        {kUp, request("2", "tools/list", "{}")},
        {kDown, result("2", listing(tool("a", R"({"type":"object","required":["m"]})") + "," +
                                    tool("z", R"({"type":"array"})")))},
        {kUp, tool_call("3", "a", "{}")}, {kDown, result("3", structured(R"({"n":3})"))},
        {kUp, tool_call("4", "a", "{}")}, {kDown, result("4", structured(R"({"m":-1})"))}},
       {"s id1 tools/call 3",
        R"(c id1 {"success": null, "content_count": 1, "refused_by": "python"})",
        "s id2 tools/call 4",
        R"(c id2 {"success": null, "content_count": 1, "refused_by": "typescript"})"}},
      {"a listing zod refuses for a member that is null (pydantic takes None): the "
       "TypeScript SDK's client keeps the schema it had (review proxy-newcomer-r5 F1)",
       {{kUp, request("1", "tools/list", "{}")},
        {kDown, result("1", listing(tool("a", R"({"type":"object","required":["n"]})")))},
        {kUp, request("2", "tools/list", "{}")},
        {kDown, result("2", R"({"tools":[{"name":"a","title":null,"inputSchema":{"type":"object"},)"
                            R"("outputSchema":{"type":"object"}}]})")},
        {kUp, tool_call("3", "a", "{}")}, {kDown, result("3", structured("{}"))},
        {kUp, request("4", "tools/list", "{}")},
        {kDown, result("4", R"({"tools":[{"name":"a","icons":null,"inputSchema":{"type":"object"},)"
                            R"("outputSchema":{"type":"object"}}]})")},
        {kUp, tool_call("5", "a", "{}")}, {kDown, result("5", structured("{}"))}},
       {"s id1 tools/call 3",
        R"(c id1 {"success": null, "content_count": 1, "refused_by": "typescript"})",
        "s id2 tools/call 5",
        R"(c id2 {"success": null, "content_count": 1, "refused_by": "typescript"})"}},
      {"a listing with a schema ajv may not compile (a $ref to nothing): what the "
       "TypeScript SDK's client then checks is not known; the Python SDK's client fails "
       "the call, so it is not known to have succeeded (review proxy-newcomer-r5 F2)",
       {{kUp, request("1", "tools/list", "{}")},
        {kDown, result("1", listing(tool("u", R"({"type":"object","properties":{"x":{"$ref":"#/$defs/none"}}})") +
                                    "," + tool("a", R"({"type":"object","required":["n"]})")))},
        {kUp, tool_call("2", "a", "{}")}, {kDown, result("2", structured("{}"))},
        {kUp, tool_call("3", "a", "{}")}, {kDown, result("3", structured(R"({"n":1})"))}},
       {"s id1 tools/call 2", R"(c id1 {"success": null, "content_count": 1})",
        "s id2 tools/call 3", R"(c id2 {"success": true, "content_count": 1})"}},
      {"a result's _meta zod refuses (null, a progressToken 1.5, a related-task without a "
       "taskId): the TypeScript SDK's reader drops the answer, pydantic's dict takes it; a "
       "listing so refused leaves its client's schemas as they were (review "
       "proxy-newcomer-r6 1)",
       {{kUp, tool_call("1", "b", "{}")}, {kDown, result("1", structured("{}", R"(,"_meta":null)"))},
        {kUp, tool_call("2", "b", "{}")},
        {kDown, result("2", structured("{}", R"(,"_meta":{"progressToken":1.5})"))},
        {kUp, tool_call("3", "b", "{}")},
        {kDown, result("3", structured("{}", R"(,"_meta":{"io.modelcontextprotocol/related-task":{}})"))},
        {kUp, request("4", "tools/list", "{}")},
        {kDown, result("4", listing(tool("a", R"({"type":"object","required":["n"]})")))},
        {kUp, request("5", "tools/list", "{}")},
        {kDown, result("5", R"({"tools":[{"name":"a","inputSchema":{"type":"object"},)"
                            R"("outputSchema":{"type":"object"}}],"_meta":null})")},
        {kUp, tool_call("6", "a", "{}")}, {kDown, result("6", structured("{}"))}},
       {"s id1 tools/call 1",
        R"(c id1 {"success": null, "content_count": 1, "refused_by": "typescript"})",
        "s id2 tools/call 2",
        R"(c id2 {"success": null, "content_count": 1, "refused_by": "typescript"})",
        "s id3 tools/call 3",
        R"(c id3 {"success": null, "content_count": 1, "refused_by": "typescript"})",
        "s id4 tools/call 6",
        R"(c id4 {"success": null, "content_count": 1, "refused_by": "typescript"})"}},
      {"one SDK's reader refuses the answer and the other's schema check fails it: both "
       "clients failed, no SDK is named alone (review proxy-newcomer-r6 2); an icon zod "
       "refuses refuses the listing; an $anchor no $ref names is no reason not to judge",
       {{kUp, request("1", "tools/list", "{}")},
        {kDown, result("1", listing(tool("a", R"({"type":"object","required":["n"],"$anchor":"top"})")))},
        {kUp, tool_call("2", "a", "{}")},
        {kDown, R"({"jsonrpc":"2.0","id":2,"error":null,"result":{"content":[],"structuredContent":{}}})"},
        {kUp, tool_call("3", "a", "{}")}, {kDown, result("3", structured("{}"))},
        {kUp, request("4", "tools/list", "{}")},
        {kDown, result("4", R"({"tools":[{"name":"a","icons":[{"src":1}],"inputSchema":{"type":"object"},)"
                            R"("outputSchema":{"type":"object"}}]})")},
        {kUp, tool_call("5", "a", "{}")}, {kDown, result("5", structured("{}"))}},
       {"s id1 tools/call 2", R"(c id1 {"success": null, "content_count": 0})",
        "s id2 tools/call 3", R"(c id2 {"success": null, "content_count": 1})",
        "s id3 tools/call 5",  // (pydantic's reading of icons is not mirrored: not known)
        R"(c id3 {"success": null, "content_count": 1})"}},
      {"a schema its metaschema refuses: the Python SDK's client fails every call of the "
       "tool, ajv compiles it (review proxy-newcomer-r5 F5)",
       {{kUp, request("1", "tools/list", "{}")},
        {kDown, result("1", listing(tool("a", R"({"type":"object","required":["n","n"]})")))},
        {kUp, tool_call("2", "a", "{}")}, {kDown, result("2", structured(R"({"n":1})"))}},
       {"s id1 tools/call 2", R"(c id1 {"success": null, "content_count": 1})"}},
  });
}

TEST(TrackerTableTest, OutputSchemasOfLongAnswers) {
  TrackerOptions stdio;
  stdio.stdio_lines = true;
  check({
      {"an answer of 10 MiB or more, read by its ends: the TypeScript SDK's reader refuses "
       "it, the Python SDK's client checks a schema that cannot be read there: not known to "
       "have succeeded, no SDK named (review proxy-newcomer-r6 2); without a schema, Python's "
       "alone",
       {{kUp, request("1", "tools/list", "{}")},
        {kDown, result("1", listing(tool("a", kCountSchema) + "," + tool("b")))},
        {kUp, tool_call("2", "a", "{}")},
        {kDown, R"({"jsonrpc":"2.0","id":2,"result":{"content":[{"type":"text","text":"xxxx)",
                R"(xxxx"}],"structuredContent":{"b":1}}})"},
        {kUp, tool_call("3", "b", "{}")},
        {kDown, R"({"jsonrpc":"2.0","id":3,"result":{"content":[{"type":"text","text":"xxxx)",
                R"(xxxx"}],"structuredContent":{"b":1}}})"}},
       {"s id1 tools/call 2", R"(c id1 {"success": null, "parsed": false})",
        "s id2 tools/call 3", R"(c id2 {"success": null, "parsed": false, "refused_by": "typescript"})"}},
  }, stdio);
}

}  // namespace
}  // namespace mcpr
