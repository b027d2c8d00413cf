// W3C Trace Context: traceparent and tracestate by table, and the ids of an
// interaction's span (man page OPENTELEMETRY SINK, Trace context).
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "src/event/trace_context.h"

namespace mcpr {
namespace {

constexpr const char kParent[] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

TEST(TraceContextTest, Traceparent) {
  struct Case {
    const char* text;
    bool valid;
    const char* trace_id;
    const char* parent_id;
    int flags;
  } cases[] = {
      {kParent, true, "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", 1},
      {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", true,
       "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", 0},
      {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-09", true,
       "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", 9},
      // a later version is read as 00, its extra fields after a '-'
      {"cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future-holds", true,
       "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", 1},
      {"cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", true,
       "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", 1},
      {"cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01.x", false, "", "", 0},
      {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-", false, "", "", 0},  // 00 is 55 long
      {"ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", false, "", "", 0},
      {"00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", false, "", "", 0},  // upper case
      {"00-00000000000000000000000000000000-00f067aa0ba902b7-01", false, "", "", 0},
      {"00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", false, "", "", 0},
      {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g", false, "", "", 0},
      {"00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01", false, "", "", 0},
      {"0-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", false, "", "", 0},
      {" 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", false, "", "", 0},
      {"", false, "", "", 0},
      {"garbage", false, "", "", 0},
  };
  for (const Case& c : cases) {
    std::string why;
    std::optional<TraceParent> p = parse_traceparent(c.text, &why);
    ASSERT_EQ(p.has_value(), c.valid) << c.text;
    if (!p) {
      EXPECT_FALSE(why.empty()) << c.text;
      continue;
    }
    EXPECT_EQ(p->trace_id, c.trace_id);
    EXPECT_EQ(p->parent_id, c.parent_id);
    EXPECT_EQ(p->flags, c.flags);
  }
}

TEST(TraceContextTest, Tracestate) {
  const std::pair<const char*, bool> cases[] = {
      {"", true},
      {"rojo=00f067aa0ba902b7", true},
      {"rojo=00f067aa0ba902b7,congo=t61rcWkgMzE", true},
      {"rojo=00f067aa0ba902b7 ,\tcongo=t61rcWkgMzE", true},  // OWS around commas
      {"rojo=1,,congo=2", true},                             // empty members are allowed
      {"fw529a3039@dt=abc,tenant1@sys=x y", true},           // multi-tenant keys; inner space
      {"a*b/c_d-e=1", true},
      {"Rojo=1", false},             // keys are lower case
      {"_rojo=1", false},            // and start with a letter
      {"rojo", false},               // no '='
      {"rojo=", false},              // an empty value
      {"rojo=a,rojo=b", false},      // a key twice
      {"rojo=a=b", false},           // '=' in a value
      {"rojo=1 ", true},  // the space is OWS before the end, not part of the value
      {"rojo=1 \t,", true},
      {"rojo=\x01", false},
      {"1tenant@Sys=1", false},      // system-id starts with a letter, lower case
      {"t@systemidtoolong=1", false},  // system-id at most 14
  };
  for (const auto& [text, valid] : cases)
    EXPECT_EQ(tracestate_problem(text).empty(), valid) << text << ": " << tracestate_problem(text);
  std::string many;
  for (int i = 0; i < 33; ++i) many += (i ? ",k" : "k") + std::to_string(i) + "=v";
  EXPECT_NE(tracestate_problem(many), "");
  EXPECT_EQ(tracestate_problem(many.substr(0, many.rfind(','))), "");  // 32 is the most
  EXPECT_EQ(tracestate_problem("k=" + std::string(256, 'v')), "");
  EXPECT_NE(tracestate_problem("k=" + std::string(257, 'v')), "");
}

TEST(TraceContextTest, SpanIdsAreDerivedFromWhatIsSpooled) {
  const SpanIds own = span_ids("mcp_a", "int_1764000000_0badf00d");
  EXPECT_EQ(own.trace_id.size(), 32u);
  EXPECT_EQ(own.span_id.size(), 16u);
  EXPECT_EQ(own.trace_id.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(own.span_id.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(own.parent_span_id, "");
  EXPECT_EQ(own.flags, 1);  // sampled: we send every span
  // The same events give the same ids: a resend is the same span.
  const SpanIds again = span_ids("mcp_a", "int_1764000000_0badf00d");
  EXPECT_EQ(again.trace_id, own.trace_id);
  EXPECT_EQ(again.span_id, own.span_id);
  // Pinned (and computed apart by a few lines of Python from the man page's
  // description), so that the ids `run` hands out today name the spans a
  // later version's flush sends.
  EXPECT_EQ(traceparent_of(span_ids("m", "i")),
            "00-ccad751c642805d9e37475a16fc6a351-6806e9f920b20e6c-01");
  EXPECT_EQ(span_ids("bench_mcp", "int_1764000000_0badf00d").span_id, "b3c065f7a38afef0");
  std::set<std::string> traces, spans;
  for (const char* mcp : {"mcp_a", "mcp_b", ""})
    for (const char* id : {"a", "b", "int_1764000000_0badf00d", "int_1764000000_0badf00e"}) {
      traces.insert(span_ids(mcp, id).trace_id);
      spans.insert(span_ids(mcp, id).span_id);
    }
  EXPECT_EQ(traces.size(), 12u);
  EXPECT_EQ(spans.size(), 12u);
  // "a\nb" + "c" is not "a" + "b\nc": the two names are kept apart.
  EXPECT_NE(span_ids("a\nb", "c").span_id, span_ids("a", "b\nc").span_id);
}

TEST(TraceContextTest, AnIdUsedAgainIsANewSpanAResendTheSameOne) {
  // A job that names its interaction after itself (--id nightly) records a
  // start with another time on each run: another span, and without a
  // caller another trace. The same start (a resend) gives the same ids.
  const SpanIds monday = span_ids("m", "nightly", {}, {}, 1764000000000000);
  const SpanIds tuesday = span_ids("m", "nightly", {}, {}, 1764086400000000);
  EXPECT_NE(monday.span_id, tuesday.span_id);
  EXPECT_NE(monday.trace_id, tuesday.trace_id);
  EXPECT_EQ(span_ids("m", "nightly", {}, {}, 1764000000000000).span_id, monday.span_id);
  EXPECT_NE(span_ids("m", "nightly", {}, {}, 1764000000000001).span_id, monday.span_id);
  // With a caller, the caller's trace and a span of each run's own.
  const SpanIds a = span_ids("m", "nightly", kParent, {}, 1764000000000000);
  const SpanIds b = span_ids("m", "nightly", kParent, {}, 1764086400000000);
  EXPECT_EQ(a.trace_id, b.trace_id);
  EXPECT_NE(a.span_id, b.span_id);
  // Without the start (an end whose start is gone), from the names alone.
  EXPECT_NE(span_ids("m", "nightly").span_id, monday.span_id);
  // The time is kept apart from the id: "i" at t is not "i" + t's bytes.
  EXPECT_NE(span_ids("m", "i", {}, {}, 0x31).span_id, span_ids("m", "i1", {}, {}, 0).span_id);
  // What run hands its command names the span the sink sends.
  EXPECT_EQ(start_context("{}", "m", "nightly", nullptr, nullptr, true, 1764000000000000)
                .child_traceparent,
            traceparent_of(monday));
}

TEST(TraceContextTest, ACallersContextGivesTheTraceAndTheParent) {
  const SpanIds ids = span_ids("mcp_a", "i1", kParent, "rojo=00f067aa0ba902b7");
  EXPECT_EQ(ids.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(ids.parent_span_id, "00f067aa0ba902b7");
  EXPECT_EQ(ids.span_id, span_ids("mcp_a", "i1").span_id);
  EXPECT_EQ(ids.trace_state, "rojo=00f067aa0ba902b7");
  EXPECT_EQ(traceparent_of(ids), "00-4bf92f3577b34da6a3ce929d0e0e4736-" + ids.span_id + "-01");
  // Not sampled stays not sampled.
  EXPECT_EQ(span_ids("m", "i", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00").flags, 0);
  // A bad traceparent is no context; a bad tracestate is dropped alone.
  const SpanIds bad = span_ids("mcp_a", "i1", "00-xyz", "rojo=1");
  EXPECT_EQ(bad.trace_id, span_ids("mcp_a", "i1").trace_id);
  EXPECT_EQ(bad.parent_span_id, "");
  EXPECT_EQ(bad.trace_state, "");
  EXPECT_EQ(span_ids("mcp_a", "i1", kParent, "Bad=1").trace_state, "");
}

TEST(TraceContextTest, TheEnvironmentsContextForAStartEvent) {
  struct Case {
    const char* traceparent;
    const char* tracestate;
    std::vector<std::pair<std::string, std::string>> members;
    size_t notes;
  } cases[] = {
      {nullptr, nullptr, {}, 0},
      {"", "rojo=1", {}, 0},  // a tracestate without a parent means nothing
      {kParent, nullptr, {{"traceparent", kParent}}, 0},
      {kParent, "", {{"traceparent", kParent}}, 0},
      {kParent, "rojo=1", {{"traceparent", kParent}, {"tracestate", "rojo=1"}}, 0},
      {kParent, "Rojo=1", {{"traceparent", kParent}}, 1},
      {"00-bad", "rojo=1", {}, 1},
  };
  for (const Case& c : cases) {
    TraceEnvironment env = trace_environment(c.traceparent, c.tracestate);
    EXPECT_EQ(env.members, c.members) << (c.traceparent ? c.traceparent : "(unset)");
    EXPECT_EQ(env.notes.size(), c.notes);
    for (const std::string& note : env.notes)
      EXPECT_NE(note.find("ignored"), std::string::npos) << note;
  }
}

TEST(TraceContextTest, AStartsPayloadGetsTheEnvironmentsContextWhereItHasNone) {
  const std::string ours = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  struct Case {
    std::string payload;
    const char* traceparent;
    const char* tracestate;
    std::string expected;
  } cases[] = {
      // Nothing given: the payload byte for byte, however it is written.
      {"{\"a\": 1,   \"b\": [1,2]}", nullptr, nullptr, "{\"a\": 1,   \"b\": [1,2]}"},
      {"{}", "", "rojo=1", "{}"},
      {"{}", "00-bad", "rojo=1", "{}"},
      {"{}", kParent, nullptr, std::string("{\"traceparent\": \"") + kParent + "\"}"},
      {"{\"q\": \"x\"}", kParent, "rojo=1",
       std::string("{\"q\": \"x\", \"traceparent\": \"") + kParent +
           "\", \"tracestate\": \"rojo=1\"}"},
      // The DATA's own context is the caller's word: the environment's
      // tracestate does not go with another traceparent.
      {"{\"traceparent\": \"" + ours + "\"}", kParent, "rojo=1",
       "{\"traceparent\": \"" + ours + "\"}"},
      {"{\"tracestate\": \"mine=1\"}", kParent, "rojo=1",
       std::string("{\"tracestate\": \"mine=1\", \"traceparent\": \"") + kParent + "\"}"},
  };
  for (const Case& c : cases) {
    StartContext context = start_context(c.payload, "m", "i", c.traceparent, c.tracestate);
    EXPECT_EQ(context.payload, c.expected) << c.payload;
  }
  // The child's traceparent names the interaction's span, in the effective trace.
  const std::string span = span_ids("m", "i").span_id;
  EXPECT_EQ(start_context("{}", "m", "i", nullptr, nullptr).child_traceparent,
            traceparent_of(span_ids("m", "i")));
  StartContext joined = start_context("{}", "m", "i", kParent, "rojo=1");
  EXPECT_EQ(joined.child_traceparent, "00-4bf92f3577b34da6a3ce929d0e0e4736-" + span + "-01");
  EXPECT_EQ(joined.child_tracestate, "rojo=1");
  EXPECT_EQ(start_context("{\"traceparent\": \"" + ours + "\"}", "m", "i", kParent, nullptr)
                .child_traceparent,
            "00-0af7651916cd43dd8448eb211c80319c-" + span + "-01");
  EXPECT_EQ(start_context("{}", "m", "i", "00-bad", nullptr).notes.size(), 1u);
}

TEST(TraceContextTest, AChildOfASpanNeverExportedGetsTheCallersContextUnchanged) {
  // Not exported: the caller's context goes on as it came, or none.
  StartContext passed = start_context("{}", "m", "i", kParent, "rojo=1", false);
  EXPECT_EQ(passed.child_traceparent, kParent);
  EXPECT_EQ(passed.child_tracestate, "rojo=1");
  EXPECT_EQ(passed.payload, std::string("{\"traceparent\": \"") + kParent +
                                "\", \"tracestate\": \"rojo=1\"}");  // still recorded
  EXPECT_EQ(start_context("{}", "m", "i", nullptr, nullptr, false).child_traceparent, "");
  EXPECT_EQ(start_context("{}", "m", "i", "00-bad", "rojo=1", false).child_traceparent, "");
  EXPECT_EQ(start_context("{}", "m", "i", "00-bad", "rojo=1", false).child_tracestate, "");
  EXPECT_EQ(start_context("{}", "m", "i", kParent, "Bad Key=1", false).child_tracestate, "");
}

}  // namespace
}  // namespace mcpr
