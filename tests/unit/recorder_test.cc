// What the Recorder would record, checked before anything is written
// (src/event/recorder.h, checked_body), row by row.
#include "src/event/recorder.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "src/util/failure.h"
#include "temp_dir.h"

namespace mcpr {
namespace {

TEST(RecorderTest, CheckedBodyIsTheBodyRecordedOrSaysWhyNone) {
  constexpr int64_t kAt = 1764000000000000;
  const std::string big = "{\"x\": \"" + std::string(2000, 'a') + "\"}";
  struct Row {
    const char* what;
    bool enabled;
    const char* mcp_id;
    int64_t max_event_kb;
    const std::string* payload;
    bool body;      // a body is returned
    int exit_code;  // or this Failure is thrown (0: none)
  };
  const std::string small = "{\"q\": 1}";
  const Row rows[] = {
      {"recorded", true, "m1", 1, &small, true, 0},
      {"logging disabled: nothing", false, "m1", 1, &small, false, 0},
      {"no mcp_id: record() says why", true, "", 1, &small, false, 0},
      {"over max_event_kb: 65", true, "m1", 1, &big, false, kExitDataErr},
      {"disabled wins over the size", false, "m1", 1, &big, false, 0},
      {"a larger limit takes it", true, "m1", 3, &big, true, 0},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.what);
    RecorderOptions options;
    options.enabled = row.enabled;
    options.mcp_id = row.mcp_id;
    options.max_event_kb = row.max_event_kb;
    const Recorder recorder(options);
    int thrown = 0;
    std::optional<std::string> body;
    try {
      body = recorder.checked_body(Action::kStart, "id1", *row.payload, kAt);
    } catch (const Failure& f) {
      thrown = f.exit_code();
    }
    EXPECT_EQ(thrown, row.exit_code);
    EXPECT_EQ(body.has_value(), row.body);
    if (body) {
      EXPECT_EQ(*body, event_body(Action::kStart, "id1", row.mcp_id, kAt, *row.payload));
    }
  }
}

class RecordAllTest : public TempDirTest {};

// record_all says which events it spooled: the proxy's spool writer drops
// the rest of an interaction whose start it could not spool.
TEST_F(RecordAllTest, SaysWhichEventsItSpooled) {
  RecorderOptions options;
  options.spool = path("spool");
  options.mcp_id = "m1";
  options.max_event_kb = 1;
  options.min_free_mb = 0;
  options.sync = false;
  Recorder recorder(options);
  const std::string big = "{\"x\": \"" + std::string(2000, 'a') + "\"}";
  const std::vector<Recorder::Parts> parts = {{Action::kStart, "a", "{}", 1},
                                              {Action::kStart, "b", big, 2},
                                              {Action::kComplete, "a", "{}", 3}};
  std::string error;
  std::vector<bool> written;
  EXPECT_EQ(recorder.record_all(parts, error, &written), 2u);
  EXPECT_EQ(written, (std::vector<bool>{true, false, true}));
  EXPECT_FALSE(error.empty());
}

}  // namespace
}  // namespace mcpr
