#include "src/config/config.h"

#include <cctype>

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string_view>
#include <vector>

#include "src/config/config_file.h"
#include "src/config/http_url.h"
#include "src/util/failure.h"
#include "src/util/path.h"
#include "src/util/text.h"
#include "src/util/utf8.h"

namespace mcpr {
namespace {

using Field = std::variant<bool Config::*, int64_t Config::*, double Config::*,
                           std::string Config::*, SinkKind Config::*>;

struct KeySpec {
  const char* table;
  const char* name;
  Field field;
  double min = 0;  // lowest accepted number
  bool is_path = false;
  bool secret = false;
  bool list = false;  // a TOML array of strings, kept comma-joined
};

const KeySpec kKeys[] = {
    {"mcp", "mcp_id", &Config::mcp_id},
    {"mcp", "name", &Config::name},
    {"mcp", "version", &Config::version},
    {"interaction_logging", "enable_interaction_logging", &Config::enabled},
    {"interaction_logging", "coordinator_url", &Config::url},
    {"interaction_logging", "coordinator_api_key", &Config::api_key, 0, false, true},
    {"interaction_logging", "api_key_file", &Config::api_key_file, 0, true},
    {"interaction_logging", "max_retries", &Config::max_retries},
    {"interaction_logging", "retry_delay", &Config::retry_delay},
    {"interaction_logging", "max_backoff", &Config::max_backoff},
    {"interaction_logging", "rate_limit", &Config::rate_limit},
    {"interaction_logging", "rate_period", &Config::rate_period, 0.001},
    {"interaction_logging", "concurrency", &Config::concurrency, 1},
    {"interaction_logging", "timeout", &Config::timeout, 0.001},
    {"interaction_logging", "max_age_days", &Config::max_age_days, 0.001},
    {"interaction_logging", "spool_dir", &Config::spool_dir, 0, true},
    {"interaction_logging", "local_cache_path", &Config::local_cache_path, 0, true},
    {"interaction_logging", "sync", &Config::sync},
    {"interaction_logging", "max_event_kb", &Config::max_event_kb, 1},
    {"interaction_logging", "min_free_mb", &Config::min_free_mb},
    {"interaction_logging", "ca_file", &Config::ca_file, 0, true},
    {"interaction_logging", "sink", &Config::sink},
    {"interaction_logging", "otlp_endpoint", &Config::otlp_endpoint},
    {"interaction_logging", "otlp_headers_file", &Config::otlp_headers_file, 0, true},
    {"interaction_logging", "otlp_batch", &Config::otlp_batch, 1},
    {"interaction_logging", "otlp_max_request_kb", &Config::otlp_max_request_kb, 1},
    {"interaction_logging", "otlp_signals", &Config::otlp_signals, 0, false, false, true},
    {"interaction_logging", "quiet_outage", &Config::quiet_outage},
};

const KeySpec* find_key(const std::string& key) {
  for (const KeySpec& spec : kKeys) {
    std::string full = std::string(spec.table) + "." + spec.name;
    if (key == full || key == spec.name) return &spec;
  }
  return nullptr;
}

std::string full_name(const KeySpec& spec) { return std::string(spec.table) + "." + spec.name; }

const char* type_name(const ConfigValue& v) {
  switch (v.index()) {
    case 0:
      return "a boolean";
    case 1:
      return "an integer";
    case 2:
      return "a float";
    default:
      return "a string";
  }
}

// Text from the environment or a flag, converted to the type of `field`.
ConfigValue convert_text(const std::string& text, const Field& field, bool* ok) {
  *ok = true;
  if (std::holds_alternative<bool Config::*>(field)) {
    for (const char* t : {"1", "true", "yes", "on"})
      if (strcasecmp(text.c_str(), t) == 0) return true;
    for (const char* f : {"0", "false", "no", "off", ""})
      if (strcasecmp(text.c_str(), f) == 0) return false;
  } else if (std::holds_alternative<int64_t Config::*>(field)) {
    int64_t n = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec == std::errc() && p == text.data() + text.size()) return n;
  } else if (std::holds_alternative<double Config::*>(field)) {
    char* end = nullptr;
    double d = std::strtod(text.c_str(), &end);
    if (!text.empty() && *end == '\0') return d;
  } else {
    return text;
  }
  *ok = false;
  return text;
}

// The home folder: $HOME from `getenv`, else the user's from the password
// database, else "/".
std::string home_dir(const GetEnv& getenv) {
  const char* home = getenv("HOME");
  if (home && *home) return home;
  struct passwd* pw = ::getpwuid(::getuid());
  return pw ? pw->pw_dir : "/";
}

// A leading "~/" (or a lone "~") is the home folder `home`, in files, the
// environment and flags alike (man page CONFIGURATION); other relative paths are relative
// to the config file's folder.
std::string absolute(const std::string& path, const std::string& base_dir, const std::string& home) {
  if (!home.empty() && (path == "~" || path.rfind("~/", 0) == 0))
    return home == "/" && path.size() > 1 ? path.substr(1) : home + path.substr(1);
  return base_dir.empty() ? path : resolve_path(path, base_dir);
}

std::string xdg_dir(const GetEnv& getenv, const char* var, const char* fallback) {
  const char* value = getenv(var);
  if (value && value[0] == '/') return value;
  return home_dir(getenv) + "/" + fallback;
}

bool file_exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

// The config file to read and where its name came from: -c,
// $MCP_REPORT_CONFIG, or the first that exists of the usual places. Named
// files must exist; "" when none is found.
std::pair<std::string, Origin> find_config_file(const ConfigOverrides& overrides,
                                                const GetEnv& getenv, const ConfigSearch& search) {
  if (!overrides.config_file.empty())
    return {overrides.config_file, {Origin::kFlag, "--config"}};
  const char* env = getenv("MCP_REPORT_CONFIG");
  if (env && *env) return {env, {Origin::kEnvironment, "MCP_REPORT_CONFIG"}};
  const std::string candidates[] = {
      search.working_dir_file,
      xdg_dir(getenv, "XDG_CONFIG_HOME", ".config") + "/mcp-report/config.toml",
      search.system_file,
  };
  for (const std::string& candidate : candidates)
    if (file_exists(candidate)) return {candidate, {Origin::kDefault, "search"}};
  return {"", {Origin::kDefault, "search"}};
}

}  // namespace

const char* sink_name(SinkKind sink) {
  return sink == SinkKind::kOtlp ? "otlp" : "coordinator";
}

bool is_config_key(const std::string& table_dot_key) {
  const KeySpec* spec = find_key(table_dot_key);
  return spec && full_name(*spec) == table_dot_key;
}

namespace {

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string closest_config_key(const std::string& table_dot_key) {
  const size_t dot = table_dot_key.find('.');
  const std::string_view whole(table_dot_key);
  const std::string_view table = dot == std::string::npos ? std::string_view() : whole.substr(0, dot);
  const std::string_view name = dot == std::string::npos ? whole : whole.substr(dot + 1);
  // Two edits of a short name make another word.
  const size_t allowed = name.size() >= 5 ? 2 : 1;
  std::string best;
  size_t best_score = allowed + 2;
  for (const KeySpec& k : kKeys) {
    const size_t d = edit_distance(name, k.name);
    if (d > allowed) continue;
    const size_t score = d + (table != k.table);  // the right name in the wrong table: 1
    if (score < best_score) {
      best_score = score;
      best = table == k.table ? std::string(k.name) : full_name(k);
    }
  }
  return best;
}

bool is_list_key(const std::string& table_dot_key) {
  const KeySpec* spec = find_key(table_dot_key);
  return spec && spec->list;
}

std::string Origin::describe() const {
  switch (kind) {
    case kDefault:
      return "default";
    case kFile:
      return detail;
    case kEnvironment:
      return "environment " + detail;
    case kFlag:
      return "flag " + detail;
  }
  return "";
}

std::string mcp_id_problem(std::string_view id) {
  for (unsigned char c : id)
    if (c < 0x20 || c == 0x7f) return "holds a control character";
  if (!valid_utf8(id)) return "is not valid UTF-8";
  if (id.size() > 128) return "is longer than 128 bytes";
  return "";
}

// Values that end up in HTTP headers or request bodies (the mcp_id, the URL,
// the key) must be valid UTF-8 without control characters: a CR or LF would
// otherwise become an extra header, and bad UTF-8 a body that is not JSON.
// The URL must be http or https. The value itself is never echoed: it may be
// a key.
static void check_text_value(const std::string& name, const std::string& value, const Origin& origin) {
  const bool is_id = name == "mcp.mcp_id";
  const bool is_url = name == "interaction_logging.coordinator_url" ||
                      name == "interaction_logging.otlp_endpoint";
  auto refuse = [&](const std::string& why) {
    throw Failure(kExitConfig, origin.describe(), name + ": " + why);
  };
  if (is_id) {
    if (std::string why = mcp_id_problem(value); !why.empty()) refuse(why);
    return;
  }
  if (name == "interaction_logging.otlp_signals") {
    if (trim(value, kOws).empty())
      refuse("names no signal (give [\"traces\", \"logs\"], or one of them)");
    std::vector<std::string_view> seen;
    for (std::string_view one : split_list(value)) {
      if (one != "traces" && one != "logs")
        refuse("'" + std::string(one) + "' is not \"traces\" or \"logs\"");
      if (std::find(seen.begin(), seen.end(), one) != seen.end())
        refuse("names '" + std::string(one) + "' twice");
      seen.push_back(one);
    }
    return;
  }
  if (!is_url && name != "interaction_logging.coordinator_api_key") return;
  if (is_url) {
    if (value.empty()) return;  // unset
    if (std::string why = http_url_problem(value, true); !why.empty()) refuse(why);
    return;
  }
  for (unsigned char c : value)
    if (c < 0x20 || c == 0x7f) refuse("holds a control character");
  if (!valid_utf8(value)) refuse("is not valid UTF-8");
}

void Config::set(const std::string& key, const ConfigValue& value, const Origin& origin,
                 const std::string& base_dir) {
  const KeySpec* spec = find_key(key);
  if (!spec) throw Failure(kExitConfig, origin.describe(), "unknown key '" + key + "'");
  const std::string name = full_name(*spec);
  ConfigValue v = value;
  if (auto text = std::get_if<std::string>(&value);
      text && !std::holds_alternative<std::string Config::*>(spec->field) &&
      origin.kind != Origin::kFile) {
    bool ok = false;
    v = convert_text(*text, spec->field, &ok);
    if (!ok)
      throw Failure(kExitConfig, origin.describe(),
                    name + ": '" + *text + "' is not a valid value");
  }
  auto wrong = [&](const char* expected) {
    return Failure(kExitConfig, origin.describe(),
                   name + ": expected " + expected + ", not " + type_name(v));
  };
  auto check_min = [&](double n) {
    if (n < spec->min || (spec->min > 0 && n <= 0)) {
      char least[32];
      std::snprintf(least, sizeof least, "%g", spec->min);  // 1, 0.001: in words, no zeros
      throw Failure(kExitConfig, origin.describe(),
                    name + (spec->min > 0 ? std::string(": must be at least ") + least
                                          : std::string(": must be 0 or more")));
    }
  };
  std::visit(
      [&](auto member) {
        using T = std::remove_reference_t<decltype(this->*member)>;
        if constexpr (std::is_same_v<T, bool>) {
          if (!std::holds_alternative<bool>(v)) throw wrong("a boolean");
          this->*member = std::get<bool>(v);
        } else if constexpr (std::is_same_v<T, int64_t>) {
          if (!std::holds_alternative<int64_t>(v)) throw wrong("an integer");
          check_min(static_cast<double>(std::get<int64_t>(v)));
          this->*member = std::get<int64_t>(v);
        } else if constexpr (std::is_same_v<T, double>) {
          double d;
          if (auto i = std::get_if<int64_t>(&v))
            d = static_cast<double>(*i);
          else if (auto f = std::get_if<double>(&v))
            d = *f;
          else
            throw wrong("a number");
          // TOML has nan and inf: a timeout of nan would be no timeout at all.
          if (!std::isfinite(d))
            throw Failure(kExitConfig, origin.describe(),
                          name + ": must be a finite number (not nan or inf)");
          check_min(d);
          this->*member = d;
        } else if constexpr (std::is_same_v<T, SinkKind>) {
          if (!std::holds_alternative<std::string>(v)) throw wrong("a string");
          const std::string& s = std::get<std::string>(v);
          if (s == sink_name(SinkKind::kCoordinator) || s == sink_name(SinkKind::kOtlp))
            this->*member = s == sink_name(SinkKind::kOtlp) ? SinkKind::kOtlp
                                                            : SinkKind::kCoordinator;
          else
            throw Failure(kExitConfig, origin.describe(),
                          name + ": '" + s + "' is not \"coordinator\" or \"otlp\"");
        } else {
          if (!std::holds_alternative<std::string>(v)) throw wrong("a string");
          std::string s = std::get<std::string>(v);
          // A key is trimmed, whichever source it came from.
          if (spec->secret) s = std::string(trim(s));
          check_text_value(name, s, origin);
          this->*member = spec->is_path ? absolute(s, base_dir, home) : s;
        }
      },
      spec->field);
  origins[name] = origin;
}

const Origin& Config::origin(const std::string& key) const {
  static const Origin kDefaultOrigin;
  auto it = origins.find(key);
  return it == origins.end() ? kDefaultOrigin : it->second;
}

std::string Config::spool_path() const {
  if (!spool_dir.empty()) return spool_dir;
  if (!local_cache_path.empty()) {
    std::string p = local_cache_path;
    if (p.size() > 3 && p.compare(p.size() - 3, 3, ".db") == 0) p.resize(p.size() - 3);
    return p + ".spool";
  }
  return default_spool;
}

constexpr size_t kMaxKeyFileBytes = 64 * 1024;

std::string Config::resolve_api_key() const {
  const Origin& key_origin = origin("interaction_logging.coordinator_api_key");
  const Origin& file_origin = origin("interaction_logging.api_key_file");
  if (api_key_file.empty() || (!api_key.empty() && key_origin.kind >= file_origin.kind)) {
    return api_key;
  }
  const std::string text = read_small_file("api_key_file", api_key_file, kMaxKeyFileBytes);
  // The key is the first line that is not blank, trimmed as a key from any
  // other source is (Config::set).
  const std::string_view from_key = trim(text);
  std::string key(trim(from_key.substr(0, from_key.find('\n'))));
  if (key.empty()) throw Failure(kExitConfig, "api_key_file " + api_key_file, "is empty");
  // The same rules as a key from anywhere else: it goes into a header.
  check_text_value("interaction_logging.coordinator_api_key", key,
                   {Origin::kFile, "api_key_file " + api_key_file});
  return key;
}

std::string Config::coordinator_url() const {
  if (url.empty()) {
    const std::string otlp = otlp_sink_hint();
    throw Failure(kExitConfig, "coordinator_url", "not set",
                  (otlp.empty() ? "" : otlp + "; for the coordinator, ") +
                      "set coordinator_url in [interaction_logging] or MCP_REPORT_URL");
  }
  std::string u = url;
  while (!u.empty() && u.back() == '/') u.pop_back();
  return u;
}

// One rule for every credential we send: "<what> <url>: plain http ...".
static std::string in_clear(const std::string& what, const std::string& urls,
                            const std::string& secret) {
  return what + " " + urls + ": plain http to a host that is not on loopback sends " + secret +
         " in clear; use https";
}

std::string Config::url_warning() const {
  if (!sends_in_clear(url)) return "";
  return in_clear("coordinator_url", display_url(url), "the API key");
}

std::string Config::otlp_headers_warning() const {
  if (sink != SinkKind::kOtlp) return "";
  std::string urls, sources;
  for (const char* signal : {"traces", "logs"}) {
    const std::string& own = std::string(signal) == "traces" ? otlp_env_traces_headers
                                                             : otlp_env_logs_headers;
    if (!otlp_sends(signal) || (own.empty() && otlp_env_headers.empty() && otlp_headers_file.empty()))
      continue;
    const std::string u = otlp_url(signal);
    if (sends_in_clear(u)) urls += (urls.empty() ? "" : " and ") + display_url(u);
  }
  if (urls.empty()) return "";
  return in_clear("OTLP headers to", urls, "them (credentials such as an API key)");
}

// OpenTelemetry's exporter variables (man page CONFIGURATION, OPENTELEMETRY SINK) are defaults: the
// config file and mcp-report's own variables rank above them.
static void apply_otel_environment(Config& config, const GetEnv& getenv) {
  if (const char* value = getenv("OTEL_EXPORTER_OTLP_ENDPOINT"); value && *value)
    config.set("interaction_logging.otlp_endpoint", std::string(value),
               {Origin::kEnvironment, "OTEL_EXPORTER_OTLP_ENDPOINT"});
  // The signal-specific endpoints are whole URLs: a query is theirs to have.
  const std::pair<const char*, std::string Config::*> urls[] = {
      {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", &Config::otlp_env_traces_url},
      {"OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", &Config::otlp_env_logs_url}};
  for (const auto& [var, field] : urls) {
    const char* value = getenv(var);
    if (!value || !*value) continue;
    if (std::string why = http_url_problem(value, false); !why.empty())
      throw Failure(kExitConfig, std::string("environment ") + var, why);
    config.*field = value;
  }
  const std::pair<const char*, std::string Config::*> headers[] = {
      {"OTEL_EXPORTER_OTLP_HEADERS", &Config::otlp_env_headers},
      {"OTEL_EXPORTER_OTLP_TRACES_HEADERS", &Config::otlp_env_traces_headers},
      {"OTEL_EXPORTER_OTLP_LOGS_HEADERS", &Config::otlp_env_logs_headers}};
  std::vector<std::pair<std::string, std::string>> checked;
  for (const auto& [var, field] : headers) {
    const char* value = getenv(var);
    if (!value || !*value) continue;
    parse_otlp_headers(value, false, var, &checked);
    config.*field = value;
  }
}

Config load_config(const ConfigOverrides& overrides, const GetEnv& getenv,
                   const ConfigSearch& search) {
  Config config;
  config.home = home_dir(getenv);
  config.default_spool = xdg_dir(getenv, "XDG_STATE_HOME", ".local/state") + "/mcp-report/spool";
  apply_otel_environment(config, getenv);
  auto [path, file_origin] = find_config_file(overrides, getenv, search);
  config.file_origin = file_origin;
  if (!path.empty() && file_origin.kind != Origin::kDefault && ::access(path.c_str(), R_OK) != 0) {
    // Name where the name came from: a stale MCP_REPORT_CONFIG in a
    // profile is otherwise a riddle.
    const int err = errno;
    const char* joint = file_origin.kind == Origin::kEnvironment ? "=" : " ";
    throw Failure(kExitConfig, file_origin.detail + joint + path, std::strerror(err),
                  file_origin.kind == Origin::kEnvironment
                      ? "unset MCP_REPORT_CONFIG or point it at an existing file"
                      : "");
  }
  if (!path.empty()) read_config_file(config, absolute_path(path));
  const std::pair<const char*, const char*> env_keys[] = {
      {"MCP_REPORT_MCP_ID", "mcp.mcp_id"},
      {"MCP_REPORT_URL", "interaction_logging.coordinator_url"},
      {"MCP_REPORT_API_KEY", "interaction_logging.coordinator_api_key"},
      {"MCP_REPORT_API_KEY_FILE", "interaction_logging.api_key_file"},
      {"MCP_REPORT_SPOOL_DIR", "interaction_logging.spool_dir"},
      {"MCP_REPORT_ENABLED", "interaction_logging.enable_interaction_logging"},
      {"MCP_REPORT_SINK", "interaction_logging.sink"},
  };
  for (const auto& [var, key] : env_keys) {
    const char* value = getenv(var);
    if (value && *value) config.set(key, std::string(value), {Origin::kEnvironment, var});
  }
  if (!overrides.spool_dir.empty())
    config.set("interaction_logging.spool_dir", overrides.spool_dir, {Origin::kFlag, "--spool"});
  if (!overrides.mcp_id.empty())
    config.set("mcp.mcp_id", overrides.mcp_id, {Origin::kFlag, "--mcp-id"});
  apply_otel_sdk_environment(config, getenv);
  return config;
}

std::vector<std::string> secret_file_warnings(const Config& config) {
  const std::string config_holds_key = config.file_holds_api_key ? config.file : "";
  const std::pair<std::string, const std::string&> secrets[] = {
      {config_holds_key + " holds coordinator_api_key", config_holds_key},
      {"api_key_file " + config.api_key_file, config.api_key_file},
      {"otlp_headers_file " + config.otlp_headers_file, config.otlp_headers_file},
  };
  std::vector<std::string> warnings;
  for (const auto& [what, path] : secrets) {
    struct stat st;
    // Group read is how a secret is shared with a service account; only
    // others reading it is a leak.
    if (!path.empty() && ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        (st.st_mode & S_IROTH))
      warnings.push_back(what + ": others can read it (chmod o-r " + path + ")");
  }
  return warnings;
}

std::vector<ConfigRow> describe_config(const Config& config) {
  std::vector<ConfigRow> rows;
  rows.push_back({"config_file", config.file.empty() ? "(none)" : config.file,
                  config.file_origin.kind == Origin::kDefault ? "search"
                                                              : config.file_origin.describe()});
  for (const KeySpec& spec : kKeys) {
    std::string value = std::visit(
        [&](auto member) -> std::string {
          const auto& v = config.*member;
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, bool>)
            return v ? "true" : "false";
          else if constexpr (std::is_same_v<T, SinkKind>)
            return sink_name(v);
          else if constexpr (std::is_same_v<T, std::string>)
            return v;
          else {
            std::ostringstream out;
            out << v;
            return out.str();
          }
        },
        spec.field);
    if (spec.secret && !value.empty()) value = "***";
    if (spec.field == Field(&Config::url) || spec.field == Field(&Config::otlp_endpoint))
      value = display_url(value);
    rows.push_back({full_name(spec), value, config.origin(full_name(spec)).describe()});
  }
  rows.push_back({"spool (effective)", config.spool_path(), "derived"});
  if (config.sink == SinkKind::kOtlp) {
    for (const char* signal : {"traces", "logs"}) {
      if (!config.otlp_sends(signal)) continue;
      const std::string label = std::string("otlp ") + signal;
      rows.push_back({label + " url (effective)", display_url(config.otlp_url(signal)), "derived"});
      // Header values are credentials (a vendor's API key): names only.
      std::string names;
      try {
        for (const auto& [name, value] : config.otlp_headers(signal))
          names += (names.empty() ? "" : ", ") + name + ": ***";
      } catch (const Failure& e) {
        names = "(unreadable: " + std::string(e.what()) + ")";
      }
      rows.push_back({label + " headers (effective)", names.empty() ? "(none)" : names, "derived"});
    }
  }
  return rows;
}

std::string display_url(const std::string& url) {
  size_t scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  size_t start = scheme + 3;
  size_t end = url.find_first_of("/?#", start);
  size_t at = url.rfind('@', end == std::string::npos ? url.size() : end);
  if (at == std::string::npos || at < start) return url;
  return url.substr(0, start) + "***" + url.substr(at);
}

}  // namespace mcpr
