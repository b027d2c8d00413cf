// What the proxy records, decided from its options and the configuration
// (src/proxy/proxy_recording.h), and what it says and counts at the end.
#include "src/proxy/proxy_recording.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "src/state/root_state.h"
#include "src/util/failure.h"
#include "temp_dir.h"

namespace mcpr {
namespace {

class ProxyRecordingTest : public TempDirTest {
 protected:
  ProxySay say() {
    return {[this](const std::string& l) { lines.push_back("warn " + l); },
            [this](const std::string& l) { lines.push_back("note " + l); }};
  }
  Config config() const {
    Config c;
    c.mcp_id = "m1";
    c.spool_dir = path("spool");
    c.max_event_kb = 4;
    return c;
  }
  std::vector<std::string> lines;
};

TEST_F(ProxyRecordingTest, MethodsAndCaptureListsCombineWhenRepeated) {
  const struct {
    const char* methods;
    const char* capture;
    bool tools_call, prompts_get, arguments, results;
  } rows[] = {
      {"tools/call", "", true, false, false, false},
      {"tools/call\nprompts/get", "arguments", true, true, true, false},
      {"prompts/get", "results\narguments", false, true, true, true},
      {"all", "arguments,results", true, true, true, true},
      // Items are trimmed of spaces and tabs and empty ones are left out,
      // as in every list (otlp_signals too).
      {" tools/call ,\tprompts/get", " arguments , results\t", true, true, true, true},
      {"tools/call,,\n,", ",results,\n", true, false, false, true},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.methods);
    const ProxyRecording r = proxy_recording(row.methods, row.capture, [&] { return config(); }, say());
    EXPECT_EQ(r.tracker.methods.matches("tools/call"), row.tools_call);
    EXPECT_EQ(r.tracker.methods.matches("prompts/get"), row.prompts_get);
    EXPECT_EQ(r.tracker.capture_arguments, row.arguments);
    EXPECT_EQ(r.tracker.capture_results, row.results);
  }
}

TEST_F(ProxyRecordingTest, AWrongListIsUsageAfterTheMethodsWarnings) {
  try {
    proxy_recording("notifications/x", "arguments,bogus", [&] { return config(); }, say());
    ADD_FAILURE() << "--capture bogus was taken";
  } catch (const Failure& f) {
    EXPECT_EQ(f.exit_code(), kExitUsage);
    EXPECT_STREQ(f.what(), "--capture 'bogus': not arguments or results");
  }
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].rfind("warn proxy: --methods: 'notifications/x' is a notification", 0), 0u)
      << lines[0];
}

// A --capture that names nothing is a usage error, as a --methods that names
// no method is (review proxy-stdio-r3 F6): ",", " , ", a newline.
TEST_F(ProxyRecordingTest, ACaptureThatNamesNothingIsUsageAsMethodsIs) {
  for (const char* capture : {",", " , ", "\n", ",\n,"}) {
    SCOPED_TRACE(capture);
    try {
      proxy_recording("tools/call", capture, [&] { return config(); }, say());
      ADD_FAILURE() << "an empty --capture was taken";
    } catch (const Failure& f) {
      EXPECT_EQ(f.exit_code(), kExitUsage);
      EXPECT_STREQ(f.what(), "--capture: nothing named");
    }
    try {
      proxy_recording(capture, "", [&] { return config(); }, say());
      ADD_FAILURE() << "an empty --methods was taken";
    } catch (const Failure& f) {
      EXPECT_EQ(f.exit_code(), kExitUsage);
      EXPECT_STREQ(f.what(), "--methods: no method named");
    }
  }
}

// Recording that cannot work is one warning, and the server runs all the
// same; recording that works leaves each payload the room max_event_kb
// leaves once the envelope is written.
TEST_F(ProxyRecordingTest, RecordsOnlyWithAUsableConfiguration) {
  const struct {
    const char* what;
    bool enabled;
    const char* mcp_id;
    bool throws;
    const char* line;
  } rows[] = {
      {"usable", true, "m1", false, "note proxy: recording into "},
      {"logging disabled", false, "m1", false,
       "warn proxy: enable_interaction_logging = false: forwarding without recording"},
      {"no mcp_id", true, "", false, "warn proxy: mcp_id is not set"},
      {"no configuration", true, "m1", true, "warn proxy: config: broken: forwarding without recording"},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.what);
    lines.clear();
    auto load = [&] {
      if (row.throws) throw Failure(kExitConfig, "config", "broken");
      Config c = config();
      c.enabled = row.enabled;
      c.mcp_id = row.mcp_id;
      c.ca_file = "/etc/ca.pem";
      return c;
    };
    const ProxyRecording r = proxy_recording("tools/call", "", load, say());
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0].rfind(row.line, 0), 0u) << lines[0];
    EXPECT_EQ(r.config.has_value(), lines[0][0] == 'n');
    EXPECT_EQ(r.tracker.max_payload_bytes, r.config ? payload_room(4, "m1") : 0u);
    // Forwarding verifies the upstream with the configured CAs, recording or not.
    EXPECT_EQ(r.upstream_ca_file, row.throws ? "" : "/etc/ca.pem");
  }
}

TEST_F(ProxyRecordingTest, TheEndSaysAndCountsWhatWasNotRecorded) {
  ProxyRecording recording;
  recording.config = config();
  RecordingOutcome outcome;
  outcome.recorded = 5;
  outcome.dropped = 2;
  outcome.unseen = 1;
  outcome.unreadable = 3;
  outcome.shed = 4;
  outcome.drop_reason = "the queue was full";
  report_proxy_recording(recording, outcome, say());
  EXPECT_EQ(lines, (std::vector<std::string>{
                       "warn proxy: 2 events not recorded, 1 messages not looked at (their "
                       "calls are not recorded) and 4 notifications not looked at (detail "
                       "only: no call's start or end): the queue was full",
                       "note proxy: 3 lines were not JSON-RPC messages (or had no newline)",
                       "note proxy: recorded 5 events"}));
  const RootState state = read_root_state(Spool::open(path("spool"), false));
  EXPECT_EQ(state.proxy.dropped_events, 2u);
  EXPECT_EQ(state.proxy.unseen_messages, 8u);  // the shed notifications too

  // Forwarding without recording counts nothing and says only the total.
  lines.clear();
  report_proxy_recording(ProxyRecording{}, outcome, say());
  EXPECT_EQ(lines, (std::vector<std::string>{"note proxy: recorded 5 events"}));

  // A flood of progress alone (review F18) costs detail, and says so: no
  // "0 events not recorded", no call said lost.
  lines.clear();
  outcome = RecordingOutcome{9, 0, 0, 7, 0, "the tracker could not keep up (its queue full)"};
  report_proxy_recording(recording, outcome, say());
  EXPECT_EQ(lines, (std::vector<std::string>{
                       "warn proxy: 7 notifications not looked at (detail only: no call's "
                       "start or end): the tracker could not keep up (its queue full)",
                       "note proxy: recorded 9 events"}));
  EXPECT_EQ(read_root_state(Spool::open(path("spool"), false)).proxy.unseen_messages, 15u);
}

// A spool the proxy cannot use is said in one warning before the server
// starts, not "recording into" it (the -v pre-flight must tell), and
// recording is still tried (a full disk may free up): what fails is dropped
// and counted in the root state, and where even the count cannot be kept
// there, the end's one warning says so.
TEST_F(ProxyRecordingTest, ASpoolItCannotUseIsSaidAtTheStartAndAtTheEnd) {
  std::ofstream(path("afile")) << "x";
  const struct {
    const char* what;
    std::string spool;
    int64_t min_free_mb;
    std::string start;
    std::string end;  // how the end's warning ends
  } rows[] = {
      {"not a directory", path("afile"), 0,
       "warn proxy: spool " + path("afile") +
           ": not a directory: events cannot be recorded while this lasts (forwarding goes on)",
       "the spool refused them; not counted in the spool's state: spool " + path("afile") +
           ": not a directory"},
      {"not a directory, said once", path("afile"), 0, "warn proxy: spool " + path("afile"),
       "spool " + path("afile") + ": not a directory; nor counted in the spool's state"},
      {"too full", path("spool"), int64_t(1) << 30, "warn proxy: spool " + path("spool") + ": only ",
       "the spool refused them"},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.what);
    lines.clear();
    auto load = [&] {
      Config c = config();
      c.spool_dir = row.spool;
      c.min_free_mb = row.min_free_mb;
      return c;
    };
    const ProxyRecording r = proxy_recording("tools/call", "", load, say());
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0].substr(0, row.start.size()), row.start);
    EXPECT_NE(lines[0].find("events cannot be recorded while this lasts"), std::string::npos);
    ASSERT_TRUE(r.config.has_value());  // still tried

    lines.clear();
    RecordingOutcome outcome;
    outcome.dropped = 2;
    outcome.drop_reason =
        row.end.rfind("spool ", 0) == 0 ? "spool " + row.spool + ": not a directory" : "the spool refused them";
    report_proxy_recording(r, outcome, say());
    ASSERT_EQ(lines.size(), 2u);
    const std::string end = lines[0];
    EXPECT_EQ(end.substr(end.size() - row.end.size()), row.end) << end;
    if (row.spool == path("spool")) {
      EXPECT_EQ(read_root_state(Spool::open(row.spool, false)).proxy.dropped_events, 2u);
    }
  }
}

}  // namespace
}  // namespace mcpr
