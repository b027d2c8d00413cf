#include "src/delivery/otlp_json.h"

#include <charconv>
#include <cmath>
#include <cstring>

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

void write_any_value(JsonWriter& w, const rapidjson::Value& v, size_t limit) {
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
      write_any_value(w, m.value, limit);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  } else if (v.IsArray()) {
    w.Key("arrayValue");
    w.StartObject();
    w.Key("values");
    w.StartArray();
    for (const auto& e : v.GetArray()) write_any_value(w, e, limit);
    w.EndArray();
    w.EndObject();
  } else if (v.IsString()) {
    w.Key("stringValue");
    const std::string_view s = limit_chars({v.GetString(), v.GetStringLength()}, limit);
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
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

void write_attribute(JsonWriter& w, std::string_view key, const rapidjson::Value& value,
                     size_t limit) {
  w.StartObject();
  w.Key("key");
  write_key(w, key);
  w.Key("value");
  write_any_value(w, value, limit);
  w.EndObject();
}

std::string_view limit_chars(std::string_view text, size_t limit) {
  if (text.size() <= limit) return text;  // no more characters than bytes
  size_t chars = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xc0) == 0x80) continue;  // a continuation byte
    if (chars == limit) return text.substr(0, i);
    ++chars;
  }
  return text;
}

void write_string_attribute(JsonWriter& w, std::string_view key, std::string_view value,
                            size_t limit) {
  value = limit_chars(value, limit);
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
  if (it == resources_.end()) {
    resources_.push_back(std::make_unique<Resource>());
    current_ = resources_.back().get();
    current_->mcp_id = std::string(mcp_id);
  } else {
    current_ = it->get();
    current_->items.Put(',');
  }
  writer_.Reset(current_->items);
  return writer_;
}

void OtlpEnvelope::end_item() {
  current_->ends.push_back(current_->items.GetSize());
  ++items_;
}

std::string OtlpEnvelope::resource_head(const Resource& r) const {
  const SignalNames names = names_of(signal_);
  rapidjson::StringBuffer out;
  JsonWriter w(out);
  w.StartObject();
  w.Key("attributes");
  w.StartArray();
  write_string_attribute(w, "service.name", r.mcp_id);
  std::string_view host = info_.host_name;
  for (const auto& [key, value] : info_.attributes)
    if (key == "host.name") host = value;
  if (!host.empty()) write_string_attribute(w, "host.name", host);
  for (const auto& [key, value] : info_.attributes)
    if (key != "host.name" && key != "service.name") write_string_attribute(w, key, value);
  w.EndArray();
  w.EndObject();
  std::string head = "{\"resource\":";
  head.append(out.GetString(), out.GetSize());
  head += ",\"schemaUrl\":\"";
  head += kSemconvSchemaUrl;
  head += "\",\"";
  head += names.scopes;
  head += "\":[{\"scope\":{\"name\":\"mcp-report\",\"version\":";
  out.Clear();
  w.Reset(out);
  w.String(info_.scope_version.c_str());
  head.append(out.GetString(), out.GetSize());
  head += "},\"schemaUrl\":\"";
  head += kSemconvSchemaUrl;
  head += "\",\"";
  head += names.items;
  head += "\":[";
  return head;
}

namespace {
constexpr char kResourceTail[] = "]}]}";
}  // namespace

std::string OtlpEnvelope::render(const std::vector<Slice>& slices) const {
  const SignalNames names = names_of(signal_);
  std::string json = std::string("{\"") + names.resources + "\":[";
  for (size_t k = 0; k < slices.size(); ++k) {
    const Slice& s = slices[k];
    const Resource& r = *resources_[s.r];
    // Item i begins after the ',' that ends item i - 1.
    const size_t begin = s.first == 0 ? 0 : r.ends[s.first - 1] + 1;
    if (k) json += ',';
    json += resource_head(r);
    json.append(r.items.GetString() + begin, r.ends[s.last - 1] - begin);
    json += kResourceTail;
  }
  json += "]}";
  return json;
}

std::string OtlpEnvelope::finish() const {
  std::vector<Slice> all;
  for (size_t r = 0; r < resources_.size(); ++r) all.push_back({r, 0, resources_[r]->ends.size()});
  return render(all);
}

std::vector<std::string> OtlpEnvelope::finish(size_t max_bytes) const {
  std::vector<std::string> out;
  std::vector<Slice> slices;
  const size_t envelope = std::strlen(names_of(signal_).resources) + 8;  // {"…":[ … ]}
  size_t size = envelope;
  for (size_t r = 0; r < resources_.size(); ++r) {
    const Resource& res = *resources_[r];
    const size_t around = resource_head(res).size() + sizeof kResourceTail;  // with a ','
    for (size_t i = 0; i < res.ends.size(); ++i) {
      const size_t item = res.ends[i] - (i == 0 ? 0 : res.ends[i - 1] + 1) + 1;
      const bool open = !slices.empty() && slices.back().r == r;
      const size_t more = item + (open ? 0 : around);
      if (!slices.empty() && size + more > max_bytes) {
        out.push_back(render(slices));
        slices.clear();
        size = envelope;
      }
      if (!slices.empty() && slices.back().r == r) {
        slices.back().last = i + 1;
        size += item;
      } else {
        slices.push_back({r, i, i + 1});
        size += item + around;
      }
    }
  }
  if (!slices.empty()) out.push_back(render(slices));
  return out;
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
