// gzip for request bodies: OTLP batches of JSON shrink 5-20x, which is what
// a Collector behind a metered or remote link wants (man page OPENTELEMETRY SINK).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mcpr {

// Bodies smaller than this are sent as they are: a packet or two either way,
// so compressing them only costs CPU on both sides.
inline constexpr size_t kGzipThreshold = 1024;

// The gzip (RFC 1952) stream of `data`, or nullopt if zlib fails.
std::optional<std::string> gzip_compress(std::string_view data);

}  // namespace mcpr
