// What the OTLP/HTTP JSON export requests of both signals share (man page
// OPENTELEMETRY SINK), by the OTLP specification
// (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding):
// lowerCamelCase keys, hex ids, 64-bit integers as decimal strings, enums
// as integers; AnyValues and attributes; and the envelope that groups the
// items by resource (service.name = mcp_id, host.name) under one scope.
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mcpr {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

// The schema of the semantic conventions our attributes follow (v1.41.0,
// mcp_conventions.h), on every resource and scope: a Collector's schema
// processor can translate later renames.
inline constexpr char kSemconvSchemaUrl[] = "https://opentelemetry.io/schemas/1.41.0";

// The two signals the sink sends, each to its own URL.
enum class OtlpSignal { kTraces, kLogs };

struct OtlpResourceInfo {
  std::string host_name;      // resource attribute host.name ("" leaves it out)
  std::string scope_version;  // InstrumentationScope.version
  // $OTEL_RESOURCE_ATTRIBUTES', after service.name and host.name (a
  // host.name here replaces ours).
  std::vector<std::pair<std::string, std::string>> attributes;
};

// An AnyValue (common.proto) holding a JSON value: objects are kvlists,
// arrays arrays, integers that fit int64 decimal strings, null an empty value.
// Strings in it are cut to `limit` characters.
void write_any_value(JsonWriter& w, const rapidjson::Value& v, size_t limit = SIZE_MAX);

// No attribute value length limit (OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT unset).
inline constexpr size_t kNoLimit = SIZE_MAX;

// `text` cut to at most `limit` characters (UTF-8 code points, a byte that
// is not UTF-8 counting as one), between two characters: OpenTelemetry's
// attribute value length limit ("counting any character in it as 1").
std::string_view limit_chars(std::string_view text, size_t limit);

// One KeyValue of an attributes list; a string value cut to `limit`
// characters.
void write_attribute(JsonWriter& w, std::string_view key, const rapidjson::Value& value,
                     size_t limit = kNoLimit);
void write_string_attribute(JsonWriter& w, std::string_view key, std::string_view value,
                            size_t limit = kNoLimit);
void write_int_attribute(JsonWriter& w, std::string_view key, int64_t value);

// Writes a 64-bit integer as OTLP JSON wants it: a decimal string.
void write_int64(JsonWriter& w, int64_t value);

// One export request of a signal: items (spans or log records, each a JSON
// object) grouped in one ResourceSpans/ResourceLogs per mcp_id, in the
// order the mcp_ids first appear; within a resource the items keep the
// order they were added in. Each item is written straight into its
// resource's buffer.
class OtlpEnvelope {
 public:
  OtlpEnvelope(OtlpSignal signal, OtlpResourceInfo info)
      : signal_(signal), info_(std::move(info)) {}

  // Begins an item of the resource of `mcp_id`: the caller writes one JSON
  // object with the writer returned, then calls end_item().
  JsonWriter& begin_item(std::string_view mcp_id);
  void end_item();
  size_t size() const { return items_; }
  // The request's JSON.
  std::string finish() const;
  // The items in as few requests as keep each one's JSON within
  // `max_bytes`, in order; an item too large for that alone goes alone.
  std::vector<std::string> finish(size_t max_bytes) const;

 private:
  struct Resource {
    std::string mcp_id;
    rapidjson::StringBuffer items;  // the items joined by ','
    std::vector<size_t> ends;       // where each item ends in `items`
  };
  // Items [first, last) of resource `r`, a slice of one request.
  struct Slice {
    size_t r, first, last;
  };
  std::string render(const std::vector<Slice>& slices) const;
  // The JSON around a resource's items: before them, and after (the same
  // for all).
  std::string resource_head(const Resource& r) const;
  OtlpSignal signal_;
  OtlpResourceInfo info_;
  std::vector<std::unique_ptr<Resource>> resources_;
  Resource* current_ = nullptr;  // the one of the item begun
  JsonWriter writer_;
  size_t items_ = 0;
};

// The JSON of an empty export request, a valid no-op (health).
std::string otlp_empty_request(OtlpSignal signal);
// The URL path of a signal's exports, "/v1/traces" or "/v1/logs".
const char* otlp_path(OtlpSignal signal);
// "traces" or "logs", as otlp_signals names them.
const char* otlp_signal_name(OtlpSignal signal);

}  // namespace mcpr
