#include "src/delivery/probe.h"

#include <cstdio>
#include <vector>

#include "src/delivery/flusher.h"
#include "src/delivery/http_status.h"
#include "src/delivery/otlp_json.h"
#include "src/delivery/otlp_sink.h"
#include "src/delivery/retry_policy.h"
#include "src/util/failure.h"
#include "src/util/printable.h"

namespace mcpr {
namespace {

// What a probe of one sink sends, and the words it answers with.
struct Probe {
  HttpRequest request;
  Peer peer = Peer::kCoordinator;
  std::string refused;           // what a 401/403 refused
  std::string refused_hint;
  std::string unreachable_hint;  // when nothing answered
};

Probe coordinator_probe(const Config& config, bool validate, const TransportOptions& options) {
  Probe p;
  p.request.method = validate ? "POST" : "GET";
  p.request.url = config.coordinator_url() + (validate ? "/api/v2/validate" : "/api/v2/health");
  const bool key_set = !options.api_key.empty();
  p.refused = key_set ? "the API key was rejected" : "no API key is set, and one is needed";
  p.refused_hint = credentials_hint(SinkKind::kCoordinator, key_set);
  if (!validate) p.unreachable_hint = "is the coordinator running, and is coordinator_url right?";
  return p;
}

Probe otlp_probe(const OtlpSinkOptions::Signal& signal) {
  Probe p;
  p.request.url = signal.url;
  p.request.body = otlp_empty_request(signal.signal);
  p.request.headers = signal.headers;
  p.request.bearer = false;
  p.peer = Peer::kOtlp;
  p.refused = "the endpoint refused us";
  p.refused_hint = credentials_hint(SinkKind::kOtlp, true);
  p.unreachable_hint = "is the OpenTelemetry Collector running, and is otlp_endpoint right?";
  return p;
}

// "HTTP 200, 12 ms" style words for the line that says the peer accepts us.
std::string accepted_line(const Config& config, bool validate, const Probe& p,
                          const HttpResponse& r, const std::string& latency) {
  const std::string status = std::to_string(r.status);
  if (config.sink == SinkKind::kOtlp)
    return validate ? "OTLP headers accepted by " + display_url(p.request.url) + " (HTTP " +
                          status + ", " + latency +
                          (p.request.headers.empty() ? "; no headers are set, none were needed"
                                                     : "") +
                          ")"
                    : "OTLP endpoint " + display_url(p.request.url) + " is up: HTTP " + status +
                          " in " + latency;
  const std::string base = config.coordinator_url();
  return validate ? "API key accepted by " + display_url(base) + " (HTTP " + status + ", " +
                        latency + ")"
                  : "coordinator " + display_url(base) + " is up: HTTP " + status + " in " +
                        latency +
                        (r.body_start.empty() ? "" : ": " + printable(r.body_start.substr(0, 200)));
}

}  // namespace

std::string run_probe(const Config& config, ProbeKind kind, const TransportMaker& make_transport) {
  const bool validate = kind == ProbeKind::kValidateKey;
  const bool otlp = config.sink == SinkKind::kOtlp;
  // The sink's own settings first: a missing URL or headers file is 78
  // before the key is read.
  std::optional<OtlpSinkOptions> sink;
  if (otlp)
    sink = otlp_sink_options(config);
  else
    config.coordinator_url();
  const TransportOptions options = transport_options(config);
  if (validate) require_api_key(config, options);
  std::vector<Probe> probes;
  if (otlp)
    for (const OtlpSinkOptions::Signal& signal : sink->signals) probes.push_back(otlp_probe(signal));
  else
    probes.push_back(coordinator_probe(config, validate, options));
  std::unique_ptr<HttpTransport> transport = make_transport(options);
  std::string lines;
  for (const Probe& p : probes) {
    const HttpResponse r = perform(*transport, p.request, options.timeout, system_clock());
    char latency[32];
    std::snprintf(latency, sizeof latency, "%.0f ms", r.seconds * 1000);
    const std::string what =
        (validate ? "validate-key: " : "health: ") + display_url(p.request.url);
    const int exit_code = probe_exit_status(classify(r, p.peer));
    if (exit_code == kExitNoPerm)
      throw Failure(exit_code, what,
                    p.refused + " (HTTP " + std::to_string(r.status) + ", " + latency + ")",
                    p.refused_hint);
    if (exit_code != kExitOk) {
      const bool answered = r.error == NetError::kNone;
      throw Failure(exit_code, what,
                    answered ? describe_response(r, true) + " (" + latency + ")"
                             : describe_response(r, false),
                    answered ? "" : p.unreachable_hint);
    }
    lines += (lines.empty() ? "" : "\n") + accepted_line(config, validate, p, r, latency);
  }
  return lines;
}

}  // namespace mcpr
