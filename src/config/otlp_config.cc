// The OpenTelemetry sink's settings (man page CONFIGURATION, OPENTELEMETRY SINK): the logs URL and the
// extra headers, from the config file and OpenTelemetry's exporter variables
// as the OpenTelemetry specification defines them.
#include <strings.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
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

std::string Config::otlp_sink_hint() const {
  if (sink != SinkKind::kCoordinator) return "";
  std::string given;
  if (!otlp_endpoint.empty()) {
    const Origin& from = origin("interaction_logging.otlp_endpoint");
    given = from.kind == Origin::kEnvironment ? from.detail : "otlp_endpoint";
  } else if (!otlp_env_traces_url.empty()) {
    given = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";
  } else if (!otlp_env_logs_url.empty()) {
    given = "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT";
  }
  if (given.empty()) return "";
  return given + " is set, but the sink is the coordinator: to send to it, set sink = \"otlp\" "
                 "in [interaction_logging] or MCP_REPORT_SINK=otlp";
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


namespace {

const char* env_value(const GetEnv& getenv, const std::string& name) {
  const char* value = getenv(name.c_str());
  return value && *value ? value : nullptr;  // empty is unset, as the specification says
}

// OTEL_EXPORTER_OTLP_<SIGNAL>_<what> when set, else OTEL_EXPORTER_OTLP_<what>:
// the variable's name and value, or {"", nullptr}.
std::pair<std::string, const char*> signal_setting(const GetEnv& getenv, const char* signal,
                                                   const char* what) {
  std::string own = std::string("OTEL_EXPORTER_OTLP_") + signal + "_" + what;
  if (const char* v = env_value(getenv, own)) return {own, v};
  std::string generic = std::string("OTEL_EXPORTER_OTLP_") + what;
  if (const char* v = env_value(getenv, generic)) return {generic, v};
  return {"", nullptr};
}

// OTEL_RESOURCE_ATTRIBUTES ("k=v,k2=v2", values percent-encoded as W3C
// Baggage's): the pairs, or the reason the whole value is discarded.
std::string parse_resource_attributes(const std::string& text,
                                      std::vector<std::pair<std::string, std::string>>* out) {
  std::istringstream in(text);
  std::string entry;
  while (std::getline(in, entry, ',')) {
    entry = trimmed(entry);
    if (entry.empty()) continue;
    const size_t split = entry.find('=');
    if (split == std::string::npos || trimmed(entry.substr(0, split)).empty())
      return "an entry is not key=value";
    const std::string key = trimmed(entry.substr(0, split));
    std::string value;
    if (!url_decode(trimmed(entry.substr(split + 1)), &value))
      return "'" + key + "' has a bad %-escape in its value";
    for (unsigned char c : key + value)
      if (c < 0x20 || c == 0x7f) return "'" + key + "' holds a control character";
    bool replaced = false;
    for (auto& [k, v] : *out)
      if (k == key) v = value, replaced = true;
    if (!replaced) out->emplace_back(key, value);
  }
  return "";
}

// An attribute length limit: an integer from 0 to 2^31 - 1, else nullopt.
std::optional<int64_t> length_limit(const char* text) {
  const std::string s = trimmed(text);
  if (s.empty() || s.size() > 10 || s.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  const int64_t n = std::stoll(s);
  if (n > 2147483647) return std::nullopt;
  return n;
}

// The OTEL_EXPORTER_OTLP_* settings the sink does not take, by name after
// the signal part, and why.
struct Unsupported {
  const char* what;
  const char* why;
};
constexpr Unsupported kUnsupported[] = {
    {"TIMEOUT", "set timeout in [interaction_logging]"},
    {"CERTIFICATE", "set ca_file in [interaction_logging]"},
    {"CLIENT_KEY", "no client certificates"},
    {"CLIENT_CERTIFICATE", "no client certificates"},
    {"INSECURE", "it is for gRPC; the URL's scheme says"},
};
constexpr const char* kMetricsSettings[] = {
    "ENDPOINT", "HEADERS", "PROTOCOL", "COMPRESSION", "TIMEOUT", "CERTIFICATE",
    "CLIENT_KEY", "CLIENT_CERTIFICATE", "INSECURE", "TEMPORALITY_PREFERENCE",
    "DEFAULT_HISTOGRAM_AGGREGATION"};

// Why a service.name from the environment is not used.
std::string service_name_stays(const std::string& mcp_id) {
  return "service.name is " + (mcp_id.empty() ? std::string("each event's mcp_id")
                                              : "the mcp_id '" + mcp_id + "'") +
         " (the configuration ranks above the environment; set mcp_id to change it)";
}

}  // namespace

std::string unhonoured_otel_variables_warning(const std::vector<std::string>& environment) {
  // Those honoured, or warned about by name in apply_otel_sdk_environment.
  auto known = [](const std::string& name) {
    static const char* const kWhole[] = {
        "OTEL_RESOURCE_ATTRIBUTES", "OTEL_SERVICE_NAME", "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT",
        "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT",
        "OTEL_EXPORTER_OTLP_SPAN_INSECURE", "OTEL_EXPORTER_OTLP_METRIC_INSECURE"};
    for (const char* whole : kWhole)
      if (name == whole) return true;
    const std::string otlp = "OTEL_EXPORTER_OTLP_";
    if (name.rfind(otlp, 0) != 0) return false;
    std::string what = name.substr(otlp.size());
    if (what.rfind("METRICS_", 0) == 0) {
      for (const char* m : kMetricsSettings)
        if (what.substr(8) == m) return true;
      return false;
    }
    for (const char* signal : {"TRACES_", "LOGS_"})
      if (what.rfind(signal, 0) == 0) what.erase(0, std::strlen(signal));
    for (const char* w : {"ENDPOINT", "HEADERS", "PROTOCOL", "COMPRESSION"})
      if (what == w) return true;
    for (const Unsupported& u : kUnsupported)
      if (what == u.what) return true;
    return false;
  };
  std::vector<std::string> names;
  for (const std::string& entry : environment) {
    const size_t eq = entry.find('=');
    if (eq == std::string::npos || eq + 1 == entry.size()) continue;  // empty: unset
    const std::string name = entry.substr(0, eq);
    if (name.rfind("OTEL_", 0) == 0 && !known(name)) names.push_back(name);
  }
  if (names.empty()) return "";
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  std::string list;
  for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
  return list + (names.size() == 1 ? " is" : " are") +
         " not honoured (ignored): mcp-report is an OTLP exporter, not an OpenTelemetry SDK; "
         "otlp_signals chooses the signals sent, enable_interaction_logging = false stops "
         "recording (man page OPENTELEMETRY SINK)";
}

void apply_otel_sdk_environment(Config& config, const GetEnv& getenv) {
  std::vector<std::string> warnings;
  const char* signals[] = {"TRACES", "LOGS"};
  std::string* compression[] = {&config.otlp_traces_compression, &config.otlp_logs_compression};
  // Protocol: an enum whose other values the sink does not speak. The
  // specification's rule for enums: "if the user provides a value the
  // implementation does not recognize, the implementation MUST generate a
  // warning and gracefully ignore the setting".
  std::map<std::string, std::vector<std::string>> protocol_urls;  // by "VAR=value"
  std::vector<std::string> protocol_order;
  for (int k = 0; k < 2; ++k) {
    const std::string signal_name = k == 0 ? "traces" : "logs";
    auto [var, value] = signal_setting(getenv, signals[k], "PROTOCOL");
    if (value && std::strcmp(value, "http/json") != 0) {
      const std::string key = var + "=" + value;
      if (!protocol_urls.count(key)) protocol_order.push_back(key);
      if (config.otlp_sends(signal_name))
        protocol_urls[key].push_back(display_url(config.otlp_url(signal_name)));
    }
    // Compression: none or gzip; unset leaves gzip to when it pays.
    const std::string own = std::string("OTEL_EXPORTER_OTLP_") + signals[k] + "_COMPRESSION";
    for (const std::string& name : {std::string("OTEL_EXPORTER_OTLP_COMPRESSION"), own}) {
      const char* v = env_value(getenv, name);
      if (!v) continue;
      if (std::strcmp(v, "none") == 0 || std::strcmp(v, "gzip") == 0)
        *compression[k] = v;
      else if (k == 0 || name == own)
        warnings.push_back(name + "=" + v + ": not none or gzip (ignored)");
    }
  }
  for (const std::string& key : protocol_order) {
    const std::string value = key.substr(key.find('=') + 1);
    if (value == "grpc" || value == "http/protobuf") {
      std::string urls;
      for (const std::string& u : protocol_urls[key]) urls += (urls.empty() ? "" : " and ") + u;
      warnings.push_back(key + ": the OTLP sink speaks only http/json (OTLP/HTTP with JSON)" +
                         (urls.empty() ? std::string() : "; it sends that to " + urls));
    } else {
      warnings.push_back(key +
                         ": not grpc, http/protobuf or http/json (ignored; the OTLP sink sends "
                         "http/json)");
    }
  }
  // The resource: OTEL_RESOURCE_ATTRIBUTES, merged "as the secondary
  // resource, with any resource information provided by the user" (the
  // Resource SDK): service.name stays the mcp_id.
  if (const char* text = env_value(getenv, "OTEL_RESOURCE_ATTRIBUTES")) {
    std::vector<std::pair<std::string, std::string>> attributes;
    if (std::string why = parse_resource_attributes(text, &attributes); !why.empty()) {
      warnings.push_back("OTEL_RESOURCE_ATTRIBUTES: " + why + " (all of it ignored)");
      attributes.clear();
    }
    std::string service;
    for (const auto& [k, v] : attributes)
      if (k == "service.name") service = v;
      else config.otlp_resource.emplace_back(k, v);
    if (!service.empty() && service != config.mcp_id && !env_value(getenv, "OTEL_SERVICE_NAME"))
      warnings.push_back("OTEL_RESOURCE_ATTRIBUTES service.name=" + service + ": " +
                         service_name_stays(config.mcp_id));
  }
  if (const char* name = env_value(getenv, "OTEL_SERVICE_NAME"); name && name != config.mcp_id)
    warnings.push_back(std::string("OTEL_SERVICE_NAME=") + name + ": " +
                       service_name_stays(config.mcp_id));
  // Attribute value length limits: the general one, then each kind's own.
  const std::pair<const char*, std::vector<int64_t*>> limits[] = {
      {"OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT",
       {&config.otlp_span_value_limit, &config.otlp_log_value_limit}},
      {"OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", {&config.otlp_span_value_limit}},
      {"OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT", {&config.otlp_log_value_limit}}};
  for (const auto& [var, fields] : limits) {
    const char* text = env_value(getenv, var);
    if (!text) continue;
    if (std::optional<int64_t> n = length_limit(text)) {
      for (int64_t* f : fields) *f = *n;
    } else {
      warnings.push_back(std::string(var) + "=" + text +
                         ": not a whole number from 0 to 2147483647 (ignored)");
    }
  }
  for (const char* signal : {"", "TRACES_", "LOGS_"})
    for (const Unsupported& u : kUnsupported) {
      const std::string var = std::string("OTEL_EXPORTER_OTLP_") + signal + u.what;
      if (env_value(getenv, var)) warnings.push_back(var + " is not supported (ignored): " + u.why);
    }
  for (const char* what : kMetricsSettings) {
    const std::string var = std::string("OTEL_EXPORTER_OTLP_METRICS_") + what;
    if (env_value(getenv, var))
      warnings.push_back(var + " is not supported (ignored): mcp-report sends no metrics");
  }
  for (const char* var : {"OTEL_EXPORTER_OTLP_SPAN_INSECURE", "OTEL_EXPORTER_OTLP_METRIC_INSECURE"})
    if (env_value(getenv, var))
      warnings.push_back(std::string(var) +
                         " is not supported (ignored): it is for gRPC; the URL's scheme says");
  // A signal's URL given as the base: /v1/<signal> would be added to it.
  std::string base = config.otlp_endpoint;
  while (!base.empty() && base.back() == '/') base.pop_back();
  for (const char* signal : {"traces", "logs"}) {
    const std::string tail = std::string("/v1/") + signal;
    if (base.size() < tail.size() || base.compare(base.size() - tail.size(), tail.size(), tail))
      continue;
    const Origin& from = config.origin("interaction_logging.otlp_endpoint");
    const std::string name = from.kind == Origin::kEnvironment ? from.detail : "otlp_endpoint";
    std::string upper = signal;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    warnings.push_back(name + " " + display_url(config.otlp_endpoint) + " ends in " + tail +
                       ": it is the base URL, to which /v1/traces and /v1/logs are added "
                       "(requests go to " +
                       display_url(base) + "/v1/traces); leave " + tail +
                       " out, or give a full URL in OTEL_EXPORTER_OTLP_" + upper + "_ENDPOINT");
  }
  if (config.enabled && config.sink == SinkKind::kOtlp)
    config.warnings.insert(config.warnings.end(), warnings.begin(), warnings.end());
}

}  // namespace mcpr
