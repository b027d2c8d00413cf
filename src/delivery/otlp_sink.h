// The OpenTelemetry sink (man page OPENTELEMETRY SINK): batches of up to otlp_batch events as
// one OTLP/HTTP JSON logs export request each, gzipped when that pays,
// answers read by OTLP's retry rules (otlp_policy.h).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "src/delivery/sink.h"

namespace mcpr {

struct Config;

struct OtlpSinkOptions {
  std::string url;  // the full logs URL, .../v1/logs
  std::vector<std::pair<std::string, std::string>> headers;
  size_t max_batch = 512;
  std::string host_name;                 // resource host.name
  std::function<int64_t()> now_unix_nano;  // observedTimeUnixNano; the wall clock when unset
};

std::unique_ptr<Sink> make_otlp_sink(OtlpSinkOptions options);

// The options from the configuration and this host. Throws Failure (78) for
// an unreadable headers file.
OtlpSinkOptions otlp_sink_options(const Config& config);

}  // namespace mcpr
