#include "src/delivery/otlp_policy.h"

#include <cctype>

namespace mcpr {
namespace {

// The position just after `"key"` and its colon, or npos.
size_t value_of(std::string_view body, std::string_view key) {
  const std::string quoted = "\"" + std::string(key) + "\"";
  size_t at = body.find(quoted);
  if (at == std::string_view::npos) return at;
  at += quoted.size();
  while (at < body.size() && std::isspace(static_cast<unsigned char>(body[at]))) ++at;
  if (at >= body.size() || body[at] != ':') return std::string_view::npos;
  ++at;
  while (at < body.size() && std::isspace(static_cast<unsigned char>(body[at]))) ++at;
  return at;
}

// A JSON string's text from its opening quote, undoing the simple escapes;
// a string cut short ends where the body does.
std::string json_string_at(std::string_view body, size_t at) {
  std::string out;
  if (at >= body.size() || body[at] != '"') return out;
  for (size_t i = at + 1; i < body.size() && body[i] != '"'; ++i) {
    char c = body[i];
    if (c == '\\' && i + 1 < body.size()) {
      c = body[++i];
      if (c == 'n' || c == 'r' || c == 't') c = ' ';
      if (c == 'u') {  // not decoded: kept as the escape, for a log line
        out += "\\u";
        continue;
      }
    }
    out += c;
  }
  return out;
}

}  // namespace

std::optional<OtlpPartialSuccess> parse_partial_success(std::string_view body,
                                                       std::string_view count_key) {
  const size_t partial = value_of(body, "partialSuccess");
  if (partial == std::string_view::npos) return std::nullopt;
  body = body.substr(partial);
  OtlpPartialSuccess p;
  // int64 in OTLP JSON is a decimal string, but receivers also send numbers.
  if (size_t at = value_of(body, count_key); at != std::string_view::npos) {
    if (at < body.size() && body[at] == '"') ++at;
    while (at < body.size() && std::isdigit(static_cast<unsigned char>(body[at])) &&
           p.rejected < INT64_MAX / 10)
      p.rejected = p.rejected * 10 + (body[at++] - '0');
  }
  if (size_t at = value_of(body, "errorMessage"); at != std::string_view::npos)
    p.message = json_string_at(body, at);
  if (p.rejected == 0 && p.message.empty()) return std::nullopt;
  return p;
}

}  // namespace mcpr
