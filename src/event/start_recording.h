// Recording the interaction_start of a recording command (start, run: man
// page RECORDING COMMANDS): its payload joined to the caller's trace context
// (TRACEPARENT, TRACESTATE: man page OPENTELEMETRY SINK), recorded, and the
// context a child of the interaction then inherits.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/event/recorder.h"
#include "src/event/trace_context.h"

namespace mcpr {

// The caller's trace context as its environment gives it (null: unset).
struct CallerTrace {
  const char* traceparent = nullptr;
  const char* tracestate = nullptr;
};
// TRACEPARENT and TRACESTATE of this process's environment.
CallerTrace caller_trace_from_environment();

class StartRecording {
 public:
  StartRecording(std::string interaction_id, CallerTrace caller, int64_t now_us)
      : id_(std::move(interaction_id)), caller_(caller), now_us_(now_us) {}

  // Takes the start's payload (a serialized JSON object) and joins it to the
  // caller's context. With no TRACEPARENT and no `child_wanted` (run's
  // command, start --print-traceparent), the payload is kept as it is,
  // unparsed: recording a plain start pays nothing for tracing. The
  // interaction's span is a parent only when `exports_span` (see
  // start_context). Returns the notes on values of the caller's ignored.
  std::vector<std::string> join(std::string payload, std::string_view mcp_id, bool exports_span,
                                bool child_wanted);

  // Checks the start as it will be recorded against max_event_kb before
  // anything is written or run (Failure 65); record() then spools that body.
  void check(const Recorder& recorder);

  // Records the joined start: the file name, or "" when logging is disabled.
  // Throws as Recorder::record does.
  std::string record(Recorder& recorder);

  // The context a child of the interaction inherits: the interaction's span
  // once the start is recorded and the span will be exported, else the
  // caller's context (the payload's own traceparent, else the environment's
  // valid one), or none.
  StartContext child_context() const;

 private:
  std::string id_;
  CallerTrace caller_;
  int64_t now_us_;
  std::string payload_ = "{}";  // as joined
  std::string mcp_id_;
  std::optional<StartContext> context_;  // when joined with a context
  std::optional<std::string> body_;      // as checked
  bool recorded_ = false;
};

}  // namespace mcpr
