// The OpenTelemetry sink (man page OPENTELEMETRY SINK): each batch of up to
// otlp_batch events is one OTLP/HTTP JSON export request per signal (more
// when one would pass otlp_max_request_kb), gzipped when that pays: the spans of the interactions that end in it (traces) and
// one record per event (logs); answers are read by OTLP's rules
// (http_status.h, otlp_policy.h). Delivered starts are kept until their
// interaction ends, for its span.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "src/delivery/otlp_json.h"
#include "src/delivery/sink.h"

namespace mcpr {

struct Config;

struct OtlpSinkOptions {
  struct Signal {
    OtlpSignal signal;
    std::string url;  // the full URL, .../v1/traces or .../v1/logs
    std::vector<std::pair<std::string, std::string>> headers;
    // OTEL_EXPORTER_OTLP_*COMPRESSION: "none", "gzip" (every request), or
    // "" (gzip when it pays: a body of kGzipThreshold bytes or more).
    std::string compression;
  };
  std::vector<Signal> signals;  // those otlp_signals names, traces first
  size_t max_batch = 512;
  // The largest request body (uncompressed) the sink makes: a batch's items
  // of one signal that would not fit go in further requests.
  size_t max_request_bytes = 4 << 20;
  std::string host_name;                   // resource host.name
  std::vector<std::pair<std::string, std::string>> resource;  // OTEL_RESOURCE_ATTRIBUTES'
  // The attribute value length limits in characters (kNoLimit: none).
  size_t span_value_limit = kNoLimit, log_value_limit = kNoLimit;
  std::function<int64_t()> now_unix_nano;  // observedTimeUnixNano; the wall clock when unset
};

std::unique_ptr<Sink> make_otlp_sink(OtlpSinkOptions options);

// The options from the configuration and this host. Throws Failure (78) for
// an unreadable headers file.
OtlpSinkOptions otlp_sink_options(const Config& config);

}  // namespace mcpr
