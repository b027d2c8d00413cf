#include "src/delivery/sink.h"

#include <unordered_map>

#include "src/util/plural.h"

namespace mcpr {

std::vector<size_t> batch_starts(const std::vector<BatchEvent>& batch) {
  std::vector<size_t> starts(batch.size(), kNoStart);
  std::unordered_map<std::string_view, size_t> latest;  // interaction -> its latest start so far
  for (size_t k = 0; k < batch.size(); ++k) {
    if (batch[k].action == 's') latest[batch[k].interaction] = k;
    auto it = latest.find(batch[k].interaction);
    if (it != latest.end()) starts[k] = it->second;
  }
  return starts;
}

std::string credentials_hint(SinkKind sink, bool key_set) {
  if (sink == SinkKind::kOtlp)
    return "check the headers in otlp_headers_file or OTEL_EXPORTER_OTLP_HEADERS";
  if (!key_set) return "set coordinator_api_key or api_key_file, or MCP_REPORT_API_KEY";
  return "check coordinator_api_key, api_key_file or MCP_REPORT_API_KEY "
         "('mcp-report validate-key' tries the key)";
}

BatchOutcome batch_outcome(Outcome outcome, const HttpResponse& response) {
  using Kind = BatchOutcome::Kind;
  BatchOutcome o;
  switch (outcome) {
    case Outcome::kDelivered:
      o.kind = Kind::kDelivered;
      break;
    case Outcome::kUnreachable:
      o.kind = Kind::kOutage;
      break;
    case Outcome::kUnavailable:
      o.kind = Kind::kOutage;
      o.unavailable = true;
      break;
    case Outcome::kKeyRejected:
      o.kind = Kind::kKeyRejected;
      break;
    case Outcome::kThrottled:
      o.kind = Kind::kHold;
      o.retry_after = response.retry_after;
      break;
    case Outcome::kRetry:
      o.kind = Kind::kRetry;
      o.reason = describe_response(response, true);
      break;
    case Outcome::kPermanent:
      o.kind = Kind::kDead;
      o.reason = describe_response(response, true);
      o.category = "HTTP " + std::to_string(response.status);
      break;
  }
  o.detail = describe_response(response, false);
  return o;
}

namespace {

// How much an answer weighs when a batch's requests disagree.
int rank(BatchOutcome::Kind kind) {
  using Kind = BatchOutcome::Kind;
  switch (kind) {
    case Kind::kKeyRejected:
      return 6;
    case Kind::kOutage:
      return 5;
    case Kind::kHold:
      return 4;
    case Kind::kDead:
      return 3;
    case Kind::kTooLarge:
      return 2;
    case Kind::kRetry:
      return 1;
    case Kind::kDelivered:
      return 0;
  }
  return 0;
}

}  // namespace

std::string refused_text(const BatchOutcome& o) {
  if (o.rejected_what.empty()) return o.note;
  return plural(o.rejected, o.rejected_what) + (o.note.empty() ? "" : ": " + o.note);
}

BatchOutcome combine(BatchOutcome a, const BatchOutcome& b) {
  using Kind = BatchOutcome::Kind;
  if (a.kind == Kind::kDelivered && b.kind == Kind::kDelivered) {
    if (b.rejected || !b.note.empty()) {
      // Both refused some: one line for both, in the sum of their items.
      if ((a.rejected || !a.note.empty()) && a.rejected_what != b.rejected_what) {
        // Spans and log records: each count with its own message.
        auto part = [](const BatchOutcome& o) {
          if (o.rejected_what.empty()) return o.note;
          return plural(o.rejected, o.rejected_what) + (o.note.empty() ? "" : " (" + o.note + ")");
        };
        a.note = part(a) + " and " + part(b);
        a.rejected_what = "";
      } else if (a.rejected || !a.note.empty()) {
        a.note = a.note.empty() ? b.note : b.note.empty() ? a.note : a.note + "; " + b.note;
      } else {
        a.rejected_what = b.rejected_what;
        a.note = b.note;
      }
      a.rejected += b.rejected;
    }
    return a;
  }
  return rank(b.kind) > rank(a.kind) ? b : a;
}

}  // namespace mcpr
