#include "src/delivery/otlp_json.h"

#include <charconv>
#include <cmath>

namespace mcpr {
namespace {

struct SignalNames {
  const char* resources;  // ExportXServiceRequest's list
  const char* scopes;     // ResourceX's list
  const char* items;      // ScopeX's list
};

SignalNames names_of(OtlpSignal signal) {
  return signal == OtlpSignal::kTraces ? SignalNames{"resourceSpans", "scopeSpans", "spans"}
                                       : SignalNames{"resourceLogs", "scopeLogs", "logRecords"};
}

void write_key(JsonWriter& w, std::string_view key) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
}

}  // namespace

void write_int64(JsonWriter& w, int64_t value) {
  char text[24];
  const char* end = std::to_chars(text, text + sizeof text, value).ptr;
  w.String(text, static_cast<rapidjson::SizeType>(end - text));
}

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
      w.String(m.name.GetString(), m.name.GetStringLength());
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
    w.String(v.GetString(), v.GetStringLength());
  } else if (v.IsBool()) {
    w.Key("boolValue");
    w.Bool(v.GetBool());
  } else if (v.IsInt64()) {
    w.Key("intValue");
    write_int64(w, v.GetInt64());
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

void write_attribute(JsonWriter& w, std::string_view key, const rapidjson::Value& value) {
  w.StartObject();
  w.Key("key");
  write_key(w, key);
  w.Key("value");
  write_any_value(w, value);
  w.EndObject();
}

void write_string_attribute(JsonWriter& w, std::string_view key, std::string_view value) {
  w.StartObject();
  w.Key("key");
  write_key(w, key);
  w.Key("value");
  w.StartObject();
  w.Key("stringValue");
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  w.EndObject();
  w.EndObject();
}

void write_int_attribute(JsonWriter& w, std::string_view key, int64_t value) {
  w.StartObject();
  w.Key("key");
  write_key(w, key);
  w.Key("value");
  w.StartObject();
  w.Key("intValue");
  write_int64(w, value);
  w.EndObject();
  w.EndObject();
}

JsonWriter& OtlpEnvelope::begin_item(std::string_view mcp_id) {
  auto it = resources_.begin();
  while (it != resources_.end() && (*it)->mcp_id != mcp_id) ++it;
  Resource* r;
  if (it == resources_.end()) {
    resources_.push_back(std::make_unique<Resource>());
    r = resources_.back().get();
    r->mcp_id = std::string(mcp_id);
  } else {
    r = it->get();
    r->items.Put(',');
  }
  writer_.Reset(r->items);
  return writer_;
}

std::string OtlpEnvelope::finish() const {
  const SignalNames names = names_of(signal_);
  rapidjson::StringBuffer scope;
  JsonWriter w(scope);
  w.StartObject();
  w.Key("name");
  w.String("mcp-report");
  w.Key("version");
  w.String(info_.scope_version.c_str());
  w.EndObject();

  size_t room = 64;
  for (const auto& r : resources_) room += r->items.GetSize() + 256;
  std::string json;
  json.reserve(room);
  json += "{\"";
  json += names.resources;
  json += "\":[";
  for (size_t i = 0; i < resources_.size(); ++i) {
    rapidjson::StringBuffer resource;
    JsonWriter rw(resource);
    rw.StartObject();
    rw.Key("attributes");
    rw.StartArray();
    write_string_attribute(rw, "service.name", resources_[i]->mcp_id);
    if (!info_.host_name.empty()) write_string_attribute(rw, "host.name", info_.host_name);
    rw.EndArray();
    rw.EndObject();
    if (i) json += ',';
    json += "{\"resource\":";
    json.append(resource.GetString(), resource.GetSize());
    json += ",\"";
    json += names.scopes;
    json += "\":[{\"scope\":";
    json.append(scope.GetString(), scope.GetSize());
    json += ",\"";
    json += names.items;
    json += "\":[";
    json.append(resources_[i]->items.GetString(), resources_[i]->items.GetSize());
    json += "]}]}";
  }
  json += "]}";
  return json;
}

std::string otlp_empty_request(OtlpSignal signal) {
  return std::string("{\"") + names_of(signal).resources + "\":[]}";
}

const char* otlp_path(OtlpSignal signal) {
  return signal == OtlpSignal::kTraces ? "/v1/traces" : "/v1/logs";
}

const char* otlp_signal_name(OtlpSignal signal) {
  return signal == OtlpSignal::kTraces ? "traces" : "logs";
}

}  // namespace mcpr
