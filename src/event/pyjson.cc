#include "src/event/pyjson.h"

#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>

#include <cstdint>
#include <cstdio>

#include "src/event/event_json.h"
#include "src/util/utf8.h"

namespace mcpr {
namespace {

void append_u(std::string* out, uint32_t unit) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "\\u%04x", unit & 0xffff);
  *out += buf;
}

// SAX handler writing each event in the Python style; when `capture` is set,
// the members of the top-level object are collected as they complete.
class PyWriter : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, PyWriter> {
 public:
  explicit PyWriter(JsonObject* capture) : capture_(capture) {}
  std::string out;

  bool Null() { return scalar("null"); }
  bool Bool(bool b) { return scalar(b ? "true" : "false"); }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool) {
    return scalar(std::string_view(s, n));
  }
  bool String(const char* s, rapidjson::SizeType n, bool) {
    prefix();
    return quote(std::string_view(s, n)) && completed();
  }
  bool StartObject() { return open('{', true); }
  bool StartArray() { return open('[', false); }
  bool EndObject(rapidjson::SizeType) { return close('}'); }
  bool EndArray(rapidjson::SizeType) { return close(']'); }
  bool Key(const char* s, rapidjson::SizeType n, bool) {
    prefix();
    if (!quote(std::string_view(s, n))) return false;
    out += ": ";
    stack_.back().after_key = true;
    if (capture_ && stack_.size() == 1) {
      key_.assign(s, n);
      value_start_ = out.size();
    }
    return true;
  }
  bool top_is_object() const { return top_object_; }
  // A string was not Unicode: RapidJSON 1.1.0 checks a \u escape of a high
  // surrogate for its low half, but passes a lone low one (\udc00-\udfff)
  // on as bytes that are not UTF-8.
  bool lone_surrogate() const { return lone_surrogate_; }

 private:
  struct Level {
    bool first = true;
    bool after_key = false;
  };

  bool quote(std::string_view text) {
    if (python_string(text, &out)) return true;
    lone_surrogate_ = true;
    return false;  // stops the parse
  }
  void prefix() {
    if (stack_.empty()) return;
    Level& level = stack_.back();
    if (level.after_key) {
      level.after_key = false;
      return;
    }
    if (!level.first) out += ", ";
    level.first = false;
  }
  bool scalar(std::string_view text) {
    prefix();
    out += text;
    return completed();
  }
  bool open(char c, bool object) {
    if (stack_.empty() && out.empty()) top_object_ = object;
    prefix();
    out += c;
    stack_.emplace_back();
    return true;
  }
  bool close(char c) {
    stack_.pop_back();
    out += c;
    return completed();
  }
  // A value has just been written: note it if it is a top-level member.
  bool completed() {
    if (capture_ && stack_.size() == 1 && top_object_)
      capture_->set(key_, out.substr(value_start_));
    return true;
  }

  JsonObject* capture_;
  std::vector<Level> stack_;
  std::string key_;
  size_t value_start_ = 0;
  bool top_object_ = false;
  bool lone_surrogate_ = false;
};

bool run(std::string_view text, PyWriter* writer, std::string* error) {
  // RapidJSON's memory stream reads a NUL as the end of the text, so
  // `{"a":1}<NUL>garbage` would pass with the rest dropped: refuse it here.
  if (size_t nul = text.find('\0'); nul != std::string_view::npos) {
    *error = "invalid JSON: a NUL byte (at byte " + std::to_string(nul) + ")";
    return false;
  }
  rapidjson::Reader reader;
  rapidjson::MemoryStream ms(text.data(), text.size());
  rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream> in(ms);
  constexpr unsigned kFlags =
      rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseValidateEncodingFlag;
  rapidjson::ParseResult result = reader.Parse<kFlags>(in, *writer);
  if (!result) {
    *error = writer->lone_surrogate()
                 ? "invalid JSON: a lone surrogate in a \\u escape (at byte " +
                       std::to_string(result.Offset()) + ")"
                 : json_syntax_error(text, result.Code(), result.Offset());
    return false;
  }
  return true;
}

}  // namespace

void JsonObject::set(const std::string& key, std::string value_json) {
  for (auto& member : members_) {
    if (member.first == key) {
      member.second = std::move(value_json);
      return;
    }
  }
  members_.emplace_back(key, std::move(value_json));
}

const std::string* JsonObject::get(const std::string& key) const {
  for (const auto& member : members_)
    if (member.first == key) return &member.second;
  return nullptr;
}

std::string JsonObject::str() const {
  std::string out = "{";
  for (size_t i = 0; i < members_.size(); ++i) {
    if (i) out += ", ";
    python_string(members_[i].first, &out);
    out += ": ";
    out += members_[i].second;
  }
  return out + "}";
}

bool python_string(std::string_view utf8, std::string* out) {
  std::string& o = *out;
  o += '"';
  for (size_t i = 0; i < utf8.size();) {
    uint32_t cp = 0;
    size_t len = decode_utf8(utf8, i, &cp);
    if (len == 0) return false;
    i += len;
    switch (cp) {
      case '"':
        o += "\\\"";
        continue;
      case '\\':
        o += "\\\\";
        continue;
      case '\n':
        o += "\\n";
        continue;
      case '\r':
        o += "\\r";
        continue;
      case '\t':
        o += "\\t";
        continue;
      case '\b':
        o += "\\b";
        continue;
      case '\f':
        o += "\\f";
        continue;
    }
    if (cp >= 0x20 && cp <= 0x7e) {
      o += static_cast<char>(cp);
    } else if (cp < 0x10000) {
      append_u(out, cp);
    } else {
      cp -= 0x10000;
      append_u(out, 0xd800 | (cp >> 10));
      append_u(out, 0xdc00 | (cp & 0x3ff));
    }
  }
  o += '"';
  return true;
}

bool to_python_json(std::string_view text, std::string* out, std::string* error) {
  PyWriter writer(nullptr);
  if (!run(text, &writer, error)) return false;
  *out = std::move(writer.out);
  return true;
}

bool parse_object(std::string_view text, JsonObject* out, std::string* error) {
  JsonObject members;
  PyWriter writer(&members);
  if (!run(text, &writer, error)) return false;
  if (!writer.top_is_object()) {
    *error = "not a JSON object";
    return false;
  }
  *out = std::move(members);
  return true;
}

}  // namespace mcpr
