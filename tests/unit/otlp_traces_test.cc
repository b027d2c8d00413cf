// Spans by the MCP semantic conventions (man page OPENTELEMETRY SINK): a
// whole request compared exactly, then names, errors and attributes by table.
#include <gtest/gtest.h>

#include <string>

#include "src/delivery/mcp_conventions.h"
#include "src/delivery/otlp_traces.h"

namespace mcpr {
namespace {

std::string body(const char* action, const char* ts, const char* member, const std::string& data,
                 const char* iid = "int_1_a", const char* mcp_id = "m1") {
  return std::string("{\"action\":\"") + action + "\",\"interaction_id\":\"" + iid +
         "\",\"mcp_id\":\"" + mcp_id + "\",\"timestamp\":" + ts + ",\"" + member + "\":" + data +
         "}";
}

OtlpEvent parsed(const std::string& text) {
  OtlpEvent e;
  std::string error;
  EXPECT_TRUE(e.parse(text, &error)) << error << ": " << text;
  return e;
}

OtlpEvent start(const std::string& data, const char* ts = "1764000000.123456") {
  return parsed(body("interaction_start", ts, "request_data", data));
}

OtlpEvent complete(const std::string& data, const char* ts = "1764000002.5") {
  return parsed(body("interaction_complete", ts, "result_data", data));
}

OtlpEvent error(const std::string& data, const char* ts = "1764000002.5") {
  return parsed(body("interaction_error", ts, "error_data", data));
}

// The one span of a request with one interaction.
std::string span_of(const OtlpEvent* begin, const OtlpEvent& end) {
  OtlpTracesEncoder encoder({"", "v", {}});
  EXPECT_TRUE(encoder.add(begin, end, span_ids_of(end.summary, begin)));
  const std::string json = encoder.finish();
  const size_t at = json.find("\"spans\":[");
  return json.substr(at + 9, json.size() - at - 9 - 6);
}

TEST(OtlpTracesTest, AToolCallIsOneServerSpanOfTheWholeRequest) {
  const OtlpEvent begin = start(
      "{\"request_type\":\"tools/call\",\"mcp.method.name\":\"tools/call\","
      "\"gen_ai.tool.name\":\"get-weather\",\"jsonrpc.request.id\":\"3\","
      "\"mcp.protocol.version\":\"2025-06-18\",\"network.transport\":\"pipe\","
      "\"mcp.client.name\":\"claude\",\"traceparent\":"
      "\"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\","
      "\"tracestate\":\"rojo=00f067aa0ba902b7\"}");
  const OtlpEvent end = complete("{\"success\":true,\"processing_time\":2.376544}");
  OtlpTracesEncoder encoder({"host-a", "0.1.0", {}});
  const SpanIds ids = span_ids_of(end.summary, &begin);
  ASSERT_TRUE(encoder.add(&begin, end, ids));
  EXPECT_EQ(encoder.size(), 1u);
  EXPECT_EQ(encoder.finish(),
            "{\"resourceSpans\":[{\"resource\":{\"attributes\":["
            "{\"key\":\"service.name\",\"value\":{\"stringValue\":\"m1\"}},"
            "{\"key\":\"host.name\",\"value\":{\"stringValue\":\"host-a\"}}]},"
            "\"schemaUrl\":\"https://opentelemetry.io/schemas/1.41.0\","
            "\"scopeSpans\":[{\"scope\":{\"name\":\"mcp-report\",\"version\":\"0.1.0\"},"
            "\"schemaUrl\":\"https://opentelemetry.io/schemas/1.41.0\",\"spans\":[{\"traceId\":\"4bf92f3577b34da6a3ce929d0e0e4736\",\"spanId\":\"" +
                ids.span_id +
                "\",\"traceState\":\"rojo=00f067aa0ba902b7\","
                "\"parentSpanId\":\"00f067aa0ba902b7\",\"flags\":769,"
                "\"name\":\"tools/call get-weather\",\"kind\":2,"
                "\"startTimeUnixNano\":\"1764000000123456000\","
                "\"endTimeUnixNano\":\"1764000002500000000\",\"attributes\":["
                "{\"key\":\"mcp.method.name\",\"value\":{\"stringValue\":\"tools/call\"}},"
                "{\"key\":\"gen_ai.tool.name\",\"value\":{\"stringValue\":\"get-weather\"}},"
                "{\"key\":\"jsonrpc.request.id\",\"value\":{\"stringValue\":\"3\"}},"
                "{\"key\":\"mcp.protocol.version\",\"value\":{\"stringValue\":\"2025-06-18\"}},"
                "{\"key\":\"network.transport\",\"value\":{\"stringValue\":\"pipe\"}},"
                "{\"key\":\"mcp_report.client.name\",\"value\":{\"stringValue\":\"claude\"}},"
                "{\"key\":\"gen_ai.operation.name\",\"value\":{\"stringValue\":\"execute_tool\"}},"
                "{\"key\":\"mcp_report.interaction.id\",\"value\":{\"stringValue\":\"int_1_a\"}}"
                "]}]}]}]}");
}

TEST(OtlpTracesTest, ACallerThatDidNotSampleGetsNoSpan) {
  // Flags 00: the caller's span was never recorded, so ours would hang from
  // nothing; a ParentBased sampler drops it, and so do we.
  const OtlpEvent unsampled =
      start("{\"traceparent\":\"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00\"}");
  const OtlpEvent end = complete("{}");
  OtlpTracesEncoder encoder({"", "v", {}});
  EXPECT_FALSE(encoder.add(&unsampled, end, span_ids_of(end.summary, &unsampled)));
  EXPECT_EQ(encoder.size(), 0u);
  const OtlpEvent sampled =
      start("{\"traceparent\":\"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\"}");
  EXPECT_TRUE(encoder.add(&sampled, end, span_ids_of(end.summary, &sampled)));
  EXPECT_EQ(encoder.size(), 1u);
}

TEST(OtlpTracesTest, WithoutACallerTheSpanIsTheRootOfItsOwnTrace) {
  const OtlpEvent begin = start("{\"request_type\":\"search\"}");
  const std::string span = span_of(&begin, complete("{}"));
  const SpanIds own = span_ids("m1", "int_1_a", {}, {}, begin.summary.timestamp_us);
  EXPECT_NE(span.find("\"traceId\":\"" + own.trace_id + "\",\"spanId\":\"" + own.span_id +
                      "\",\"flags\":257,\"name\":\"search\""),
            std::string::npos)
      << span;
  EXPECT_EQ(span.find("parentSpanId"), std::string::npos);
  EXPECT_EQ(span.find("status"), std::string::npos);  // UNSET for a success
}

TEST(OtlpTracesTest, AttributeValuesAndTheNameAreCutToTheLengthLimitInCharacters) {
  const OtlpEvent begin = start(
      "{\"mcp.method.name\":\"tools/call\",\"gen_ai.tool.name\":\"\u00f1ame-of-a-long-tool\"}");
  const OtlpEvent end = complete("{}");
  OtlpTracesEncoder encoder({"", "v", {}}, 12);
  ASSERT_TRUE(encoder.add(&begin, end, span_ids_of(end.summary, &begin)));
  const std::string json = encoder.finish();
  EXPECT_NE(json.find("\"name\":\"tools/call \u00f1\""), std::string::npos) << json;
  EXPECT_NE(json.find("{\"key\":\"gen_ai.tool.name\",\"value\":{\"stringValue\":"
                      "\"\u00f1ame-of-a-lo\"}}"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find("{\"key\":\"mcp.method.name\",\"value\":{\"stringValue\":\"tools/call\"}}"),
            std::string::npos);
  // No limit (the default): as recorded.
  OtlpTracesEncoder unlimited({"", "v", {}});
  ASSERT_TRUE(unlimited.add(&begin, end, span_ids_of(end.summary, &begin)));
  EXPECT_NE(unlimited.finish().find("\"\u00f1ame-of-a-long-tool\""), std::string::npos);
}

TEST(OtlpTracesTest, AnMcpRequestIsServerAndARecordingCommandsJobInternal) {
  // SERVER: "server-side handling of a synchronous RPC or other remote
  // request" (trace.proto), what an MCP request is; a job that run wraps,
  // or a shell wrapper's start, is work of its own: INTERNAL.
  const std::pair<const char*, const char*> cases[] = {
      {"{\"mcp.method.name\":\"tools/call\",\"gen_ai.tool.name\":\"t\"}", "\"kind\":2"},
      {"{\"mcp.method.name\":\"initialize\"}", "\"kind\":2"},
      {"{\"request_type\":\"nightly\"}", "\"kind\":1"},
      {"{}", "\"kind\":1"},
      {"{\"request_type\":\"x\",\"traceparent\":"
       "\"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\"}",
       "\"kind\":1"},
  };
  for (const auto& [data, kind] : cases) {
    const OtlpEvent begin = start(data);
    EXPECT_NE(span_of(&begin, complete("{}")).find(kind), std::string::npos) << data;
  }
}

TEST(OtlpTracesTest, CapturedArgumentsAndResultsAreTheOptInToolCallAttributes) {
  const std::string tool = "\"mcp.method.name\":\"tools/call\",\"gen_ai.tool.name\":\"t\"";
  const std::string arguments =
      "{\"key\":\"gen_ai.tool.call.arguments\",\"value\":{\"kvlistValue\":{\"values\":["
      "{\"key\":\"city\",\"value\":{\"stringValue\":\"Paris\"}}]}}}";
  const std::string result =
      "{\"key\":\"gen_ai.tool.call.result\",\"value\":{\"kvlistValue\":{\"values\":["
      "{\"key\":\"isError\",\"value\":{\"boolValue\":false}}]}}}";
  const struct {
    std::string start, end;
    bool error, has_arguments, has_result;
  } cases[] = {
      // proxy --capture arguments,results: the values
      {"{" + tool + ",\"parameters\":{\"city\":\"Paris\"}}",
       "{\"success\":true,\"result\":{\"isError\":false}}", false, true, true},
      // not captured: only the argument names, no result
      {"{" + tool + ",\"parameters\":[\"city\"]}", "{\"success\":true}", false, false, false},
      // a failed call has no result to show
      {"{" + tool + ",\"parameters\":{\"city\":\"Paris\"}}",
       "{\"error_type\":\"ToolError\",\"result\":{\"isError\":false}}", true, true, false},
      // not a tool call
      {"{\"mcp.method.name\":\"prompts/get\",\"gen_ai.prompt.name\":\"p\","
       "\"parameters\":{\"city\":\"Paris\"}}",
       "{\"success\":true,\"result\":{\"isError\":false}}", false, false, false},
  };
  for (const auto& c : cases) {
    const OtlpEvent begin = start(c.start);
    const std::string span = span_of(&begin, c.error ? error(c.end) : complete(c.end));
    EXPECT_EQ(span.find(arguments) != std::string::npos, c.has_arguments) << span;
    EXPECT_EQ(span.find(result) != std::string::npos, c.has_result) << span;
  }
}

// Text written escaped (proxy --capture, "escaped": true in the event's
// data) is marked on the span as on the log record's body.
TEST(OtlpTracesTest, EscapedCapturedTextIsMarkedOnTheSpan) {
  const std::string mark = "{\"key\":\"mcp_report.escaped\",\"value\":{\"boolValue\":true}}";
  const std::string tool = "\"mcp.method.name\":\"tools/call\",\"gen_ai.tool.name\":\"t\"";
  const struct {
    std::string start, end;
    bool marked;
  } cases[] = {
      {"{" + tool + ",\"parameters\":{\"m\":\"bad \\\\xff\"},\"escaped\":true}", "{\"success\":true}",
       true},
      {"{" + tool + "}", "{\"success\":true,\"result\":{\"t\":\"\\\\xff\"},\"escaped\":true}", true},
      {"{" + tool + ",\"parameters\":{\"m\":\"\\\\xff\"}}", "{\"success\":true}", false},
      {"{" + tool + ",\"escaped\":false}", "{\"success\":true}", false},
  };
  for (const auto& c : cases) {
    const OtlpEvent begin = start(c.start);
    const std::string span = span_of(&begin, complete(c.end));
    EXPECT_EQ(span.find(mark) != std::string::npos, c.marked) << span;
  }
}

TEST(OtlpTracesTest, Names) {
  const std::pair<const char*, const char*> cases[] = {
      {"{\"mcp.method.name\":\"tools/call\",\"gen_ai.tool.name\":\"search\"}", "tools/call search"},
      {"{\"mcp.method.name\":\"prompts/get\",\"gen_ai.prompt.name\":\"review\"}",
       "prompts/get review"},
      // a resource's uri is high-cardinality: never in the name
      {"{\"mcp.method.name\":\"resources/read\",\"mcp.resource.uri\":\"file:///a\"}",
       "resources/read"},
      {"{\"mcp.method.name\":\"tools/list\",\"request_type\":\"tools/list\"}", "tools/list"},
      {"{\"request_type\":\"search\",\"gen_ai.tool.name\":\"x\"}", "search"},
      {"{\"mcp.method.name\":7,\"request_type\":\"job\"}", "job"},
      {"{}", "interaction"},
  };
  for (const auto& [data, name] : cases) {
    rapidjson::Document d;
    d.Parse(data);
    EXPECT_EQ(span_name(&d), name) << data;
  }
  EXPECT_EQ(span_name(nullptr), "interaction");
}

TEST(OtlpTracesTest, ErrorsByTheConventions) {
  struct Case {
    const char* data;
    const char* type;
    const char* status_code;
    const char* message;
  } cases[] = {
      {"{\"error_type\":\"JsonRpcError\",\"error_code\":-32602,\"error_message\":\"bad args\"}",
       "-32602", "-32602", "bad args"},
      {"{\"error_type\":\"ToolError\",\"error_message\":\"city not found\"}", "tool_error", "",
       "city not found"},
      {"{\"error_type\":\"ExitStatus\",\"error_code\":3,\"error_message\":\"exited with status 3\"}",
       "ExitStatus", "", "exited with status 3"},
      {"{\"error_type\":\"Cancelled\",\"error_message\":\"\"}", "Cancelled", "", ""},
      {"{\"error_type\":\"JsonRpcError\",\"error_code\":null}", "JsonRpcError", "", ""},
      {"{\"error.type\":\"timeout\",\"error_type\":\"Timeout\"}", "timeout", "", ""},
      {"{\"rpc.response.status_code\":\"DEADLINE_EXCEEDED\"}", "_OTHER", "DEADLINE_EXCEEDED", ""},
      {"{}", "_OTHER", "", ""},
  };
  for (const Case& c : cases) {
    rapidjson::Document d;
    d.Parse(c.data);
    ErrorFacts e = error_facts(d);
    EXPECT_EQ(e.type, c.type) << c.data;
    EXPECT_EQ(e.status_code, c.status_code) << c.data;
    EXPECT_EQ(e.message, c.message) << c.data;
  }
  const OtlpEvent begin = start("{\"mcp.method.name\":\"tools/call\",\"gen_ai.tool.name\":\"t\"}");
  const std::string span = span_of(
      &begin, error("{\"error_type\":\"JsonRpcError\",\"error_code\":-32602,"
                    "\"error_message\":\"Invalid \\\"params\\\"\"}"));
  EXPECT_NE(span.find("{\"key\":\"error.type\",\"value\":{\"stringValue\":\"-32602\"}},"
                      "{\"key\":\"rpc.response.status_code\",\"value\":{\"stringValue\":\"-32602\"}}"
                      "],\"status\":{\"message\":\"Invalid \\\"params\\\"\",\"code\":2}}"),
            std::string::npos)
      << span;
}

TEST(OtlpTracesTest, AttributesInTheirRegistrysTypes) {
  const std::pair<const char*, const char*> cases[] = {
      {"{\"jsonrpc.request.id\":7}", "{\"key\":\"jsonrpc.request.id\",\"value\":{\"stringValue\":\"7\"}}"},
      {"{\"jsonrpc.request.id\":\"req-7\"}",
       "{\"key\":\"jsonrpc.request.id\",\"value\":{\"stringValue\":\"req-7\"}}"},
      {"{\"jsonrpc.request.id\":null}", ""},  // SHOULD NOT be captured for a null id
      {"{\"server.port\":8080}", "{\"key\":\"server.port\",\"value\":{\"intValue\":\"8080\"}}"},
      {"{\"server.port\":\"8080\"}", "{\"key\":\"server.port\",\"value\":{\"intValue\":\"8080\"}}"},
      {"{\"server.port\":\"http\"}", ""},
      {"{\"server.address\":\"mcp.example.com\",\"client.address\":\"10.1.2.80\",\"client.port\":65123}",
       "{\"key\":\"server.address\",\"value\":{\"stringValue\":\"mcp.example.com\"}},"
       "{\"key\":\"client.address\",\"value\":{\"stringValue\":\"10.1.2.80\"}},"
       "{\"key\":\"client.port\",\"value\":{\"intValue\":\"65123\"}}"},
      {"{\"mcp.session.id\":{\"not\":\"a string\"}}", ""},
      {"{\"mcp.method.name\":\"resources/read\",\"mcp.resource.uri\":\"file:///a\"}",
       "{\"key\":\"mcp.method.name\",\"value\":{\"stringValue\":\"resources/read\"}},"
       "{\"key\":\"mcp.resource.uri\",\"value\":{\"stringValue\":\"file:///a\"}}"},
      {"{\"mcp.client.name\":\"c\",\"mcp.client.version\":\"1.2\",\"user_id\":\"u1\"}",
       "{\"key\":\"mcp_report.client.name\",\"value\":{\"stringValue\":\"c\"}},"
       "{\"key\":\"mcp_report.client.version\",\"value\":{\"stringValue\":\"1.2\"}}"},
  };
  for (const auto& [data, attributes] : cases) {
    rapidjson::Document d;
    d.Parse(data);
    rapidjson::StringBuffer out;
    JsonWriter w(out);
    w.StartArray();
    write_convention_attributes(w, d);
    w.EndArray();
    EXPECT_EQ(out.GetString(), "[" + std::string(attributes) + "]") << data;
  }
}

TEST(OtlpTracesTest, StartAndEndTimesAreExactAndAnUnknownStartUsesProcessingTime) {
  const OtlpEvent begin = start("{}", "1764000000.000001");
  // Days apart, to the microsecond.
  std::string span = span_of(&begin, complete("{}", "1764259200.999999"));
  EXPECT_NE(span.find("\"startTimeUnixNano\":\"1764000000000001000\","
                      "\"endTimeUnixNano\":\"1764259200999999000\""),
            std::string::npos)
      << span;
  // A clock stepped back: an empty span, not a negative one.
  span = span_of(&begin, complete("{}", "1763999999.5"));
  EXPECT_NE(span.find("\"startTimeUnixNano\":\"1764000000000001000\","
                      "\"endTimeUnixNano\":\"1764000000000001000\""),
            std::string::npos)
      << span;
  // The start delivered before starts were kept: processing_time says when.
  span = span_of(nullptr, error("{\"error_type\":\"Signal\",\"processing_time\":1.25}"));
  EXPECT_NE(span.find("\"name\":\"interaction\",\"kind\":1,"
                      "\"startTimeUnixNano\":\"1764000001250000000\","
                      "\"endTimeUnixNano\":\"1764000002500000000\""),
            std::string::npos)
      << span;
  // Neither: no span rather than a made-up one.
  OtlpTracesEncoder encoder({"", "v", {}});
  const OtlpEvent end = complete("{\"success\":true}");
  EXPECT_FALSE(encoder.add(nullptr, end, span_ids_of(end.summary, nullptr)));
  EXPECT_EQ(encoder.size(), 0u);
  EXPECT_EQ(encoder.finish(), "{\"resourceSpans\":[]}");
  EXPECT_EQ(otlp_empty_request(OtlpSignal::kTraces), "{\"resourceSpans\":[]}");
}

}  // namespace
}  // namespace mcpr
