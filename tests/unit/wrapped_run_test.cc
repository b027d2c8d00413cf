// `run`'s decisions (src/event/wrapped_run.h): the end event for each way a
// command ends, and the environment the command gets; and the room a
// payload has inside an event of max_event_kb.
#include "src/event/wrapped_run.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>

namespace mcpr {
namespace {

ChildResult ended(bool started, bool signaled, int code, int exec_errno = 0) {
  ChildResult r;
  r.started = started;
  r.signaled = signaled;
  r.code = code;
  r.exec_errno = exec_errno;
  r.seconds = 1.25;
  return r;
}

TEST(WrappedRunTest, TheEndEventSaysHowTheCommandEnded) {
  struct Row {
    const char* what;
    ChildResult result;
    Action action;
    const char* payload;
  } rows[] = {
      {"exit 0", ended(true, false, 0), Action::kComplete,
       R"({"success": true, "exit_code": 0, "processing_time": 1.25})"},
      {"exit 3", ended(true, false, 3), Action::kError,
       R"({"error_type": "ExitStatus", "error_message": "exited with status 3", "error_code": 3, )"
       R"("processing_time": 1.25})"},
      {"a signal", ended(true, true, 9), Action::kError,
       R"j({"error_type": "Signal", "error_message": "killed by signal 9 (SIGKILL)", )j"
       R"j("error_code": 9, "processing_time": 1.25})j"},
      {"not found", ended(false, false, 0, ENOENT), Action::kError,
       R"({"error_type": "ExitStatus", "error_message": "cannot run './job': No such file or )"
       R"(directory", "error_code": 127, "processing_time": 1.25})"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.what);
    auto [action, payload] = run_end_payload(row.result, "./job");
    EXPECT_EQ(action, row.action);
    EXPECT_EQ(payload, row.payload);
  }
}

TEST(WrappedRunTest, TheCommandLandsWhereRunDoes) {
  char cwd[4096];
  ASSERT_NE(::getcwd(cwd, sizeof cwd), nullptr);
  const std::string here = cwd;
  Config config;
  config.file = "/etc/x.toml";
  config.spool_dir = "rel/spool";
  config.mcp_id = "m1";
  struct Row {
    const char* what;
    std::optional<Config> config;
    ConfigOverrides flags;
    EnvVars env;
  } rows[] = {
      {"the effective configuration", config, {"ignored.toml", "", ""},
       {{"MCP_REPORT_INTERACTION_ID", "id1"},
        {"MCP_REPORT_CONFIG", "/etc/x.toml"},
        {"MCP_REPORT_SPOOL_DIR", here + "/rel/spool"},
        {"MCP_REPORT_MCP_ID", "m1"}}},
      {"no configuration: the flags", std::nullopt, {"./c.toml", "/s", "m2"},
       {{"MCP_REPORT_INTERACTION_ID", "id1"},
        {"MCP_REPORT_CONFIG", here + "/c.toml"},
        {"MCP_REPORT_SPOOL_DIR", "/s"},
        {"MCP_REPORT_MCP_ID", "m2"}}},
      {"nothing given", std::nullopt, {}, {{"MCP_REPORT_INTERACTION_ID", "id1"}}},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.what);
    EXPECT_EQ(run_environment("id1", row.config, row.flags), row.env);
  }
  // With the start's trace context, the command is a child of its span.
  StartContext trace;
  trace.child_traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  // Without a tracestate of its own (a new trace, or the caller's was not
  // valid), a TRACESTATE the command would inherit is removed.
  EXPECT_EQ(run_environment("id1", std::nullopt, {}, &trace),
            (EnvVars{{"MCP_REPORT_INTERACTION_ID", "id1"},
                     {"TRACEPARENT", trace.child_traceparent},
                     {"-TRACESTATE", ""}}));
  trace.child_tracestate = "rojo=1";
  EXPECT_EQ(run_environment("id1", std::nullopt, {}, &trace).back(),
            (std::pair<std::string, std::string>{"TRACESTATE", "rojo=1"}));
}

// The largest payload the room allows fits in an event of max_event_kb
// with the longest action and interaction id and a late timestamp.
TEST(PayloadRoomTest, TheLargestPayloadStillMakesAnEventThatFits) {
  for (int64_t kb : {1, 2, 64}) {
    for (const std::string& mcp_id : {std::string("m"), std::string(100, 'x')}) {
      const size_t room = payload_room(kb, mcp_id);
      const std::string payload = "{\"k\": \"" + std::string(room - 9, 'v') + "\"}";
      ASSERT_EQ(payload.size(), room);
      for (Action action : {Action::kStart, Action::kProgress, Action::kComplete, Action::kError}) {
        const std::string body = event_body(action, std::string(128, 'i'), mcp_id,
                                            9999999999999999, payload);
        EXPECT_LE(body.size(), static_cast<size_t>(kb) * 1024) << kb << " " << mcp_id.size();
      }
    }
  }
  EXPECT_EQ(payload_room(1, std::string(2000, 'x')), 1u);
}

}  // namespace
}  // namespace mcpr
