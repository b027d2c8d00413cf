// Effective configuration: defaults, then the config file, then the
// environment, then flags. Every value goes through Config::set() with its
// origin, which `mcp-report config` prints beside it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace mcpr {

// Why `id` cannot be an mcp_id, from any source (config, environment, flag,
// an imported line): a control character, not UTF-8, over 128 bytes; ""
// when it can. It goes into every body and, as service.name, OTLP resources.
std::string mcp_id_problem(std::string_view id);

struct Origin {
  enum Kind { kDefault, kFile, kEnvironment, kFlag } kind = kDefault;
  std::string detail;  // "file:line", the variable's or the flag's name
  std::string describe() const;
};

// Where flush delivers (man page CONFIGURATION, sink).
enum class SinkKind { kCoordinator, kOtlp };
const char* sink_name(SinkKind sink);  // "coordinator", "otlp"

// A value as it came from a source: TOML gives typed values, the environment
// and flags give text that is converted to the key's type.
using ConfigValue = std::variant<bool, int64_t, double, std::string>;

struct Config {
  // [mcp]
  std::string mcp_id;
  std::string name;
  std::string version;
  // [interaction_logging]
  bool enabled = true;
  std::string url;
  std::string api_key;
  std::string api_key_file;
  int64_t max_retries = 3;
  double retry_delay = 1.0;
  double max_backoff = 300.0;
  int64_t rate_limit = 10;
  double rate_period = 1.0;
  int64_t concurrency = 4;
  double timeout = 5.0;
  double max_age_days = 7.0;
  std::string spool_dir;
  std::string local_cache_path;
  bool sync = true;
  int64_t max_event_kb = 1024;
  int64_t min_free_mb = 64;
  std::string ca_file;
  // The OpenTelemetry sink (man page OPENTELEMETRY SINK).
  SinkKind sink = SinkKind::kCoordinator;
  std::string otlp_endpoint;         // "" for $OTEL_EXPORTER_OTLP_ENDPOINT's default
  std::string otlp_headers_file;
  int64_t otlp_batch = 512;
  int64_t otlp_max_request_kb = 4096;  // the largest OTLP request body, uncompressed
  // The signals the OTLP sink sends, "traces", "logs" or both, comma-joined
  // (a TOML array of strings in the file).
  std::string otlp_signals = "traces,logs";
  std::string otlp_env_headers;  // $OTEL_EXPORTER_OTLP_HEADERS
  // OpenTelemetry's signal-specific variables: full URLs and extra headers,
  // "" when unset.
  std::string otlp_env_traces_url, otlp_env_logs_url;
  std::string otlp_env_traces_headers, otlp_env_logs_headers;
  // OpenTelemetry's other variables the OTLP sink honours (man page
  // OPENTELEMETRY SINK), set by load_config: each signal's compression,
  // "none" or "gzip" ("" to gzip when it pays); the resource attributes of
  // $OTEL_RESOURCE_ATTRIBUTES, decoded, beside service.name (always the
  // mcp_id) and host.name; the attribute value length limits in characters
  // (-1: none).
  std::string otlp_traces_compression, otlp_logs_compression;
  std::vector<std::pair<std::string, std::string>> otlp_resource;
  int64_t otlp_span_value_limit = -1, otlp_log_value_limit = -1;
  double quiet_outage = 3600;  // seconds flush -q stays silent through an outage or hold

  std::string file;                       // the config file read, "" when none
  bool file_holds_api_key = false;        // it sets coordinator_api_key (a secret to guard)
  Origin file_origin;                     // --config, MCP_REPORT_CONFIG or the search
  std::string default_spool;              // $XDG_STATE_HOME/mcp-report/spool, set by load_config
  std::string home;  // the folder a leading "~" stands for, set by load_config; "" leaves "~" as it is
  std::map<std::string, Origin> origins;  // by "table.key"
  // Unknown keys, "file:line:column: unknown key 'x' (ignored)": said by
  // the commands that deliver or show the configuration, never by the
  // recording commands (man page CONFIGURATION).
  std::vector<std::string> warnings;

  // Sets "table.key" (or a bare key name, looked up in both tables) from a
  // source. Relative paths are resolved against `base_dir` when it is set.
  // Throws Failure (78) naming the key and origin for a wrong type or range.
  void set(const std::string& key, const ConfigValue& value, const Origin& origin,
           const std::string& base_dir = {});

  // The spool folder: spool_dir, else local_cache_path with ".db" replaced by
  // ".spool", else $XDG_STATE_HOME/mcp-report/spool.
  std::string spool_path() const;
  const Origin& origin(const std::string& key) const;
  // The API key from coordinator_api_key or api_key_file, whichever source
  // ranks higher. Throws Failure (78) when the file cannot be read; "" if unset.
  std::string resolve_api_key() const;
  // The coordinator URL without its trailing '/', or Failure (78) when unset.
  std::string coordinator_url() const;
  // A warning about a plain-http coordinator_url to a host not on
  // loopback, or "".
  std::string url_warning() const;
  // The same rule for the OTLP sink's credentials: with sink = "otlp" and
  // extra headers set (otlp_headers_file, OTEL_EXPORTER_OTLP_*HEADERS), a
  // warning naming each signal's plain-http URL to a host not on loopback
  // that they go to; "" when none.
  std::string otlp_headers_warning() const;
  // With sink = "coordinator" while an OTLP endpoint is given (otlp_endpoint,
  // OTEL_EXPORTER_OTLP_ENDPOINT or a signal's own): a hint that names it and
  // says how the OTLP sink is chosen, for errors about the coordinator's
  // settings; "" otherwise.
  std::string otlp_sink_hint() const;
  // Whether otlp_signals names `signal` ("traces" or "logs").
  bool otlp_sends(const std::string& signal) const;
  // Whether an interaction recorded now will be exported as a span (logging
  // on, sink = "otlp" sending traces): only then does a child get a
  // traceparent naming that span.
  bool exports_spans() const;
  // The URL a signal's OTLP exports are POSTed to: otlp_endpoint from the
  // file + "/v1/<signal>", else $OTEL_EXPORTER_OTLP_<SIGNAL>_ENDPOINT as
  // given, else $OTEL_EXPORTER_OTLP_ENDPOINT (or the default) + "/v1/<signal>".
  std::string otlp_url(const std::string& signal) const;
  // The extra headers of a signal's OTLP requests ("" for none in
  // particular): $OTEL_EXPORTER_OTLP_HEADERS, then the signal's own
  // variable, then the lines of otlp_headers_file, a later one replacing an
  // earlier of the same name. Throws Failure (78) for an unreadable file or
  // a bad line.
  std::vector<std::pair<std::string, std::string>> otlp_headers(
      const std::string& signal = "") const;
};

// Parses OTEL_EXPORTER_OTLP_HEADERS' format, "k=v,k2=v2" with URL-encoded
// values, or (`lines` true) a headers file's "Name: value" lines, appending
// to `out`; blank lines and lines starting with '#' are skipped. Throws
// Failure (78) naming `source` for a bad entry, a name that is not an HTTP
// token or a value with control characters; values are never echoed.
void parse_otlp_headers(const std::string& text, bool lines, const std::string& source,
                        std::vector<std::pair<std::string, std::string>>* out);

// The files holding a secret (the config file when the API key comes from
// it, api_key_file, otlp_headers_file) that users other than the owner and
// its group can read, one warning each: "api_key_file PATH: others can read
// it (chmod o-r PATH)". Group read (0640 root:service-group) is fine. Said
// by the commands that use the key, never by the recording commands.
std::vector<std::string> secret_file_warnings(const Config& config);

// Whether "table.key" is a key of the configuration.
bool is_config_key(const std::string& table_dot_key);
// The known key ("table.key") a misspelt `table_dot_key` most likely means:
// the same key in another table, or one within two edits of its name; ""
// when none is that close.
std::string closest_config_key(const std::string& table_dot_key);
// Whether the key takes a list (a TOML array of strings, kept comma-joined).
bool is_list_key(const std::string& table_dot_key);

// What the command line says, before any file is read.
struct ConfigOverrides {
  std::string config_file;  // -c/--config
  std::string spool_dir;    // --spool
  std::string mcp_id;       // --mcp-id
};

using GetEnv = std::function<const char*(const char*)>;

// Reads OpenTelemetry's variables beyond the endpoints and headers into
// `config` (compression, resource, attribute limits) once the rest of the
// configuration is known, and adds a warning to config.warnings for each
// OTEL_EXPORTER_OTLP_* variable not honoured as set, a value refused, and
// an otlp_endpoint that is a signal's URL: only when the sink is "otlp"
// (another sink has no business with them). Never throws.
void apply_otel_sdk_environment(Config& config, const GetEnv& getenv);

// OpenTelemetry's variables that mcp-report neither honours nor warns about
// by name (OTEL_SDK_DISABLED, OTEL_TRACES_EXPORTER, OTEL_BSP_*, ...), among
// `environment`'s "NAME=VALUE" entries (an empty value is unset): one warning
// naming them all, or "" when there are none. Said like the others, only when
// the sink is "otlp".
std::string unhonoured_otel_variables_warning(const std::vector<std::string>& environment);

// Where the search for a config file looks besides $XDG_CONFIG_HOME, when
// neither -c nor MCP_REPORT_CONFIG names one (man page CONFIGURATION): a
// test gives its own folder instead of the machine's.
struct ConfigSearch {
  std::string working_dir_file = "mcp_config.toml";
  std::string system_file = "/etc/mcp-report/config.toml";
};

// Finds and reads the config file (man page CONFIGURATION) and applies the environment
// and the overrides. Throws Failure (78) for a named file that is missing or
// invalid ("file:line:column: what") and for wrong values.
Config load_config(const ConfigOverrides& overrides, const GetEnv& getenv,
                   const ConfigSearch& search = ConfigSearch());

// One row of the `mcp-report config` table.
struct ConfigRow {
  std::string key;
  std::string value;  // the API key shows as ***
  std::string origin;
};
std::vector<ConfigRow> describe_config(const Config& config);

// `url` with any user:password@ replaced by ***@, for printing: credentials
// in a URL are as secret as the key.
std::string display_url(const std::string& url);

}  // namespace mcpr
