// The OTLP/HTTP JSON encoding of events (man page OPENTELEMETRY SINK): whole requests
// compared exactly, and the AnyValue mapping by table.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "src/delivery/otlp_logs.h"
#include "src/event/trace_context.h"

namespace mcpr {
namespace {

std::string event(const char* action, const char* iid, const char* mcp_id, const char* ts,
                  const char* data_member, const char* data) {
  return std::string("{\"action\":\"") + action + "\",\"interaction_id\":\"" + iid +
         "\",\"mcp_id\":\"" + mcp_id + "\",\"timestamp\":" + ts + ",\"" + data_member +
         "\":" + data + "}";
}

std::string start(const char* data, const char* iid = "int_1_a", const char* mcp_id = "m1") {
  return event("interaction_start", iid, mcp_id, "1764000000.123456", "request_data", data);
}

// The body member of the only record of a one-event request.
std::string body_of(const std::string& data) {
  OtlpLogsEncoder encoder({"", "0.1.0", {}}, 5);
  std::string error;
  EXPECT_TRUE(encoder.add(start(data.c_str()), &error)) << error;
  std::string json = encoder.finish();
  size_t at = json.find("\"body\":");
  size_t end = json.find(",\"attributes\":", at);
  return json.substr(at + 7, end - at - 7);
}

TEST(OtlpLogsTest, OneEventIsOneLogRecordOfTheWholeRequest) {
  OtlpLogsEncoder encoder({"host-a", "0.1.0", {}}, 1764000001000000000);
  std::string error;
  ASSERT_TRUE(encoder.add(start("{\"mcp.method.name\":\"tools/call\",\"n\":1}"), &error));
  EXPECT_EQ(encoder.size(), 1u);
  const SpanIds ids = span_ids("m1", "int_1_a", {}, {}, 1764000000123456);
  EXPECT_EQ(encoder.finish(),
            "{\"resourceLogs\":[{\"resource\":{\"attributes\":["
            "{\"key\":\"service.name\",\"value\":{\"stringValue\":\"m1\"}},"
            "{\"key\":\"host.name\",\"value\":{\"stringValue\":\"host-a\"}}]},"
            "\"schemaUrl\":\"https://opentelemetry.io/schemas/1.41.0\","
            "\"scopeLogs\":[{\"scope\":{\"name\":\"mcp-report\",\"version\":\"0.1.0\"},"
            "\"schemaUrl\":\"https://opentelemetry.io/schemas/1.41.0\",\"logRecords\":[{\"timeUnixNano\":\"1764000000123456000\","
            "\"observedTimeUnixNano\":\"1764000001000000000\","
            "\"severityNumber\":9,\"severityText\":\"INFO\","
            "\"body\":{\"kvlistValue\":{\"values\":["
            "{\"key\":\"mcp.method.name\",\"value\":{\"stringValue\":\"tools/call\"}},"
            "{\"key\":\"n\",\"value\":{\"intValue\":\"1\"}}]}},"
            "\"attributes\":["
            "{\"key\":\"mcp_report.interaction.id\",\"value\":{\"stringValue\":\"int_1_a\"}},"
            "{\"key\":\"mcp_report.action\",\"value\":{\"stringValue\":\"interaction_start\"}},"
            "{\"key\":\"mcp.method.name\",\"value\":{\"stringValue\":\"tools/call\"}},"
            "{\"key\":\"gen_ai.operation.name\",\"value\":{\"stringValue\":\"execute_tool\"}}],"
            "\"flags\":1,\"traceId\":\"" + ids.trace_id + "\",\"spanId\":\"" + ids.span_id +
            "\",\"eventName\":\"interaction_start\"}]}]}]}");
}

TEST(OtlpLogsTest, TheEventIdIsAnAttributeWhenGiven) {
  OtlpLogsEncoder with({"", "0.1.0", {}}, 5), without({"", "0.1.0", {}}, 5);
  std::string error;
  ASSERT_TRUE(with.add(start("{}"), &error, "1764000000123456-0a0b0c0d0e0f.s.int_1_a"));
  ASSERT_TRUE(without.add(start("{}"), &error));
  EXPECT_NE(with.finish().find("{\"key\":\"mcp_report.action\",\"value\":{\"stringValue\":"
                               "\"interaction_start\"}},{\"key\":\"mcp_report.event.id\",\"value\":"
                               "{\"stringValue\":\"1764000000123456-0a0b0c0d0e0f.s.int_1_a\"}}"),
            std::string::npos)
      << with.finish();
  EXPECT_EQ(without.finish().find("event.id"), std::string::npos);
}

TEST(OtlpLogsTest, JsonValuesBecomeAnyValues) {
  const std::pair<const char*, const char*> cases[] = {
      {"{}", "{\"kvlistValue\":{\"values\":[]}}"},
      {"{\"s\":\"x\"}",
       "{\"kvlistValue\":{\"values\":[{\"key\":\"s\",\"value\":{\"stringValue\":\"x\"}}]}}"},
      {"{\"i\":-42}",
       "{\"kvlistValue\":{\"values\":[{\"key\":\"i\",\"value\":{\"intValue\":\"-42\"}}]}}"},
      // int64 bounds stay exact as strings; beyond them a double
      {"{\"i\":9223372036854775807}",
       "{\"kvlistValue\":{\"values\":[{\"key\":\"i\",\"value\":"
       "{\"intValue\":\"9223372036854775807\"}}]}}"},
      {"{\"i\":18446744073709551615}",
       "{\"kvlistValue\":{\"values\":[{\"key\":\"i\",\"value\":"
       "{\"doubleValue\":18446744073709553000.0}}]}}"},
      {"{\"d\":1.5}",
       "{\"kvlistValue\":{\"values\":[{\"key\":\"d\",\"value\":{\"doubleValue\":1.5}}]}}"},
      {"{\"d\":2.0}",
       "{\"kvlistValue\":{\"values\":[{\"key\":\"d\",\"value\":{\"doubleValue\":2.0}}]}}"},
      // Python's NaN and infinities: the proto3 JSON mapping's special strings
      {"{\"x\":NaN}",
       "{\"kvlistValue\":{\"values\":[{\"key\":\"x\",\"value\":{\"doubleValue\":\"NaN\"}}]}}"},
      {"{\"x\":[Infinity,-Infinity]}",
       "{\"kvlistValue\":{\"values\":[{\"key\":\"x\",\"value\":{\"arrayValue\":{\"values\":["
       "{\"doubleValue\":\"Infinity\"},{\"doubleValue\":\"-Infinity\"}]}}}]}}"},
      {"{\"b\":true}",
       "{\"kvlistValue\":{\"values\":[{\"key\":\"b\",\"value\":{\"boolValue\":true}}]}}"},
      {"{\"n\":null}", "{\"kvlistValue\":{\"values\":[{\"key\":\"n\",\"value\":{}}]}}"},
      {"{\"a\":[1,\"x\",[]]}",
       "{\"kvlistValue\":{\"values\":[{\"key\":\"a\",\"value\":{\"arrayValue\":{\"values\":["
       "{\"intValue\":\"1\"},{\"stringValue\":\"x\"},{\"arrayValue\":{\"values\":[]}}]}}}]}}"},
      {"{\"o\":{\"k\":false}}",
       "{\"kvlistValue\":{\"values\":[{\"key\":\"o\",\"value\":{\"kvlistValue\":{\"values\":["
       "{\"key\":\"k\",\"value\":{\"boolValue\":false}}]}}}]}}"},
      // strings keep escapes, NULs and non-ASCII text
      {"{\"s\":\"a\\u0000b\\n\\u00e9\"}",
       "{\"kvlistValue\":{\"values\":[{\"key\":\"s\",\"value\":"
       "{\"stringValue\":\"a\\u0000b\\n\xc3\xa9\"}}]}}"},
  };
  for (const auto& [data, any] : cases) EXPECT_EQ(body_of(data), any) << data;
}

TEST(OtlpLogsTest, SemanticConventionNamesInTheDataBecomeAttributes) {
  OtlpLogsEncoder encoder({"", "v", {}}, 0);
  std::string error;
  ASSERT_TRUE(encoder.add(
      event("interaction_error", "i", "m", "1.5", "error_data",
            "{\"gen_ai.tool.name\":\"search\",\"jsonrpc.request.id\":7,"
            "\"server.port\":8080,\"mcp.session.id\":{\"not\":\"scalar\"},"
            "\"error_type\":\"ToolError\",\"other.name\":\"x\"}"),
      &error));
  const std::string json = encoder.finish();
  EXPECT_NE(json.find("\"severityNumber\":17,\"severityText\":\"ERROR\""), std::string::npos);
  EXPECT_NE(json.find("\"eventName\":\"interaction_error\""), std::string::npos);
  EXPECT_NE(json.find("\"timeUnixNano\":\"1500000000\""), std::string::npos);
  const std::string attributes =
      "\"attributes\":["
      "{\"key\":\"mcp_report.interaction.id\",\"value\":{\"stringValue\":\"i\"}},"
      "{\"key\":\"mcp_report.action\",\"value\":{\"stringValue\":\"interaction_error\"}},"
      "{\"key\":\"gen_ai.tool.name\",\"value\":{\"stringValue\":\"search\"}},"
      "{\"key\":\"jsonrpc.request.id\",\"value\":{\"stringValue\":\"7\"}},"
      "{\"key\":\"server.port\",\"value\":{\"intValue\":\"8080\"}},"
      "{\"key\":\"error.type\",\"value\":{\"stringValue\":\"tool_error\"}}]";
  EXPECT_NE(json.find(attributes), std::string::npos) << json;
  // The resource carries no host.name when none is known.
  EXPECT_EQ(json.find("host.name"), std::string::npos);
}

TEST(OtlpLogsTest, TheResourceIsTheMcpIdTheHostAndOtelResourceAttributes) {
  struct Case {
    OtlpResourceInfo info;
    std::string attributes;  // the resource's attributes, as JSON
  } cases[] = {
      {{"h", "v", {}},
       "[{\"key\":\"service.name\",\"value\":{\"stringValue\":\"m1\"}},"
       "{\"key\":\"host.name\",\"value\":{\"stringValue\":\"h\"}}]"},
      {{"h", "v", {{"deployment.environment.name", "prod"}, {"k", "a,b"}}},
       "[{\"key\":\"service.name\",\"value\":{\"stringValue\":\"m1\"}},"
       "{\"key\":\"host.name\",\"value\":{\"stringValue\":\"h\"}},"
       "{\"key\":\"deployment.environment.name\",\"value\":{\"stringValue\":\"prod\"}},"
       "{\"key\":\"k\",\"value\":{\"stringValue\":\"a,b\"}}]"},
      // OTEL_RESOURCE_ATTRIBUTES' host.name replaces the one we found.
      {{"h", "v", {{"host.name", "given"}}},
       "[{\"key\":\"service.name\",\"value\":{\"stringValue\":\"m1\"}},"
       "{\"key\":\"host.name\",\"value\":{\"stringValue\":\"given\"}}]"},
  };
  for (const Case& c : cases) {
    OtlpLogsEncoder encoder(c.info, 0);
    std::string error;
    ASSERT_TRUE(encoder.add(start("{}"), &error));
    const std::string json = encoder.finish();
    const std::string head = "{\"resourceLogs\":[{\"resource\":{\"attributes\":";
    ASSERT_EQ(json.compare(0, head.size(), head), 0) << json;
    EXPECT_EQ(json.substr(head.size(), c.attributes.size()), c.attributes);
  }
}

TEST(OtlpJsonTest, TheLengthLimitCountsCharactersAndCutsBetweenThem) {
  const struct {
    std::string text;
    size_t limit;
    std::string cut;
  } cases[] = {
      {"abc", 5, "abc"},
      {"abc", 3, "abc"},
      {"abc", 2, "ab"},
      {"abc", 0, ""},
      {"\u00e9t\u00e9", 2, "\u00e9t"},                  // 2-byte characters count as one
      {"\u4e2d\u6587x", 1, "\u4e2d"},                    // 3-byte
      {"\U0001F600\U0001F600", 1, "\U0001F600"},         // 4-byte
      {"a\U0001F600", 2, "a\U0001F600"},
      {"\xff\xfe" "a", 2, "\xff\xfe"},                    // not UTF-8: a byte each
  };
  for (const auto& c : cases)
    EXPECT_EQ(std::string(limit_chars(c.text, c.limit)), c.cut) << c.text << " " << c.limit;
}

TEST(OtlpLogsTest, TheLengthLimitCutsAttributesNotTheBody) {
  OtlpLogsEncoder encoder({"", "v", {}}, 0, 4);
  std::string error;
  ASSERT_TRUE(encoder.add(start("{\"mcp.method.name\":\"tools/call\",\"q\":\"long text\"}"), &error));
  const std::string json = encoder.finish();
  EXPECT_NE(json.find("{\"key\":\"mcp.method.name\",\"value\":{\"stringValue\":\"tool\"}}"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find("{\"key\":\"mcp_report.interaction.id\",\"value\":{\"stringValue\":\"int_\"}}"),
            std::string::npos);
  EXPECT_NE(json.find("\"long text\""), std::string::npos);  // the body as recorded
}

TEST(OtlpLogsTest, RecordsAreGroupedByMcpIdInBatchOrder) {
  OtlpLogsEncoder encoder({"h", "v", {}}, 0);
  std::string error;
  ASSERT_TRUE(encoder.add(start("{\"k\":1}", "a", "m1"), &error));
  ASSERT_TRUE(encoder.add(start("{\"k\":2}", "b", "m2"), &error));
  ASSERT_TRUE(encoder.add(start("{\"k\":3}", "c", "m1"), &error));
  EXPECT_EQ(encoder.size(), 3u);
  const std::string json = encoder.finish();
  const size_t m1 = json.find("\"m1\""), m2 = json.find("\"m2\"");
  const size_t k1 = json.find("\"intValue\":\"1\""), k2 = json.find("\"intValue\":\"2\""),
               k3 = json.find("\"intValue\":\"3\"");
  EXPECT_LT(m1, k1);
  EXPECT_LT(k1, k3);
  EXPECT_LT(k3, m2);
  EXPECT_LT(m2, k2);
  EXPECT_EQ(json.find("\"m1\"", m1 + 1), std::string::npos);  // one resource per mcp_id
}

TEST(OtlpLogsTest, NotAnEventIsRefusedWithItsReason) {
  OtlpLogsEncoder encoder({"h", "v", {}}, 0);
  std::string error;
  EXPECT_FALSE(encoder.add("{\"action\":\"interaction_start\"}", &error));
  EXPECT_NE(error.find("interaction_id"), std::string::npos) << error;
  EXPECT_FALSE(encoder.add("not json", &error));
  EXPECT_EQ(encoder.size(), 0u);
  EXPECT_EQ(encoder.finish(), otlp_empty_request(OtlpSignal::kLogs));
}

TEST(OtlpLogsTest, AnInteractionsRecordsShareItsSpansIdsAndItsStartsTraceContext) {
  const std::string parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  OtlpEvent begin, progress;
  std::string error;
  ASSERT_TRUE(begin.parse(start(("{\"traceparent\":\"" + parent + "\"}").c_str()), &error)) << error;
  ASSERT_TRUE(progress.parse(event("interaction_progress", "int_1_a", "m1", "1764000001",
                                   "progress_data", "{}"),
                             &error));
  const SpanIds ids = span_ids_of(progress.summary, &begin);
  EXPECT_EQ(ids.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(ids.parent_span_id, "00f067aa0ba902b7");
  EXPECT_EQ(ids.span_id, span_ids("m1", "int_1_a", {}, {}, begin.summary.timestamp_us).span_id);
  OtlpLogsEncoder encoder({"", "v", {}}, 0);
  encoder.add(begin, ids);
  encoder.add(progress, ids);
  const std::string json = encoder.finish();
  const std::string ids_json = "\"traceId\":\"4bf92f3577b34da6a3ce929d0e0e4736\",\"spanId\":\"" +
                               ids.span_id + "\"";
  const size_t first = json.find(ids_json);
  ASSERT_NE(first, std::string::npos) << json;
  EXPECT_NE(json.find(ids_json, first + 1), std::string::npos) << json;
  // Without a start, a record is in a trace of its own interaction.
  EXPECT_EQ(span_ids_of(progress.summary, nullptr).trace_id, span_ids("m1", "int_1_a").trace_id);
}

// With otlp_signals = ["logs"], a record never names a span no backend will
// see: the caller's trace and span when there was a caller, else no ids.
TEST(OtlpLogsTest, WithoutSpansARecordCarriesTheCallersContextOrNone) {
  const SpanIds caller = span_ids("m1", "i", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                                  "rojo=1", 1764000000123456);
  const SpanIds unsampled =
      span_ids("m1", "i", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", "", 1);
  const SpanIds own = span_ids("m1", "i", {}, {}, 1764000000123456);
  struct Row {
    SpanIds span;
    bool spans_sent;
    std::string trace_id, span_id;
    uint8_t flags;
  } rows[] = {
      {caller, true, caller.trace_id, caller.span_id, 1},
      {own, true, own.trace_id, own.span_id, 1},
      {unsampled, true, unsampled.trace_id, unsampled.span_id, 0},
      {caller, false, "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", 1},
      {unsampled, false, "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", 0},
      {own, false, "", "", 0},
  };
  for (const Row& row : rows) {
    const SpanIds got = log_record_context(row.span, row.spans_sent);
    EXPECT_EQ(got.trace_id, row.trace_id) << row.span.span_id << " " << row.spans_sent;
    EXPECT_EQ(got.span_id, row.span_id) << row.span.span_id << " " << row.spans_sent;
    EXPECT_EQ(got.flags, row.flags) << row.span.span_id << " " << row.spans_sent;
  }
  // No ids: the record has no traceId, spanId or flags at all.
  OtlpEvent begin;
  std::string error;
  ASSERT_TRUE(begin.parse(start("{}"), &error)) << error;
  OtlpLogsEncoder encoder({"", "v", {}}, 0);
  encoder.add(begin, log_record_context(own, false));
  const std::string json = encoder.finish();
  for (const char* member : {"\"traceId\"", "\"spanId\"", "\"flags\""})
    EXPECT_EQ(json.find(member), std::string::npos) << json;
}

}  // namespace
}  // namespace mcpr
