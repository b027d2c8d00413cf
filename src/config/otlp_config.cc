// The OpenTelemetry sink's settings (man page CONFIGURATION, OPENTELEMETRY SINK): the logs URL and the
// extra headers, from the config file and OpenTelemetry's exporter variables
// as the OpenTelemetry specification defines them.
#include <strings.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "src/config/config.h"
#include "src/config/config_file.h"
#include "src/util/failure.h"
#include "src/util/text.h"

namespace mcpr {
namespace {

constexpr const char kDefaultOtlpEndpoint[] = "http://localhost:4318";

std::string trimmed(const std::string& s) { return std::string(trim(s, " \t\r")); }

// RFC 9110's token characters, what a header name may hold.
bool is_token(const std::string& name) {
  if (name.empty()) return false;
  for (unsigned char c : name)
    if (!std::isalnum(c) && !std::strchr("!#$%&'*+-.^_`|~", c)) return false;
  return true;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decoding, as W3C Baggage values are encoded; false for a bad escape.
bool url_decode(const std::string& in, std::string* out) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      *out += in[i];
      continue;
    }
    if (i + 2 >= in.size()) return false;
    const int high = hex_digit(in[i + 1]), low = hex_digit(in[i + 2]);
    if (high < 0 || low < 0) return false;
    *out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return true;
}

}  // namespace

void parse_otlp_headers(const std::string& text, bool lines, const std::string& source,
                        std::vector<std::pair<std::string, std::string>>* out) {
  std::istringstream in(text);
  std::string entry;
  int number = 0;
  while (std::getline(in, entry, lines ? '\n' : ',')) {
    ++number;
    const std::string where = lines ? source + ":" + std::to_string(number) : source;
    entry = trimmed(entry);
    if (entry.empty() || (lines && entry[0] == '#')) continue;
    const size_t split = entry.find(lines ? ':' : '=');
    if (split == std::string::npos)
      throw Failure(kExitConfig, where,
                    lines ? "not a 'Name: value' line" : "an entry is not 'name=value'");
    std::string name = trimmed(entry.substr(0, split));
    std::string value = trimmed(entry.substr(split + 1));
    std::string decoded;
    if (!lines && !url_decode(value, &decoded))
      throw Failure(kExitConfig, where, "header " + name + ": a bad %-escape in its value");
    if (!lines) value = decoded;
    if (!is_token(name)) throw Failure(kExitConfig, where, "'" + name + "' is not a header name");
    for (unsigned char c : value)
      if ((c < 0x20 && c != '\t') || c == 0x7f)
        throw Failure(kExitConfig, where, "header " + name + ": its value holds a control character");
    bool replaced = false;
    for (auto& [n, v] : *out) {
      if (strcasecmp(n.c_str(), name.c_str()) == 0) {
        v = value;
        replaced = true;
      }
    }
    if (!replaced) out->emplace_back(name, value);
  }
}

bool Config::otlp_sends(const std::string& signal) const {
  const std::vector<std::string_view> items = split_list(otlp_signals);
  return std::find(items.begin(), items.end(), signal) != items.end();
}

bool Config::exports_spans() const {
  return enabled && sink == SinkKind::kOtlp && otlp_sends("traces");
}

std::string Config::otlp_url(const std::string& signal) const {
  const std::string& given = signal == "traces" ? otlp_env_traces_url : otlp_env_logs_url;
  const Origin::Kind from = origin("interaction_logging.otlp_endpoint").kind;
  // OpenTelemetry's variables are defaults: an otlp_endpoint from the file
  // ranks above the signal's own variable, which ranks above the generic one.
  if (!given.empty() && (otlp_endpoint.empty() || from == Origin::kEnvironment)) return given;
  std::string base = otlp_endpoint.empty() ? kDefaultOtlpEndpoint : otlp_endpoint;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/v1/" + signal;
}

std::vector<std::pair<std::string, std::string>> Config::otlp_headers(
    const std::string& signal) const {
  std::vector<std::pair<std::string, std::string>> headers;
  if (!otlp_env_headers.empty())
    parse_otlp_headers(otlp_env_headers, false, "OTEL_EXPORTER_OTLP_HEADERS", &headers);
  const std::string& own = signal == "traces" ? otlp_env_traces_headers
                           : signal == "logs" ? otlp_env_logs_headers
                                              : otlp_env_headers;
  if (!signal.empty() && !own.empty())
    parse_otlp_headers(own, false,
                       signal == "traces" ? "OTEL_EXPORTER_OTLP_TRACES_HEADERS"
                                          : "OTEL_EXPORTER_OTLP_LOGS_HEADERS",
                       &headers);
  if (!otlp_headers_file.empty()) {
    parse_otlp_headers(read_small_file("otlp_headers_file", otlp_headers_file, 64 * 1024), true,
                       otlp_headers_file, &headers);
  }
  return headers;
}

}  // namespace mcpr
