// The start of a recording command (src/event/start_recording.h): what it
// records and what a child of the interaction inherits, recorded or not.
#include "src/event/start_recording.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "src/util/failure.h"
#include "temp_dir.h"

namespace mcpr {
namespace {

constexpr int64_t kAt = 1764000000000000;
const char kCaller[] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
const char kDataParent[] = "00-11111111111111111111111111111111-2222222222222222-01";

class StartRecordingTest : public TempDirTest {
 protected:
  Recorder recorder(const char* mcp_id = "m1", int64_t max_event_kb = 1024) const {
    RecorderOptions o;
    o.spool = path("spool");
    o.mcp_id = mcp_id;
    o.max_event_kb = max_event_kb;
    o.min_free_mb = 0;
    o.sync = false;
    return Recorder(o);
  }
  std::string spooled(const std::string& file) const {
    std::ifstream in(path("spool/queue/" + file));
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
};

TEST_F(StartRecordingTest, APlainStartKeepsItsPayloadByteForByte) {
  const std::string payload = "{\"q\":  1 ,\"r\":[ ]}";  // not as the parser writes it
  StartRecording start("id1", {}, kAt);
  EXPECT_TRUE(start.join(payload, "m1", true, false).empty());
  Recorder r = recorder();
  const std::string file = start.record(r);
  EXPECT_EQ(spooled(file), event_body(Action::kStart, "id1", "m1", kAt, payload));
}

TEST_F(StartRecordingTest, TheCallersContextJoinsThePayload) {
  StartRecording start("id1", {kCaller, "k=v"}, kAt);
  EXPECT_TRUE(start.join("{}", "m1", true, false).empty());
  Recorder r = recorder();
  const std::string body = spooled(start.record(r));
  EXPECT_NE(body.find(std::string("\"traceparent\": \"") + kCaller + "\""), std::string::npos)
      << body;
  EXPECT_NE(body.find("\"tracestate\": \"k=v\""), std::string::npos) << body;
}

TEST_F(StartRecordingTest, AnInvalidTraceparentIsANoteAndIgnored) {
  StartRecording start("id1", {"00-bad", nullptr}, kAt);
  const std::vector<std::string> notes = start.join("{}", "m1", true, false);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0].rfind("TRACEPARENT: ", 0), 0u) << notes[0];
  EXPECT_EQ(start.child_context().child_traceparent, "");
}

// The child's parent is our span only once the start is recorded, and only
// when that span will be exported; otherwise it is the caller's context.
TEST_F(StartRecordingTest, TheChildsParentIsOurSpanOnlyWhenRecordedAndExported) {
  const struct {
    const char* what;
    bool exports_span;
    bool record;
    const char* mcp_id;  // "" makes recording fail (78)
    bool ours;
  } rows[] = {
      {"recorded and exported", true, true, "m1", true},
      {"recorded, not exported", false, true, "m1", false},
      {"not yet recorded", true, false, "m1", false},
      {"recording failed", true, true, "", false},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.what);
    StartRecording start("id1", {kCaller, nullptr}, kAt);
    start.join("{}", row.mcp_id, row.exports_span, true);
    Recorder r = recorder(row.mcp_id);
    if (row.record) {
      try {
        start.record(r);
      } catch (const Failure& f) {
        EXPECT_EQ(f.exit_code(), kExitConfig);
      }
    }
    const std::string child = start.child_context().child_traceparent;
    ASSERT_EQ(child.size(), std::string(kCaller).size()) << child;
    EXPECT_EQ(child.substr(0, 36), std::string(kCaller).substr(0, 36));  // the same trace
    EXPECT_EQ(child != kCaller, row.ours) << child;
  }
}

// The payload's own traceparent is the caller's word, recorded or not.
TEST_F(StartRecordingTest, ThePayloadsOwnContextIsTheCallersWhenNoSpanIsOurs) {
  const std::string payload = std::string("{\"traceparent\": \"") + kDataParent + "\"}";
  for (bool record : {false, true}) {
    StartRecording start("id1", {kCaller, nullptr}, kAt);
    start.join(payload, "m1", false, true);
    Recorder r = recorder();
    if (record) start.record(r);
    EXPECT_EQ(start.child_context().child_traceparent, kDataParent) << record;
  }
  // Not joined at all (the configuration failed to load): the environment's.
  EXPECT_EQ(StartRecording("id1", {kCaller, nullptr}, kAt).child_context().child_traceparent,
            kCaller);
}

TEST_F(StartRecordingTest, TheBodyCheckedIsTheBodyRecorded) {
  StartRecording big("id1", {}, kAt);
  big.join("{\"x\": \"" + std::string(2000, 'a') + "\"}", "m1", false, true);
  Recorder r = recorder("m1", 1);
  try {
    big.check(r);
    ADD_FAILURE() << "an event over max_event_kb was not refused";
  } catch (const Failure& f) {
    EXPECT_EQ(f.exit_code(), kExitDataErr);
  }
  StartRecording small("id2", {}, kAt);
  small.join("{\"q\": 1}", "m1", false, true);
  small.check(r);
  EXPECT_EQ(spooled(small.record(r)), event_body(Action::kStart, "id2", "m1", kAt, "{\"q\": 1}"));
}

}  // namespace
}  // namespace mcpr
