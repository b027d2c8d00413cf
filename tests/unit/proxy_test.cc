#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <rapidjson/document.h>

#include "fake_clock.h"
#include "src/proxy/interaction_tracker.h"
#include "proxy_steps.h"
#include "src/proxy/line_splitter.h"
#include "src/proxy/mcp_methods.h"
#include "src/proxy/recording_queue.h"
#include "src/util/failure.h"

namespace mcpr {
namespace {

// "s id1 {payload}" per event; ids are id1, id2, ... in creation order.
std::vector<std::string> track(const std::vector<Step>& steps, TrackerOptions options = {},
                               std::optional<SessionEnd> close_with = std::nullopt) {
  std::vector<std::string> out;
  int made = 0;
  InteractionTracker tracker(
      options,
      [&](ProxyEvent e) {
        out.push_back(std::string(1, action_info(e.action).code) + " " + e.interaction_id + " " +
                      e.payload);
      },
      [&](int64_t) { return "id" + std::to_string(++made); });
  int64_t t = 1000000;
  for (const Step& s : steps) {
    t += 250000;
    tracker.on_line(s.direction, s.line, {1800000000000000 + t, t});
  }
  if (close_with) tracker.close_all(*close_with, "gone", {1800000000000000 + t, t + 1000000});
  return out;
}

TEST(InteractionTrackerTest, RecordsAToolCallFromStartToComplete) {
  auto events = track({
      {kUp, R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-03-26","clientInfo":{"name":"c","version":"1"}}})"},
      {kDown, R"({"jsonrpc":"2.0","id":0,"result":{"protocolVersion":"2025-06-18"}})"},
      {kUp, R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":"secret","n":2}}})"},
      {kDown, R"({"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"x"},{"type":"text","text":"y"}]}})"},
  });
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0],
            "s id1 {\"request_type\": \"tools/call\", \"input_size\": 110, \"parameters\": "
            "[\"message\", \"n\"], \"mcp.method.name\": \"tools/call\", \"gen_ai.tool.name\": "
            "\"echo\", \"jsonrpc.request.id\": 1, \"mcp.protocol.version\": \"2025-06-18\", "
            "\"mcp.client.name\": \"c\", \"mcp.client.version\": \"1\"}");
  EXPECT_EQ(events[1],
            "c id1 {\"success\": true, \"output_size\": 101, \"processing_time\": 0.25, "
            "\"content_count\": 2}");
}

TEST(InteractionTrackerTest, EndingsTable) {
  struct Case {
    const char* name;
    std::vector<Step> steps;
    std::optional<SessionEnd> close_with;
    std::vector<std::string> want;
  };
  // The start of call_1 (68 bytes) or call_s (70: its id a string).
  auto start_a = [](int size) {
    return "s id1 {\"request_type\": \"tools/call\", \"input_size\": " + std::to_string(size) +
           ", \"parameters\": [], \"mcp.method.name\": \"tools/call\", \"gen_ai.tool.name\": "
           "\"a\", \"jsonrpc.request.id\": " + (size == 70 ? "\"1\"}" : "1}");
  };
  const char* call_1 = R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a"}})";
  const char* call_s = R"({"jsonrpc":"2.0","id":"1","method":"tools/call","params":{"name":"a"}})";
  const std::vector<Case> cases = {
      {"json-rpc error",
       {{kUp, call_1}, {kDown, R"({"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"no"}})"}},
       std::nullopt,
       {start_a(68),
        "e id1 {\"error_type\": \"JsonRpcError\", \"error_code\": -32601, \"error_message\": "
        "\"no\", \"output_size\": 63, \"processing_time\": 0.25}"}},
      {"tool error",
       {{kUp, call_1},
        {kDown, R"({"jsonrpc":"2.0","id":1,"result":{"isError":true,"content":[{"type":"text","text":"bad"}]}})"}},
       std::nullopt,
       {start_a(68),
        "e id1 {\"error_type\": \"ToolError\", \"error_message\": \"bad\", \"output_size\": 91, "
        "\"processing_time\": 0.25, \"content_count\": 1}"}},
      {"cancelled",
       {{kUp, call_1},
        {kUp, R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1,"reason":"r"}})"},
        {kDown, R"({"jsonrpc":"2.0","id":1,"result":{}})"}},
       std::nullopt,
       {start_a(68),
        "e id1 {\"error_type\": \"Cancelled\", \"error_message\": \"r\", \"processing_time\": 0.25}"}},
      {"string and number ids differ; client responses never end client requests",
       {{kUp, call_s},
        {kDown, R"({"jsonrpc":"2.0","id":1,"result":{}})"},
        {kUp, R"({"jsonrpc":"2.0","id":"1","result":{}})"}},
       SessionEnd::kServerExited,
       {start_a(70),
        "e id1 {\"error_type\": \"ServerExited\", \"error_message\": \"gone\", "
        "\"processing_time\": 1.5}"}},
      {"progress by token, only while open",
       {{kUp, R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a","_meta":{"progressToken":"t"}}})"},
        {kDown, R"({"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":"t","progress":1,"total":2,"message":"half"}})"},
        {kDown, R"({"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":"other","progress":1}})"},
        {kDown, R"({"jsonrpc":"2.0","id":1,"result":{"content":[]}})"},
        {kDown, R"({"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":"t","progress":2}})"}},
       std::nullopt,
       {"s id1 {\"request_type\": \"tools/call\", \"input_size\": 98, \"parameters\": [], "
        "\"mcp.method.name\": \"tools/call\", \"gen_ai.tool.name\": \"a\", "
        "\"jsonrpc.request.id\": 1}",
        "p id1 {\"progress\": 1, \"total\": 2, \"message\": \"half\"}",
        "c id1 {\"success\": true, \"output_size\": 48, \"processing_time\": 0.75, "
        "\"content_count\": 0}"}},
      {"not json-rpc, other methods, notifications from the server side",
       {{kUp, "not json"},
        {kUp, "{\"id\":1,\"method\":3}"},
        {kUp, R"({"jsonrpc":"2.0","id":2,"method":"tools/list"})"},
        {kDown, R"({"jsonrpc":"2.0","id":5,"method":"roots/list"})"},
        {kDown, R"({"jsonrpc":"2.0","id":2,"result":{}})"}},
       std::nullopt,
       {}},
  };
  for (const Case& c : cases) EXPECT_EQ(track(c.steps, {}, c.close_with), c.want) << c.name;
}

TEST(InteractionTrackerTest, TraceContextAndTransportAttributesGoInTheStart) {
  const char* traced =
      R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a","_meta":{)"
      R"("traceparent":"00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01",)"
      R"("tracestate":"vendor=x"}}})";
  const char* plain = R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"a"}})";
  TrackerOptions options;
  options.start_attributes = {{"network.transport", "pipe"}, {"server.port", int64_t{8080}}};
  auto events = track({{kUp, traced}, {kUp, plain}}, options);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_NE(events[0].find("\"jsonrpc.request.id\": 1, \"traceparent\": "
                           "\"00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01\", "
                           "\"tracestate\": \"vendor=x\", \"network.transport\": \"pipe\", "
                           "\"server.port\": 8080}"),
            std::string::npos)
      << events[0];
  // Without trace context, no member for it; without start attributes (the
  // tracker's default), the body is what it always was.
  EXPECT_EQ(events[1].find("trace"), std::string::npos) << events[1];
  auto bare = track({{kUp, plain}});
  ASSERT_EQ(bare.size(), 1u);
  EXPECT_EQ(bare[0],
            "s id1 {\"request_type\": \"tools/call\", \"input_size\": 68, \"parameters\": [], "
            "\"mcp.method.name\": \"tools/call\", \"gen_ai.tool.name\": \"a\", "
            "\"jsonrpc.request.id\": 2}");
}

TEST(InteractionTrackerTest, BatchesAndCapture) {
  TrackerOptions options;
  options.methods = MethodFilter::parse("all");
  options.capture_arguments = true;
  options.capture_results = true;
  auto events = track({{kUp, R"([{"jsonrpc":"2.0","id":1,"method":"prompts/get","params":{"name":"p","arguments":{"k":"é"}}}])"},
                       {kDown, R"([{"jsonrpc":"2.0","id":1,"result":{"messages":[1]}}])"}},
                      options);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_NE(events[0].find("\"parameters\": {\"k\": \"\\u00e9\"}"), std::string::npos) << events[0];
  EXPECT_NE(events[0].find("\"gen_ai.prompt.name\": \"p\""), std::string::npos) << events[0];
  EXPECT_NE(events[1].find("\"content_count\": 1, \"result\": {\"messages\": [1]}}"),
            std::string::npos)
      << events[1];
}

TEST(InteractionTrackerTest, CapturedValuesJsonCannotCarryAreKeptEscapedAndMarked) {
  TrackerOptions options;
  options.capture_arguments = true;
  options.capture_results = true;
  // Bytes that are not UTF-8, and a lone surrogate: the value stays, its
  // neighbours too, and the event says it holds escaped text.
  const std::string up = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":"
                         "{\"name\":\"a\",\"arguments\":{\"path\":\"/tmp/\xff\xfe\",\"n\":1,"
                         "\"big\":1e400}}}";
  const std::string down =
      R"({"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"party \ud83c"}]}})";
  auto events = track({{kUp, up.c_str()}, {kDown, down.c_str()}}, options);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_NE(events[0].find(R"("escaped": true, "parameters": {"path": "/tmp/\\xff\\xfe", "n": 1, )"
                           R"("big": Infinity}})"),
            std::string::npos)
      << events[0];
  EXPECT_NE(events[1].find(R"("escaped": true, "result": {"content": [{"type": "text", )"
                           R"("text": "party \\ud83c"}]}})"),
            std::string::npos)
      << events[1];
  // Names only: a name that is not UTF-8 is escaped and marked as well.
  const std::string names = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\","
                            "\"params\":{\"name\":\"a\",\"arguments\":{\"k\\u00e9\":1,\"\xc3\":2}}}";
  events = track({{kUp, names.c_str()}});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_NE(events[0].find(R"("parameters": ["k\u00e9", "\\xc3"])"), std::string::npos) << events[0];
  EXPECT_NE(events[0].find(R"(, "escaped": true})"), std::string::npos) << events[0];
  // The params of a method without "arguments", captured: the names too
  // (found by fuzz_tracker: such a name cut the payload's JSON short).
  options.methods = MethodFilter::parse("all");
  const std::string params = "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tasks/get\","
                             "\"params\":{\"task\xffId\":\"T\"}}";
  events = track({{kUp, params.c_str()}}, options);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_NE(events[0].find(R"("escaped": true, "parameters": {"task\\xffId": "T"}})"),
            std::string::npos)
      << events[0];
}

TEST(InteractionTrackerTest, CapturedValuesAreTruncatedToFit) {
  TrackerOptions options;
  options.capture_arguments = true;
  options.max_payload_bytes = 400;
  std::string big(2000, 'q');
  std::string line = R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a","arguments":{"k":")" +
                     big + "\"}}}";
  auto events = track({{kUp, line.c_str()}}, options);
  ASSERT_EQ(events.size(), 1u);
  std::string payload = events[0].substr(6);
  EXPECT_LE(payload.size(), 400u);
  // Cut only as much as it must: plain text fills the room, not a sixth.
  EXPECT_GE(payload.size(), 390u);
  EXPECT_NE(payload.find("\"parameters\": \"{\\\"k\\\": \\\"qqq"), std::string::npos) << payload;
  EXPECT_NE(payload.find(", \"truncated\": true}"), std::string::npos) << payload;
  // Text that escapes six-fold (\u00e9 for each two-byte é) fits too.
  std::string accents;
  for (int i = 0; i < 1000; ++i) accents += "\xc3\xa9";
  line = R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a","arguments":{"k":")" +
         accents + "\"}}}";
  events = track({{kUp, line.c_str()}}, options);
  ASSERT_EQ(events.size(), 1u);
  payload = events[0].substr(6);
  EXPECT_LE(payload.size(), 400u);
  EXPECT_GE(payload.size(), 380u);
  EXPECT_NE(payload.find("\\\\u00e9\\\\u00e9"), std::string::npos) << payload;
}

// A start over the limit would be dropped while its end is recorded (an end
// naming no call): what it records without --capture is cut to fit too.
TEST(InteractionTrackerTest, StartsOverTheLimitAreCutNotDropped) {
  const size_t limit = 1000;
  std::string many_names;
  for (int i = 0; i < 3000; ++i) many_names += (i ? ",\"a" : "\"a") + std::to_string(i) + "\":1";
  const std::string big(5000, 'n');
  std::string accents;  // escaped six-fold
  for (int i = 0; i < 3000; ++i) accents += "\xc3\xa9";
  struct Row {
    const char* name;
    std::string request;
  } rows[] = {
      {"a huge tool name",
       R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":")" + big + R"("}})"},
      {"a tool name that escapes",
       R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":")" + accents + R"("}})"},
      {"thousands of argument names",
       R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{)" +
           many_names + "}}}"},
      {"a huge uri, and a huge string id",
       R"({"jsonrpc":"2.0","id":")" + big + R"(","method":"resources/read","params":{"uri":"data:)" +
           big + R"("}})"},
      {"a huge argument name and trace context",
       R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t","arguments":{")" +
           big + R"(":1},"_meta":{"traceparent":")" + big + R"("}}})"},
  };
  for (bool capture : {false, true}) {
    for (const Row& row : rows) {
      TrackerOptions options;
      options.capture_arguments = capture;
      options.max_payload_bytes = limit;
      const std::string id = row.request[22] == '"' ? "\"" + big + "\"" : "1";
      auto events = track({{kUp, row.request}, {kDown, R"({"jsonrpc":"2.0","id":)" + id +
                                                         R"(,"result":{"content":[]}})"}},
                          options);
      ASSERT_EQ(events.size(), 2u) << row.name;
      const std::string payload = events[0].substr(6);
      EXPECT_EQ(events[0].substr(0, 6), "s id1 ") << row.name;
      EXPECT_LE(payload.size(), limit) << row.name << " " << capture;
      EXPECT_GE(payload.size(), limit / 4) << row.name << " " << capture;  // cut, not emptied
      EXPECT_NE(payload.find("\"truncated\": true"), std::string::npos) << row.name;
      EXPECT_EQ(payload.find("\"truncated\": true"), payload.rfind("\"truncated\": true")) << row.name;
      rapidjson::Document d;
      EXPECT_FALSE(d.Parse(payload.c_str()).HasParseError()) << row.name << " " << payload;
      EXPECT_EQ(events[1].substr(0, 6), "c id1 ") << row.name;
    }
  }
}

TEST(MethodFilterTest, ParsesLists) {
  EXPECT_TRUE(MethodFilter::parse("all").matches("x/y"));
  MethodFilter f = MethodFilter::parse(" tools/call , prompts/get");
  EXPECT_TRUE(f.matches("tools/call"));
  EXPECT_TRUE(f.matches("prompts/get"));
  EXPECT_FALSE(f.matches("resources/read"));
  EXPECT_THROW(MethodFilter::parse(""), Failure);
  EXPECT_THROW(MethodFilter::parse(",,"), Failure);
}

TEST(MethodFilterTest, WarnsAboutNamesNoRevisionDefinesAsAClientRequest) {
  struct Row {
    const char* name;
    const char* want;  // "" when the name is a client request of some revision
  };
  const Row rows[] = {
      {"tools/call", ""},
      {"resources/read", ""},
      {"initialize", ""},                 // 2024-11-05 to 2025-11-25
      {"tasks/result", ""},               // 2025-11-25
      {"tasks/update", ""},               // the 2026-07-28 task extension
      {"subscriptions/listen", ""},       // 2026-07-28
      {"server/discover", ""},
      {"TOOLS/CALL", "no MCP revision defines a request 'TOOLS/CALL' (did you mean tools/call?): "
                     "it is recorded only if the client sends a request of that name"},
      {"myorg/doThing", "no MCP revision defines a request 'myorg/doThing': it is recorded only "
                        "if the client sends a request of that name"},
      {"notifications/initialized",
       "'notifications/initialized' is a notification, not a request: nothing is recorded for "
       "it"},
      {"sampling/createMessage",
       "'sampling/createMessage' is a request from the server to the client; only the "
       "client's requests are recorded"},
  };
  for (const Row& row : rows) EXPECT_EQ(method_warning(row.name), row.want) << row.name;
  MethodFilter f = MethodFilter::parse("tools/call,TOOLS/CALL,notifications/initialized");
  EXPECT_EQ(f.warnings(),
            (std::vector<std::string>{
                "no MCP revision defines a request 'TOOLS/CALL' (did you mean tools/call?): it "
                "is recorded only if the client sends a request of that name",
                "'notifications/initialized' is a notification, not a request: nothing is "
                "recorded for it"}));
  EXPECT_TRUE(MethodFilter::parse("all").warnings().empty());
}

std::vector<std::string> split(const std::vector<std::string>& chunks, size_t max_line,
                               size_t* skipped = nullptr) {
  LineSplitter splitter(max_line);
  std::vector<std::string> out;
  for (const std::string& c : chunks)
    splitter.feed(c, [&](std::string_view line) { out.emplace_back(line); });
  if (skipped) *skipped = splitter.skipped();
  return out;
}

TEST(LineSplitterTest, JoinsChunksAndSkipsLongLines) {
  using V = std::vector<std::string>;
  EXPECT_EQ(split({"a\nb", "c\r\n\nd"}, 100), (V{"a", "bc"}));
  EXPECT_EQ(split({"ab", "cd", "ef\n"}, 100), (V{"abcdef"}));
  size_t skipped = 0;
  // 10 bytes and more are too long, whether in one chunk or across several.
  EXPECT_EQ(split({"0123456789\nok\n"}, 10, &skipped), (V{"ok"}));
  EXPECT_EQ(skipped, 1u);
  EXPECT_EQ(split({"01234", "56789", "abc", "\nok\n"}, 10, &skipped), (V{"ok"}));
  EXPECT_EQ(skipped, 1u);
  EXPECT_EQ(split({"01234", "56789\n", "x\n"}, 10, &skipped), (V{"x"}));
  EXPECT_EQ(skipped, 1u);
  EXPECT_EQ(split({"012345678\n"}, 10, &skipped), (V{"012345678"}));
  EXPECT_EQ(skipped, 0u);
}

TEST(LineSplitterTest, LongLinesKeepTheirEdges) {
  LineSplitter splitter(1000);
  std::vector<std::string> got;
  auto on_line = [&](std::string_view l) { got.emplace_back(l); };
  auto on_long = [&](std::string_view head, std::string_view tail, size_t size) {
    got.push_back(std::string(head.substr(0, 3)) + "..." +
                  std::string(tail.substr(tail.size() - 3)) + " " + std::to_string(head.size()) +
                  "/" + std::to_string(tail.size()) + "/" + std::to_string(size));
  };
  std::string big = "<" + std::string(3000, 'x') + ">";
  splitter.feed("a\n" + big.substr(0, 100), on_line, on_long);
  splitter.feed(big.substr(100, 2000), on_line, on_long);
  splitter.feed(big.substr(2100) + "\r\nb\n", on_line, on_long);
  splitter.feed(big + "\n", on_line, on_long);
  EXPECT_EQ(got, (std::vector<std::string>{"a", "<xx...xx> 512/512/3002", "b",
                                           "<xx...xx> 512/512/3002"}));
}

// What is left at the end of a stream without its newline: the line so
// far, or a long line's edges and size.
TEST(LineSplitterTest, TheUnfinishedLineKeepsItsEdges) {
  LineSplitter splitter(1000);
  std::string_view head, tail;
  size_t size = 0;
  splitter.feed("a\nbc", [](std::string_view) {});
  ASSERT_TRUE(splitter.unfinished(&head, &tail, &size));
  EXPECT_EQ(std::string(head) + "|" + std::string(tail) + "|" + std::to_string(size), "bc||2");
  const std::string big = "<" + std::string(3000, 'x') + ">";
  splitter.feed("\n" + big, [](std::string_view) {});
  ASSERT_TRUE(splitter.unfinished(&head, &tail, &size));
  EXPECT_EQ(head.front() + std::to_string(head.size()) + "/" + tail.back() +
                std::to_string(tail.size()) + "/" + std::to_string(size),
            "<512/>512/3002");
  splitter.feed("\n", [](std::string_view) {});
  EXPECT_FALSE(splitter.unfinished(&head, &tail, &size));
}

// A client's last line without its newline, at the end of its input: the
// Python SDK's server reads it (readline() returns it at EOF), the
// TypeScript SDK's never does (its ReadBuffer waits for the newline). It is
// a call, refused by typescript; a long one is read by its ends.
TEST(InteractionTrackerTest, AClientsLastLineWithoutNewlineIsRefusedByTypescript) {
  const std::string call =
      R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{}}})";
  struct Row {
    std::string head, tail;
    size_t size;
    std::vector<std::string> want;  // each event's start, in order
    uint64_t unreadable;
  } rows[] = {
      {call, "", call.size(),
       {"s {\"request_type\": \"tools/call\", \"input_size\": 86, ",
        "c {\"success\": true"}, 0},
      {R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"m":")",
       R"("}}})", 11u << 20,
       {"s {\"request_type\": \"tools/call\", \"input_size\": 11534336, ",
        "c {\"success\": true"}, 0},
      {"not json", "", 8, {}, 1},
      {"  ", "", 2, {}, 0},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.head);
    std::vector<std::string> out;
    InteractionTracker tracker(TrackerOptions{}, [&](ProxyEvent e) {
      out.push_back(std::string(1, action_info(e.action).code) + " " + e.payload);
    });
    tracker.on_last_client_line(row.head, row.tail, row.size, {1800000000000000, 1000000});
    tracker.on_line(kDown, R"({"jsonrpc":"2.0","id":1,"result":{"content":[]}})",
                    {1800000000500000, 1500000});
    EXPECT_EQ(tracker.unreadable_lines(), row.unreadable);
    ASSERT_EQ(out.size(), row.want.size());
    for (size_t i = 0; i < out.size(); ++i) EXPECT_EQ(out[i].substr(0, row.want[i].size()), row.want[i]);
    if (!out.empty()) {
      EXPECT_NE(out[0].find("\"refused_by\": \"typescript\""), std::string::npos) << out[0];
    }
  }
  // The same line with its newline is a call both SDKs read.
  std::vector<std::string> out;
  InteractionTracker tracker(TrackerOptions{}, [&](ProxyEvent e) { out.push_back(e.payload); });
  tracker.on_line(kUp, call, {1800000000000000, 1000000});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].find("refused_by"), std::string::npos);
}

TEST(InteractionTrackerTest, LongAnswersEndTheirRequestByTheIdAtEitherEnd) {
  for (const char* edge : {R"({"jsonrpc":"2.0","id":"r-1","result":{"content":[)",
                           R"(]}, "jsonrpc": "2.0", "id": "r-1"})"}) {
    std::vector<std::string> out;
    InteractionTracker tracker({}, [&](ProxyEvent e) { out.push_back(e.payload); },
                               [](int64_t) { return "i"; });
    tracker.on_line(kUp, R"({"jsonrpc":"2.0","id":"r-1","method":"tools/call","params":{"name":"a"}})",
                    {0, 0});
    const bool at_start = edge[0] == '{';
    tracker.on_long_line(kDown, at_start ? edge : "{\"result\":{", at_start ? "]}}" : edge,
                         20000000, {0, 500000});
    tracker.on_long_line(kDown, "{\"id\":\"r-1\"", "}", 5, {0, 600000});  // no longer open
    ASSERT_EQ(out.size(), 2u) << edge;
    // Whether the tool failed (isError) the ends do not show.
    EXPECT_EQ(out[1], "{\"success\": null, \"output_size\": 20000000, \"processing_time\": 0.5, "
                      "\"parsed\": false}");
  }
}

ProxyEvent event(const std::string& payload) { return {Action::kStart, "i", payload, 0}; }

TEST(RecordingQueueTest, DropsWhenFullAndCountsFailedWrites) {
  std::atomic<bool> release{false};
  std::vector<std::string> written;
  RecordingQueue queue(2, 1 << 20, [&](const ProxyEvent& e) {
    while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    if (e.payload == "bad") throw std::runtime_error("disk on fire");
    written.push_back(e.payload);
  });
  // The writer holds at most one event while blocked, so of five pushes at
  // least two are refused whatever the timing, and none waits.
  int refused = 0;
  for (const char* p : {"a", "bad", "c", "d", "e"}) refused += queue.push(event(p)) ? 0 : 1;
  EXPECT_GE(refused, 2);
  release = true;
  EXPECT_TRUE(queue.finish(std::chrono::milliseconds::max()));
  EXPECT_EQ(queue.consumed() + queue.dropped(), 5u);
  EXPECT_EQ(queue.consumed(), written.size());
  EXPECT_FALSE(queue.push(event("late")));
}

// An interaction whose start the queue refused gets no later event either:
// an end without its start names no call.
TEST(RecordingQueueTest, TheSinkDropsTheRestOfAnInteractionWhoseStartWasRefused) {
  std::vector<std::string> written;
  // 16 bytes at most: a larger payload is refused whatever the timing.
  RecordingQueue queue(100, 16, [&](const ProxyEvent& e) {
    written.push_back(e.interaction_id + " " + e.payload);
  });
  InteractionTracker::Sink sink = queue_sink(&queue);
  sink({Action::kStart, "big", std::string(40, 'x'), 0});
  sink({Action::kStart, "ok", "s", 0});
  sink({Action::kProgress, "big", "p", 0});
  sink({Action::kComplete, "big", "c", 0});
  sink({Action::kComplete, "ok", "c", 0});
  sink({Action::kProgress, "big", "after its end: not its any more", 0});
  EXPECT_TRUE(queue.finish(std::chrono::milliseconds::max()));
  EXPECT_EQ(written, (std::vector<std::string>{"ok s", "ok c"}));
  EXPECT_EQ(queue.dropped(), 4u);
}

// The same when the spool could not write a start (a full disk, a while:
// review proxy-stdio-r3 F2): its later events are dropped and counted, in
// the runs after too, once space is back; an end forgets its interaction.
TEST(RecordingQueueTest, AStartTheSpoolCouldNotWriteTakesItsLaterEventsWithIt) {
  bool disk_full = true;
  std::vector<std::string> written;
  RecordingQueue::ConsumeRun consume = started_only(
      [&](std::vector<ProxyEvent>& run, std::string& error, std::vector<bool>& done) {
        if (disk_full) {
          error = "No space left on device";
          return;
        }
        for (size_t i = 0; i < run.size(); ++i) {
          written.push_back(run[i].interaction_id + " " + run[i].payload);
          done[i] = true;
        }
      });
  struct Row {
    const char* what;
    bool disk_full;
    std::vector<ProxyEvent> run;
    size_t done;  // what the queue counts as consumed; the rest as dropped
  };
  const Row rows[] = {
      {"the disk is full: a's and b's starts fail",
       true, {{Action::kStart, "a", "s", 0}, {Action::kStart, "b", "s", 0}}, 0},
      {"space is back: a's and b's later events go, c is written whole",
       false,
       {{Action::kProgress, "a", "p", 0},
        {Action::kStart, "c", "s", 0},
        {Action::kComplete, "a", "c", 0},
        {Action::kError, "b", "e", 0},
        {Action::kComplete, "c", "c", 0}},
       2},
      {"full again: d starts and ends in the failed run",
       true, {{Action::kStart, "d", "s", 0}, {Action::kComplete, "d", "c", 0}}, 0},
      {"after their ends, a, b and d are forgotten",
       false,
       {{Action::kProgress, "a", "late", 0},
        {Action::kProgress, "b", "late", 0},
        {Action::kProgress, "d", "late", 0}},
       3},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.what);
    disk_full = row.disk_full;
    std::vector<ProxyEvent> run = row.run;
    std::string error;
    EXPECT_EQ(consume(run, error), row.done);
    EXPECT_EQ(error.empty(), !row.disk_full);
  }
  EXPECT_EQ(written, (std::vector<std::string>{"c s", "c c", "a late", "b late", "d late"}));
}

// A flood of progress never takes the room of an interaction's end (review
// F18): progress is refused once a quarter of the queue is left, and counted.
TEST(RecordingQueueTest, ProgressLeavesRoomForTheEnd) {
  std::atomic<bool> release{false};
  std::vector<std::string> written;
  RecordingQueue queue(8, 1 << 20, [&](const ProxyEvent& e) {
    while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    written.push_back(e.payload);
  });
  InteractionTracker::Sink sink = queue_sink(&queue);
  sink({Action::kStart, "a", "start", 0});
  for (int i = 0; i < 20; ++i) sink({Action::kProgress, "a", "p", 0});
  sink({Action::kComplete, "a", "end", 0});
  release = true;
  EXPECT_TRUE(queue.finish(std::chrono::milliseconds::max()));
  ASSERT_FALSE(written.empty());
  EXPECT_EQ(written.front(), "start");
  EXPECT_EQ(written.back(), "end");
  EXPECT_EQ(queue.consumed() + queue.dropped(), 22u);
}

// The tracker's line queue under a flood (review F18): a server's line
// that can only be detail (a notification, a request of its own) is told
// apart by its first bytes, without a parse of the whole, and refused first.
TEST(InteractionTrackerTest, OnlyDetailLinesAreThoseThatEndNoCall) {
  const std::string big(4096, 'x');
  const struct {
    const char* what;
    std::string line;
    bool detail;
  } rows[] = {
      {"progress", R"({"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":1,"progress":5}})", true},
      {"a log message", R"({"method":"notifications/message","params":{"level":"info"},"jsonrpc":"2.0"})", true},
      {"a request of the server's", R"({"jsonrpc":"2.0","id":9,"method":"sampling/createMessage","params":{}})", true},
      {"progress whose params run past the head",
       R"({"jsonrpc":"2.0","method":"notifications/progress","params":{"message":")" + big + R"("}})", true},
      {"an answer", R"({"jsonrpc":"2.0","id":1,"result":{"content":[]}})", false},
      {"an answer that speaks of progress",
       R"({"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":""method":"notifications/progress""}]}})", false},
      {"an error", R"({"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"no"}})", false},
      {"a task's status, which may end it",
       R"({"jsonrpc":"2.0","method":"notifications/tasks/status","params":{"taskId":"t","status":"completed"}})", false},
      {"the 2025-11-25 spelling", R"({"jsonrpc":"2.0","method":"notifications/tasks","params":{}})", false},
      {"cancelled, which ends a subscription", R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":3}})", false},
      {"a method only past the head", R"({"jsonrpc":"2.0","params":{"message":")" + big + R"("},"method":"notifications/progress"})", false},
      {"a method that is no string", R"({"jsonrpc":"2.0","method":7})", false},
      {"a batch", R"([{"jsonrpc":"2.0","method":"notifications/progress","params":{}}])", false},
      {"no JSON", "hello", false},
  };
  for (const auto& row : rows) EXPECT_EQ(only_detail(row.line), row.detail) << row.what;
}

// Detail is refused once only a quarter of the room is left, counted apart
// (not looked at, its loss no call's), and the rest stays for the others.
TEST(RecordingQueueTest, DetailLeavesRoomForTheRestAndIsCountedApart) {
  std::atomic<bool> release{false};
  std::vector<std::string> taken;
  RecordingQueue queue(8, 1 << 20, [&](const ProxyEvent& e) {
    while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    taken.push_back(e.payload);
  });
  // The consumer holds its first run; 8 wait at most, 6 of them detail.
  ASSERT_TRUE(queue.push({Action::kStart, "a", "first", 0}));
  for (int i = 0; i < 20; ++i) queue.push({Action::kProgress, "a", "p", 0}, true, true);
  EXPECT_TRUE(queue.crowded());
  EXPECT_TRUE(queue.push({Action::kComplete, "a", "end", 0}));
  EXPECT_TRUE(queue.push({Action::kComplete, "b", "end b", 0}));
  release = true;
  EXPECT_TRUE(queue.finish(std::chrono::milliseconds::max()));
  ASSERT_GE(taken.size(), 3u);
  EXPECT_EQ(taken[taken.size() - 2], "end");
  EXPECT_EQ(taken.back(), "end b");
  EXPECT_GT(queue.dropped_expendable(), 0u);
  EXPECT_EQ(queue.dropped_expendable(), queue.dropped());
  EXPECT_FALSE(queue.crowded());
}

TEST(RecordingQueueTest, RunsHandOverWhatQueuedUpAndCountPartialFailures) {
  std::atomic<bool> release{false};
  std::vector<size_t> runs;
  RecordingQueue queue(100, 1 << 20,
                       RecordingQueue::ConsumeRun([&](std::vector<ProxyEvent>& run,
                                                      std::string& error) -> size_t {
                         while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
                         runs.push_back(run.size());
                         if (run.size() > 1) {
                           error = "one did not fit";
                           return run.size() - 1;
                         }
                         return run.size();
                       }));
  // The writer takes what is queued when it wakes and blocks; what is
  // pushed meanwhile comes as one second run.
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(queue.push(event(std::to_string(i))));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  release = true;
  EXPECT_TRUE(queue.finish(std::chrono::milliseconds::max()));
  size_t total = 0;
  for (size_t n : runs) total += n;
  EXPECT_EQ(total, 10u);
  EXPECT_LE(runs.size(), 2u);
  EXPECT_EQ(queue.consumed() + queue.dropped(), 10u);
  size_t multi = 0;
  for (size_t n : runs) multi += n > 1 ? 1 : 0;
  EXPECT_GE(multi, 1u);
  EXPECT_EQ(queue.dropped(), multi);
  EXPECT_EQ(queue.first_error(), "one did not fit");
}

TEST(RecordingQueueTest, AGatheringWriterTakesTheBurstInOneRunAndFinishEndsTheWait) {
  std::vector<size_t> runs;
  FakeClock clock;
  // A gather of an hour that never passes: only finish() can end it (a
  // hang here is the failure).
  RecordingQueue queue(100, 1 << 20,
                       RecordingQueue::ConsumeRun([&](std::vector<ProxyEvent>& run,
                                                      std::string&) -> size_t {
                         runs.push_back(run.size());
                         return run.size();
                       }),
                       std::chrono::hours(1), std::chrono::milliseconds(0), clock);
  ASSERT_TRUE(queue.push(event("a")));
  ASSERT_TRUE(clock.await_waiting_threads(1));  // the writer gathers
  ASSERT_TRUE(queue.push(event("b")));
  ASSERT_TRUE(queue.push(event("c")));
  EXPECT_TRUE(queue.finish(std::chrono::milliseconds::max()));
  EXPECT_EQ(runs, std::vector<size_t>{3});
  EXPECT_EQ(queue.consumed(), 3u);
}

// Waits (at most 5 s) until `queue` has consumed `n` items.
bool consumed_within(const RecordingQueue& queue, uint64_t n) {
  for (int i = 0; i < 500 && queue.consumed() < n; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return queue.consumed() >= n;
}

TEST(RecordingQueueTest, APollingConsumerIsWokenOnlyWhenIdleOrARunIsFull) {
  FakeClock clock;
  std::vector<size_t> runs;
  RecordingQueue queue(1000, 1 << 20,
                       RecordingQueue::ConsumeRun([&](std::vector<ProxyEvent>& run,
                                                      std::string&) -> size_t {
                         runs.push_back(run.size());
                         return run.size();
                       }),
                       std::chrono::milliseconds(0), std::chrono::milliseconds(1500), clock);
  // Idle: the first push wakes it.
  ASSERT_TRUE(queue.push(event("first")));
  ASSERT_TRUE(consumed_within(queue, 1));
  // Busy (within its poll): pushes do not wake it; it takes them together
  // when it looks again, once its poll has passed.
  ASSERT_TRUE(clock.await_waiting_threads(1));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(queue.push(event("busy")));
  EXPECT_EQ(queue.consumed(), 1u);
  clock.advance(1.5);
  ASSERT_TRUE(consumed_within(queue, 6));
  EXPECT_EQ(runs, (std::vector<size_t>{1, 5}));
  // Idle again after a quiet poll: a push must wake it (it would never look).
  ASSERT_TRUE(clock.await_waiting_threads(1));
  clock.advance(1.5);
  ASSERT_TRUE(clock.await_waiting_threads(0));  // no longer polling: it waits for a push
  ASSERT_TRUE(queue.push(event("after a quiet spell")));
  EXPECT_TRUE(consumed_within(queue, 7));
  EXPECT_TRUE(queue.finish(std::chrono::milliseconds::max()));
}

TEST(RecordingQueueTest, AFullRunWakesAPollingConsumerBeforeItsPollEnds) {
  // A poll of an hour: only a full run's wake-up gets the items taken.
  RecordingQueue queue(1000, 1 << 20, [](const ProxyEvent&) {}, std::chrono::hours(1));
  ASSERT_TRUE(queue.push(event("first")));
  ASSERT_TRUE(consumed_within(queue, 1));
  for (size_t i = 0; i < RecordingQueue::kMaxRun - 1; ++i) ASSERT_TRUE(queue.push(event("run")));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(queue.consumed(), 1u);  // not woken yet: it is within its poll
  ASSERT_TRUE(queue.push(event("the run's last")));
  EXPECT_TRUE(consumed_within(queue, 1 + RecordingQueue::kMaxRun));
  EXPECT_TRUE(queue.finish(std::chrono::milliseconds::max()));
}

TEST(RecordingQueueTest, ByteBoundAndFirstError) {
  RecordingQueue queue(100, 5, [](const ProxyEvent& e) {
    if (e.payload == "no") throw std::runtime_error("spool is full");
  });
  EXPECT_FALSE(queue.push(event("toolong")));
  EXPECT_TRUE(queue.push(event("no")));
  EXPECT_TRUE(queue.finish(std::chrono::milliseconds::max()));
  EXPECT_EQ(queue.dropped(), 2u);
  EXPECT_EQ(queue.first_error(), "spool is full");
}


// A client's request cut short by the server's end is known by its start:
// a call when that shows a method (its id only when it shows it too).
TEST(InteractionTrackerTest, ARequestCutShortIsTheCallTheServerEndedOn) {
  const std::string x(600, 'x');
  struct Row {
    std::string head;
    const char* start;  // what its start says of its id, "" for no start
    uint64_t unreadable;
  } rows[] = {
      {R"({"method":"tools/call","params":{"name":"echo","arguments":{"m":")" + x, "none", 0},
      {R"({"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"echo","arguments":{"m":")" + x,
       "\"jsonrpc.request.id\": 7", 0},
      {R"({"method":"notifications/message","params":{"data":")" + x, "", 1},
      {R"({"params":{"name":"echo","arguments":{"m":")" + x, "", 1},
      {"not json " + x, "", 1},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.head.substr(0, 40));
    std::vector<ProxyEvent> out;
    InteractionTracker tracker(TrackerOptions{}, [&](ProxyEvent e) { out.push_back(std::move(e)); });
    tracker.on_cut_request(row.head, 11u << 20, {1800000000000000, 1000000});
    tracker.close_all(SessionEnd::kServerExited, "the server exited with status 0 before the response",
                      {1800000000500000, 1500000});
    EXPECT_EQ(tracker.unreadable_lines(), row.unreadable);
    if (!*row.start) {
      EXPECT_TRUE(out.empty());
      continue;
    }
    ASSERT_EQ(out.size(), 2u);
    EXPECT_NE(out[0].payload.find("\"gen_ai.tool.name\": \"echo\""), std::string::npos);
    EXPECT_NE(out[0].payload.find("\"parsed\": false"), std::string::npos);
    if (std::string(row.start) == "none")
      EXPECT_EQ(out[0].payload.find("jsonrpc.request.id"), std::string::npos) << out[0].payload;
    else
      EXPECT_NE(out[0].payload.find(row.start), std::string::npos) << out[0].payload;
    EXPECT_NE(out[1].payload.find("\"error_type\": \"ServerExited\""), std::string::npos);
  }
}

}  // namespace
}  // namespace mcpr
