#include "src/event/start_recording.h"

#include <cstdlib>

namespace mcpr {

CallerTrace caller_trace_from_environment() {
  return {std::getenv("TRACEPARENT"), std::getenv("TRACESTATE")};
}

std::vector<std::string> StartRecording::join(std::string payload, std::string_view mcp_id,
                                              bool exports_span, bool child_wanted) {
  payload_ = std::move(payload);
  mcp_id_ = std::string(mcp_id);
  const bool traced = caller_.traceparent && *caller_.traceparent;
  if (!traced && !child_wanted) return {};
  context_ = start_context(payload_, mcp_id_, id_, caller_.traceparent, caller_.tracestate,
                           exports_span, now_us_);
  payload_ = context_->payload;
  return context_->notes;
}

void StartRecording::check(const Recorder& recorder) {
  body_ = recorder.checked_body(Action::kStart, id_, payload_, now_us_);
}

std::string StartRecording::record(Recorder& recorder) {
  // The body checked is the body recorded; without one (logging disabled,
  // no mcp_id), record() says what it does.
  std::string file = body_ ? recorder.record_body({Action::kStart, id_, mcp_id_, now_us_}, *body_)
                           : recorder.record(Action::kStart, id_, payload_, now_us_);
  recorded_ = true;
  return file;
}

StartContext StartRecording::child_context() const {
  if (recorded_ && context_) return *context_;
  // No span of ours: the caller's context, whatever the mcp_id and time.
  return start_context(payload_, mcp_id_, id_, caller_.traceparent, caller_.tracestate, false);
}

}  // namespace mcpr
