#include "src/delivery/otlp_logs.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cmath>
#include <cstdio>

#include "src/event/event.h"
#include "src/event/event_json.h"

namespace mcpr {
namespace {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

// Data members copied into the record's attributes when they hold a scalar:
// the OpenTelemetry semantic conventions' names for MCP (what `proxy` and
// instrumented servers record) and the general ones they refer to.
constexpr const char* kAttributeNames[] = {
    "mcp.method.name",       "mcp.protocol.version",  "mcp.resource.uri",
    "mcp.session.id",        "gen_ai.tool.name",      "gen_ai.prompt.name",
    "gen_ai.operation.name", "gen_ai.tool.call.id",   "jsonrpc.request.id",
    "jsonrpc.protocol.version", "rpc.response.status_code", "error.type",
    "network.transport",     "network.protocol.name", "network.protocol.version",
    "client.address",        "client.port",           "server.address",
    "server.port",
};

void write_text(JsonWriter& w, const rapidjson::Value& v) {
  w.String(v.GetString(), v.GetStringLength());
}

// An AnyValue (common.proto) holding a JSON value: objects are kvlists,
// arrays arrays, integers that fit int64 decimal strings, null an empty value.
void write_any_value(JsonWriter& w, const rapidjson::Value& v) {
  w.StartObject();
  if (v.IsObject()) {
    w.Key("kvlistValue");
    w.StartObject();
    w.Key("values");
    w.StartArray();
    for (const auto& m : v.GetObject()) {
      w.StartObject();
      w.Key("key");
      write_text(w, m.name);
      w.Key("value");
      write_any_value(w, m.value);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  } else if (v.IsArray()) {
    w.Key("arrayValue");
    w.StartObject();
    w.Key("values");
    w.StartArray();
    for (const auto& e : v.GetArray()) write_any_value(w, e);
    w.EndArray();
    w.EndObject();
  } else if (v.IsString()) {
    w.Key("stringValue");
    write_text(w, v);
  } else if (v.IsBool()) {
    w.Key("boolValue");
    w.Bool(v.GetBool());
  } else if (v.IsInt64()) {
    w.Key("intValue");
    w.String(std::to_string(v.GetInt64()).c_str());
  } else if (v.IsNumber()) {  // a fraction, an exponent, or beyond int64
    w.Key("doubleValue");
    const double d = v.GetDouble();
    if (std::isfinite(d))
      w.Double(d);
    else  // Python's NaN and infinities: the proto3 JSON mapping's strings
      w.String(std::isnan(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity");
  }
  w.EndObject();
}

void write_attribute(JsonWriter& w, const char* key, const rapidjson::Value& value) {
  w.StartObject();
  w.Key("key");
  w.String(key);
  w.Key("value");
  write_any_value(w, value);
  w.EndObject();
}

void write_string_attribute(JsonWriter& w, const char* key, const std::string& value) {
  write_attribute(w, key, rapidjson::Value(rapidjson::StringRef(value.data(), value.size())));
}

// The record's attributes: the interaction, the action, the event id, and the semantic
// convention names the data carries. A numeric jsonrpc.request.id becomes a
// string, its type in the conventions; the recorder's error_type stands in
// for a missing error.type.
void write_attributes(JsonWriter& w, const EventSummary& event, std::string_view event_id,
                      const rapidjson::Value& data) {
  w.Key("attributes");
  w.StartArray();
  write_string_attribute(w, "mcp.interaction.id", event.interaction_id);
  write_string_attribute(w, "mcp.action", action_info(event.action).name);
  if (!event_id.empty())
    write_attribute(w, "mcp.event.id",
                    rapidjson::Value(rapidjson::StringRef(event_id.data(), event_id.size())));
  for (const char* name : kAttributeNames) {
    auto it = data.FindMember(name);
    if (it == data.MemberEnd() || it->value.IsObject() || it->value.IsArray() ||
        it->value.IsNull())
      continue;
    if (std::string_view(name) == "jsonrpc.request.id" && it->value.IsNumber()) {
      rapidjson::StringBuffer number;
      rapidjson::Writer<rapidjson::StringBuffer> nw(number);
      it->value.Accept(nw);
      write_string_attribute(w, name, number.GetString());
    } else {
      write_attribute(w, name, it->value);
    }
  }
  auto type = data.FindMember("error_type");
  if (!data.HasMember("error.type") && type != data.MemberEnd() && type->value.IsString())
    write_attribute(w, "error.type", type->value);
  w.EndArray();
}

uint64_t fnv1a64(std::string_view text, uint64_t hash) {
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 0x100000001b3ull;
  }
  return hash;
}

}  // namespace

std::string otlp_trace_id(std::string_view interaction_id) {
  // Two FNV-1a hashes with different offsets; a trace id needs to be stable
  // and spread, not secret.
  uint64_t high = fnv1a64(interaction_id, 0xcbf29ce484222325ull);
  uint64_t low = fnv1a64(interaction_id, 0x84222325cbf29ce4ull);
  if (high == 0 && low == 0) low = 1;
  char hex[33];
  std::snprintf(hex, sizeof hex, "%016llx%016llx", static_cast<unsigned long long>(high),
                static_cast<unsigned long long>(low));
  return hex;
}

bool OtlpLogsEncoder::add(std::string_view body, std::string* error, std::string_view event_id) {
  std::optional<EventSummary> event = check_event(body, error);
  if (!event) return false;
  rapidjson::Document doc;
  doc.Parse<kEventParseFlags>(body.data(), body.size());
  const rapidjson::Value& data = doc[action_info(event->action).data_member];
  const bool is_error = event->action == Action::kError;

  rapidjson::StringBuffer out;
  JsonWriter w(out);
  w.StartObject();
  w.Key("timeUnixNano");
  w.String(std::to_string(event->timestamp_us * 1000).c_str());
  w.Key("observedTimeUnixNano");
  w.String(observed_.c_str());
  w.Key("severityNumber");  // SeverityNumber: 9 INFO, 17 ERROR
  w.Int(is_error ? 17 : 9);
  w.Key("severityText");
  w.String(is_error ? "ERROR" : "INFO");
  w.Key("body");
  write_any_value(w, data);
  write_attributes(w, *event, event_id, data);
  w.Key("traceId");
  w.String(otlp_trace_id(event->interaction_id).c_str());
  w.Key("eventName");
  w.String(action_info(event->action).name);
  w.EndObject();

  auto it = resources_.begin();
  while (it != resources_.end() && it->first != event->mcp_id) ++it;
  if (it == resources_.end()) {
    resources_.emplace_back(event->mcp_id, std::string());
    it = resources_.end() - 1;
  } else {
    it->second += ',';
  }
  it->second.append(out.GetString(), out.GetSize());
  ++records_;
  return true;
}

std::string OtlpLogsEncoder::finish() const {
  rapidjson::StringBuffer scope;
  JsonWriter w(scope);
  w.StartObject();
  w.Key("name");
  w.String("mcp-report");
  w.Key("version");
  w.String(info_.scope_version.c_str());
  w.EndObject();

  std::string json = "{\"resourceLogs\":[";
  for (size_t i = 0; i < resources_.size(); ++i) {
    rapidjson::StringBuffer resource;
    JsonWriter rw(resource);
    rw.StartObject();
    rw.Key("attributes");
    rw.StartArray();
    write_string_attribute(rw, "service.name", resources_[i].first);
    if (!info_.host_name.empty()) write_string_attribute(rw, "host.name", info_.host_name);
    rw.EndArray();
    rw.EndObject();
    if (i) json += ',';
    json += "{\"resource\":";
    json.append(resource.GetString(), resource.GetSize());
    json += ",\"scopeLogs\":[{\"scope\":";
    json.append(scope.GetString(), scope.GetSize());
    json += ",\"logRecords\":[";
    json += resources_[i].second;
    json += "]}]}";
  }
  json += "]}";
  return json;
}

}  // namespace mcpr
