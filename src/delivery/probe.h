// health and validate-key (man page DELIVERY COMMANDS): one request to the
// configured sink and what its answer says, for either sink.
//   coordinator: health is GET {url}/api/v2/health; validate-key POSTs
//     {url}/api/v2/validate with the API key, which it needs.
//   otlp: both POST an empty export request, a valid no-op, to each
//     signal's URL with the OTLP headers (the sink's credentials; there is
//     no API key).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "src/config/config.h"
#include "src/delivery/http_transport.h"

namespace mcpr {

enum class ProbeKind { kHealth, kValidateKey };

using TransportMaker = std::function<std::unique_ptr<HttpTransport>(const TransportOptions&)>;

// Sends the probe (one request for the coordinator, one per signal for the
// OTLP sink) through a transport from `make_transport` and returns the lines
// that say the peer accepts us, one per request. Throws Failure, for the
// first request that fails: 69 when the peer is
// unreachable or answers with a failure, 77 when it refuses our
// credentials, 78 for the configuration (no URL, no key for validate-key).
std::string run_probe(const Config& config, ProbeKind kind, const TransportMaker& make_transport);

}  // namespace mcpr
