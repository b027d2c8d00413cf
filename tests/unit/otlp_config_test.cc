// The OpenTelemetry sink's configuration: sink, otlp_endpoint with
// OpenTelemetry's exporter variables, headers from a file and the
// environment, otlp_batch.
#include <fstream>
#include <map>

#include "src/config/config.h"
#include "src/util/failure.h"
#include "temp_dir.h"

namespace mcpr {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

class OtlpConfigTest : public TempDirTest {
 protected:
  std::string write(const std::string& name, const std::string& text) {
    std::ofstream(path(name)) << text;
    return path(name);
  }
  Config load(const std::string& toml, std::map<std::string, std::string> env = {}) {
    env.emplace("HOME", dir_);
    ConfigOverrides o;
    o.config_file = write("config.toml", "[interaction_logging]\n" + toml);
    return load_config(o, [env](const char* name) -> const char* {
      auto it = env.find(name);
      return it == env.end() ? nullptr : it->second.c_str();
    });
  }
  // The Failure message (exit 78) of loading, or "" when it loads.
  std::string error_of(const std::string& toml, std::map<std::string, std::string> env = {}) {
    try {
      Config c = load(toml, env);
      c.otlp_headers();
    } catch (const Failure& e) {
      EXPECT_EQ(e.exit_code(), kExitConfig);
      return e.what();
    }
    return "";
  }
};

TEST_F(OtlpConfigTest, Defaults) {
  Config c = load("");
  EXPECT_EQ(c.sink, SinkKind::kCoordinator);
  EXPECT_EQ(c.otlp_batch, 512);
  EXPECT_EQ(c.otlp_url("logs"), "http://localhost:4318/v1/logs");
  EXPECT_EQ(c.otlp_url("traces"), "http://localhost:4318/v1/traces");
  EXPECT_TRUE(c.otlp_sends("traces"));
  EXPECT_TRUE(c.otlp_sends("logs"));
  EXPECT_TRUE(c.otlp_headers().empty());
}

TEST_F(OtlpConfigTest, EndpointSources) {
  struct Case {
    std::string toml;
    std::map<std::string, std::string> env;
    std::string traces, logs;
  } cases[] = {
      {"otlp_endpoint = \"https://otel.example:4318/\"\n", {},
       "https://otel.example:4318/v1/traces", "https://otel.example:4318/v1/logs"},
      {"otlp_endpoint = \"http://c:4318/prefix\"\n", {}, "http://c:4318/prefix/v1/traces",
       "http://c:4318/prefix/v1/logs"},
      {"", {{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://e:4318"}}, "http://e:4318/v1/traces",
       "http://e:4318/v1/logs"},
      // a signal-specific variable is used as given (a query too), and wins
      // over the generic one for its signal alone
      {"",
       {{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://e:4318"},
        {"OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", "http://l:9/custom/logs"}},
       "http://e:4318/v1/traces", "http://l:9/custom/logs"},
      {"",
       {{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "https://t:9/ingest?tenant=a"}},
       "https://t:9/ingest?tenant=a", "http://localhost:4318/v1/logs"},
      // OpenTelemetry's variables are defaults: the config file ranks above them
      {"otlp_endpoint = \"http://f:4318\"\n",
       {{"OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", "http://l:9/x"},
        {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://t:9/x"}},
       "http://f:4318/v1/traces", "http://f:4318/v1/logs"},
  };
  for (const Case& c : cases) {
    Config config = load(c.toml, c.env);
    EXPECT_EQ(config.otlp_url("traces"), c.traces) << c.toml;
    EXPECT_EQ(config.otlp_url("logs"), c.logs) << c.toml;
  }
}

TEST_F(OtlpConfigTest, Signals) {
  const std::pair<const char*, const char*> cases[] = {
      {"otlp_signals = [\"traces\", \"logs\"]\n", "traces,logs"},
      {"otlp_signals = [\"logs\"]\n", "logs"},
      {"otlp_signals = [\"traces\"]\n", "traces"},
      {"otlp_signals = [\"logs\", \"traces\"]\n", "logs,traces"},
      {"otlp_signals = \"traces, logs\"\n", "traces, logs"},
  };
  for (const auto& [toml, signals] : cases) EXPECT_EQ(load(toml).otlp_signals, signals) << toml;
  EXPECT_FALSE(load("otlp_signals = [\"logs\"]\n").otlp_sends("traces"));
  EXPECT_TRUE(load("otlp_signals = [\"logs\"]\n").otlp_sends("logs"));
  // Written as a string with spaces, each signal is still sent.
  EXPECT_TRUE(load("otlp_signals = \"traces, logs\"\n").otlp_sends("logs"));
  EXPECT_TRUE(load("otlp_signals = \" logs ,traces\"\n").otlp_sends("traces"));
  EXPECT_NE(error_of("otlp_signals = [\"metrics\"]\n").find("'metrics' is not \"traces\" or \"logs\""),
            std::string::npos);
  EXPECT_NE(error_of("otlp_signals = []\n").find("names no signal"), std::string::npos);
  EXPECT_NE(error_of("otlp_signals = [\"logs\", \"logs\"]\n").find("names 'logs' twice"),
            std::string::npos);
  EXPECT_NE(error_of("otlp_signals = [1]\n").find("an array holding something other than strings"),
            std::string::npos);
  // A key that takes no list still refuses one.
  EXPECT_NE(error_of("sink = [\"otlp\"]\n").find("not an array"), std::string::npos);
}

TEST_F(OtlpConfigTest, HeadersFromTheEnvironmentAndAFile) {
  write("headers", "# vendor key\nX-Api-Key: secret value\n\nX-Tenant:  t1 \r\n");
  Config c = load("otlp_headers_file = \"headers\"\n",
                  {{"OTEL_EXPORTER_OTLP_HEADERS", "x-tenant=env, x-b=a%20b%2Cc"}});
  EXPECT_EQ(c.otlp_headers(),
            (Headers{{"x-tenant", "t1"}, {"x-b", "a b,c"}, {"X-Api-Key", "secret value"}}));
  // A signal's own variable adds to the generic one, for that signal only.
  Config s = load("", {{"OTEL_EXPORTER_OTLP_HEADERS", "a=1,b=2"},
                       {"OTEL_EXPORTER_OTLP_TRACES_HEADERS", "b=3,c=4"}});
  EXPECT_EQ(s.otlp_headers("traces"), (Headers{{"a", "1"}, {"b", "3"}, {"c", "4"}}));
  EXPECT_EQ(s.otlp_headers("logs"), (Headers{{"a", "1"}, {"b", "2"}}));
}

TEST_F(OtlpConfigTest, BadValuesAre78WithoutEchoingHeaderValues) {
  EXPECT_NE(error_of("sink = \"kafka\"\n").find("interaction_logging.sink: 'kafka' is not"),
            std::string::npos);
  EXPECT_NE(error_of("otlp_batch = 0\n").find("otlp_batch: must be at least 1"), std::string::npos);
  EXPECT_NE(error_of("otlp_endpoint = \"ftp://x\"\n").find("not an http:// or https:// URL"),
            std::string::npos);
  EXPECT_NE(error_of("otlp_headers_file = \"missing\"\n").find("otlp_headers_file"),
            std::string::npos);
  write("bad1", "X-Key: a\x01secret\n");
  write("bad2", "no colon here\n");
  write("bad3", "Bad Name: v\n");
  EXPECT_EQ(error_of("otlp_headers_file = \"bad1\"\n"),
            path("bad1") + ":1: header X-Key: its value holds a control character");
  EXPECT_EQ(error_of("otlp_headers_file = \"bad2\"\n"), path("bad2") + ":1: not a 'Name: value' line");
  EXPECT_EQ(error_of("otlp_headers_file = \"bad3\"\n"),
            path("bad3") + ":1: 'Bad Name' is not a header name");
  for (const char* var : {"OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS"}) {
    for (const char* env : {"k=a\nb", "k=%0Asecret", "k=%zz", "novalue"}) {
      std::string e = error_of("", {{var, env}});
      EXPECT_NE(e.find(var), std::string::npos) << env;
      EXPECT_EQ(e.find("secret"), std::string::npos) << e;
    }
  }
  EXPECT_EQ(error_of("", {{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "grpc://t:4317"}}),
            "environment OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: is not an http:// or https:// URL");
}

TEST_F(OtlpConfigTest, DescribeMasksHeaderValues) {
  write("headers", "X-Api-Key: topsecret\n");
  Config c = load("sink = \"otlp\"\notlp_headers_file = \"headers\"\n",
                  {{"MCP_REPORT_SINK", "otlp"}});
  std::string all;
  for (const ConfigRow& row : describe_config(c)) all += row.key + "=" + row.value + "\n";
  EXPECT_NE(all.find("otlp traces headers (effective)=X-Api-Key: ***"), std::string::npos) << all;
  EXPECT_NE(all.find("otlp logs headers (effective)=X-Api-Key: ***"), std::string::npos) << all;
  EXPECT_NE(all.find("otlp traces url (effective)=http://localhost:4318/v1/traces"),
            std::string::npos);
  EXPECT_NE(all.find("otlp logs url (effective)=http://localhost:4318/v1/logs"), std::string::npos);
  EXPECT_NE(all.find("interaction_logging.otlp_signals=traces,logs"), std::string::npos);
  EXPECT_EQ(all.find("topsecret"), std::string::npos);
}

// The warnings load_config gives for OpenTelemetry's variables, with the sink
// "otlp" (config.warnings, said by flush and config -v).
std::vector<std::string> otel_warnings(const Config& c) {
  std::vector<std::string> out;
  for (const std::string& w : c.warnings)
    if (w.find("OTEL_") != std::string::npos || w.find("otlp_endpoint") != std::string::npos)
      out.push_back(w);
  return out;
}

TEST_F(OtlpConfigTest, ProtocolsOtherThanHttpJsonAreWarnedOnceAndHttpJsonIsSent) {
  struct Case {
    std::map<std::string, std::string> env;
    std::vector<std::string> warnings;
  } cases[] = {
      {{}, {}},
      {{{"OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"}}, {}},
      {{{"OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"}},
       {"OTEL_EXPORTER_OTLP_PROTOCOL=grpc: the OTLP sink speaks only http/json (OTLP/HTTP "
        "with JSON); it sends that to http://localhost:4318/v1/traces and "
        "http://localhost:4318/v1/logs"}},
      {{{"OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"},
        {"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/json"}},
       {"OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf: the OTLP sink speaks only http/json "
        "(OTLP/HTTP with JSON); it sends that to http://localhost:4318/v1/logs"}},
      {{{"OTEL_EXPORTER_OTLP_LOGS_PROTOCOL", "grpc"}},
       {"OTEL_EXPORTER_OTLP_LOGS_PROTOCOL=grpc: the OTLP sink speaks only http/json (OTLP/HTTP "
        "with JSON); it sends that to http://localhost:4318/v1/logs"}},
      {{{"OTEL_EXPORTER_OTLP_PROTOCOL", "thrift"}},
       {"OTEL_EXPORTER_OTLP_PROTOCOL=thrift: not grpc, http/protobuf or http/json (ignored; "
        "the OTLP sink sends http/json)"}},
  };
  for (const Case& c : cases) {
    auto env = c.env;
    env["MCP_REPORT_SINK"] = "otlp";
    EXPECT_EQ(otel_warnings(load("", env)), c.warnings) << c.env.size();
  }
}

TEST_F(OtlpConfigTest, CompressionNoneOrGzipPerSignal) {
  struct Case {
    std::map<std::string, std::string> env;
    std::string traces, logs;
    std::vector<std::string> warnings;
  } cases[] = {
      {{}, "", "", {}},
      {{{"OTEL_EXPORTER_OTLP_COMPRESSION", "none"}}, "none", "none", {}},
      {{{"OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"}}, "gzip", "gzip", {}},
      {{{"OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"},
        {"OTEL_EXPORTER_OTLP_LOGS_COMPRESSION", "none"}},
       "gzip", "none", {}},
      {{{"OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "zstd"}},
       "", "", {"OTEL_EXPORTER_OTLP_TRACES_COMPRESSION=zstd: not none or gzip (ignored)"}},
      {{{"OTEL_EXPORTER_OTLP_COMPRESSION", "none"},
        {"OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "br"}},
       "none", "none",
       {"OTEL_EXPORTER_OTLP_TRACES_COMPRESSION=br: not none or gzip (ignored)"}},
  };
  for (const Case& c : cases) {
    auto env = c.env;
    env["MCP_REPORT_SINK"] = "otlp";
    const Config config = load("", env);
    EXPECT_EQ(config.otlp_traces_compression, c.traces);
    EXPECT_EQ(config.otlp_logs_compression, c.logs);
    EXPECT_EQ(otel_warnings(config), c.warnings);
  }
}

TEST_F(OtlpConfigTest, ResourceAttributesDecodedAndServiceNameStaysTheMcpId) {
  using Attrs = std::vector<std::pair<std::string, std::string>>;
  struct Case {
    std::map<std::string, std::string> env;
    Attrs resource;
    std::vector<std::string> warnings;
  } cases[] = {
      {{}, {}, {}},
      {{{"OTEL_RESOURCE_ATTRIBUTES",
         "deployment.environment.name=prod, service.namespace = mcp ,k=a%2Cb%3Dc%20d"}},
       {{"deployment.environment.name", "prod"}, {"service.namespace", "mcp"}, {"k", "a,b=c d"}},
       {}},
      // A later duplicate replaces an earlier one; host.name replaces ours.
      {{{"OTEL_RESOURCE_ATTRIBUTES", "a=1,host.name=h2,a=3"}}, {{"a", "3"}, {"host.name", "h2"}},
       {}},
      // Any error discards the whole value, as the Resource SDK says.
      {{{"OTEL_RESOURCE_ATTRIBUTES", "a=1,b=%zz"}},
       {},
       {"OTEL_RESOURCE_ATTRIBUTES: 'b' has a bad %-escape in its value (all of it ignored)"}},
      {{{"OTEL_RESOURCE_ATTRIBUTES", "a=1,novalue"}},
       {},
       {"OTEL_RESOURCE_ATTRIBUTES: an entry is not key=value (all of it ignored)"}},
      {{{"OTEL_RESOURCE_ATTRIBUTES", "a=1,=2"}},
       {},
       {"OTEL_RESOURCE_ATTRIBUTES: an entry is not key=value (all of it ignored)"}},
      {{{"OTEL_RESOURCE_ATTRIBUTES", "a=x%0Ay"}},
       {},
       {"OTEL_RESOURCE_ATTRIBUTES: 'a' holds a control character (all of it ignored)"}},
      // service.name is the mcp_id: the configuration is the resource the user
      // gives, which ranks above the environment's.
      {{{"OTEL_SERVICE_NAME", "m1"}, {"OTEL_RESOURCE_ATTRIBUTES", "service.name=m1,x=1"}},
       {{"x", "1"}},
       {}},
      {{{"OTEL_SERVICE_NAME", "svc"}, {"OTEL_RESOURCE_ATTRIBUTES", "service.name=other"}},
       {},
       {"OTEL_SERVICE_NAME=svc: service.name is the mcp_id 'm1' (the configuration ranks above "
        "the environment; set mcp_id to change it)"}},
      {{{"OTEL_RESOURCE_ATTRIBUTES", "service.name=other"}},
       {},
       {"OTEL_RESOURCE_ATTRIBUTES service.name=other: service.name is the mcp_id 'm1' (the "
        "configuration ranks above the environment; set mcp_id to change it)"}},
  };
  for (const Case& c : cases) {
    auto env = c.env;
    env["MCP_REPORT_SINK"] = "otlp";
    env["MCP_REPORT_MCP_ID"] = "m1";
    const Config config = load("", env);
    EXPECT_EQ(config.otlp_resource, c.resource);
    EXPECT_EQ(otel_warnings(config), c.warnings);
  }
  // Without an mcp_id here, each event's own names its resource.
  EXPECT_EQ(otel_warnings(load("", {{"MCP_REPORT_SINK", "otlp"}, {"OTEL_SERVICE_NAME", "svc"}})),
            std::vector<std::string>{"OTEL_SERVICE_NAME=svc: service.name is each event's mcp_id "
                                     "(the configuration ranks above the environment; set mcp_id "
                                     "to change it)"});
}

TEST_F(OtlpConfigTest, AttributeValueLengthLimits) {
  struct Case {
    std::map<std::string, std::string> env;
    int64_t spans, logs;
    std::vector<std::string> warnings;
  } cases[] = {
      {{}, -1, -1, {}},
      {{{"OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "100"}}, 100, 100, {}},
      {{{"OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "100"},
        {"OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "0"}},
       0, 100, {}},
      {{{"OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT", "7"}}, -1, 7, {}},
      {{{"OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "-5"},
        {"OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "12x"}},
       -1, -1,
       {"OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT=-5: not a whole number from 0 to 2147483647 (ignored)",
        "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT=12x: not a whole number from 0 to 2147483647 "
        "(ignored)"}},
  };
  for (const Case& c : cases) {
    auto env = c.env;
    env["MCP_REPORT_SINK"] = "otlp";
    const Config config = load("", env);
    EXPECT_EQ(config.otlp_span_value_limit, c.spans);
    EXPECT_EQ(config.otlp_log_value_limit, c.logs);
    EXPECT_EQ(otel_warnings(config), c.warnings);
  }
}

TEST_F(OtlpConfigTest, VariablesNotSupportedAndSignalUrlsAsTheBaseAreWarnedOnce) {
  struct Case {
    std::string toml;
    std::map<std::string, std::string> env;
    std::vector<std::string> warnings;
  } cases[] = {
      {"", {{"OTEL_EXPORTER_OTLP_TIMEOUT", "2000"}},
       {"OTEL_EXPORTER_OTLP_TIMEOUT is not supported (ignored): set timeout in "
        "[interaction_logging]"}},
      {"", {{"OTEL_EXPORTER_OTLP_LOGS_CERTIFICATE", "/ca.pem"}},
       {"OTEL_EXPORTER_OTLP_LOGS_CERTIFICATE is not supported (ignored): set ca_file in "
        "[interaction_logging]"}},
      {"", {{"OTEL_EXPORTER_OTLP_CLIENT_KEY", "/k.pem"}},
       {"OTEL_EXPORTER_OTLP_CLIENT_KEY is not supported (ignored): no client certificates"}},
      {"", {{"OTEL_EXPORTER_OTLP_INSECURE", "true"}},
       {"OTEL_EXPORTER_OTLP_INSECURE is not supported (ignored): it is for gRPC; the URL's "
        "scheme says"}},
      {"", {{"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "http://m:4318/v1/metrics"}},
       {"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT is not supported (ignored): mcp-report sends no "
        "metrics"}},
      {"otlp_endpoint = \"http://c:4318/v1/traces\"\n", {},
       {"otlp_endpoint http://c:4318/v1/traces ends in /v1/traces: it is the base URL, to which "
        "/v1/traces and /v1/logs are added (requests go to http://c:4318/v1/traces/v1/traces); "
        "leave /v1/traces out, or give a full URL in OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"}},
      {"", {{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318/v1/logs/"}},
       {"OTEL_EXPORTER_OTLP_ENDPOINT http://c:4318/v1/logs/ ends in /v1/logs: it is the base "
        "URL, to which /v1/traces and /v1/logs are added (requests go to "
        "http://c:4318/v1/logs/v1/traces); leave /v1/logs out, or give a full URL in "
        "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT"}},
  };
  for (const Case& c : cases) {
    auto env = c.env;
    env["MCP_REPORT_SINK"] = "otlp";
    EXPECT_EQ(otel_warnings(load(c.toml, env)), c.warnings) << c.toml;
    // Another sink has no business with them: nothing is said.
    auto other = c.env;
    EXPECT_TRUE(otel_warnings(load(c.toml, other)).empty());
  }
}

}  // namespace
}  // namespace mcpr

namespace mcpr {
namespace {

// An OpenTelemetry user who set only OTEL_* is told that the sink is what
// is missing, in the hint of the coordinator's "not set" errors.
TEST(OtlpSinkHintTest, Table) {
  const std::string tail = " is set, but the sink is the coordinator: to send to it, set sink = "
                           "\"otlp\" in [interaction_logging] or MCP_REPORT_SINK=otlp";
  struct Row {
    SinkKind sink;
    std::string endpoint;
    Origin::Kind from;
    std::string traces, logs, hint;
  } rows[] = {
      {SinkKind::kCoordinator, "", Origin::kDefault, "", "", ""},
      {SinkKind::kCoordinator, "http://c:4318", Origin::kEnvironment, "", "",
       "OTEL_EXPORTER_OTLP_ENDPOINT" + tail},
      {SinkKind::kCoordinator, "http://c:4318", Origin::kFile, "", "", "otlp_endpoint" + tail},
      {SinkKind::kCoordinator, "", Origin::kDefault, "http://c/t", "", 
       "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT" + tail},
      {SinkKind::kCoordinator, "", Origin::kDefault, "", "http://c/l",
       "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT" + tail},
      {SinkKind::kOtlp, "http://c:4318", Origin::kEnvironment, "", "", ""},
  };
  for (const Row& row : rows) {
    Config c;
    c.sink = row.sink;
    c.otlp_endpoint = row.endpoint;
    c.origins["interaction_logging.otlp_endpoint"] = {row.from, "OTEL_EXPORTER_OTLP_ENDPOINT"};
    c.otlp_env_traces_url = row.traces;
    c.otlp_env_logs_url = row.logs;
    EXPECT_EQ(c.otlp_sink_hint(), row.hint) << row.endpoint << row.traces << row.logs;
  }
  // The coordinator's own "not set" error carries it.
  Config c;
  c.otlp_endpoint = "http://c:4318";
  c.origins["interaction_logging.otlp_endpoint"] = {Origin::kEnvironment,
                                                    "OTEL_EXPORTER_OTLP_ENDPOINT"};
  try {
    c.coordinator_url();
    ADD_FAILURE() << "no url, no error";
  } catch (const Failure& e) {
    EXPECT_NE(e.hint().find("MCP_REPORT_SINK=otlp"), std::string::npos) << e.hint();
  }
}

// Every OTEL_* variable neither honoured nor warned about by name is named
// in one warning (OTEL_SDK_DISABLED=true would otherwise export in silence).
TEST(UnhonouredOtelVariablesTest, Table) {
  const std::string tail =
      " not honoured (ignored): mcp-report is an OTLP exporter, not an OpenTelemetry SDK; "
      "otlp_signals chooses the signals sent, enable_interaction_logging = false stops "
      "recording (man page OPENTELEMETRY SINK)";
  const std::pair<std::vector<std::string>, std::string> rows[] = {
      {{}, ""},
      {{"PATH=/bin", "HOME=/h"}, ""},
      // honoured, or warned about by name elsewhere
      {{"OTEL_EXPORTER_OTLP_ENDPOINT=http://c", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=http://c",
        "OTEL_EXPORTER_OTLP_LOGS_HEADERS=a=b", "OTEL_EXPORTER_OTLP_PROTOCOL=grpc",
        "OTEL_EXPORTER_OTLP_LOGS_COMPRESSION=gzip", "OTEL_RESOURCE_ATTRIBUTES=a=b",
        "OTEL_SERVICE_NAME=s", "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT=5",
        "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT=5", "OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT=5",
        "OTEL_EXPORTER_OTLP_TIMEOUT=1", "OTEL_EXPORTER_OTLP_TRACES_INSECURE=1",
        "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT=http://m", "OTEL_EXPORTER_OTLP_SPAN_INSECURE=1"},
       ""},
      {{"OTEL_SDK_DISABLED=true"}, "OTEL_SDK_DISABLED is" + tail},
      {{"OTEL_TRACES_EXPORTER=none", "OTEL_SDK_DISABLED=true", "OTEL_LOGS_EXPORTER=none",
        "OTEL_TRACES_SAMPLER=always_off", "OTEL_PROPAGATORS=b3", "OTEL_ATTRIBUTE_COUNT_LIMIT=1",
        "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT=1", "OTEL_BSP_SCHEDULE_DELAY=1",
        "OTEL_BLRP_MAX_QUEUE_SIZE=3", "OTEL_EXPORTER_OTLP_METRICS_BOGUS=1",
        "OTEL_EXPORTER_OTLP_LOGS_RETRY=1"},
       "OTEL_ATTRIBUTE_COUNT_LIMIT, OTEL_BLRP_MAX_QUEUE_SIZE, OTEL_BSP_SCHEDULE_DELAY, "
       "OTEL_EXPORTER_OTLP_LOGS_RETRY, OTEL_EXPORTER_OTLP_METRICS_BOGUS, OTEL_LOGS_EXPORTER, "
       "OTEL_PROPAGATORS, OTEL_SDK_DISABLED, OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT, "
       "OTEL_TRACES_EXPORTER, OTEL_TRACES_SAMPLER are" + tail},
      // an empty value is unset, as the specification says; not OTEL_ is not ours
      {{"OTEL_SDK_DISABLED=", "OTELX=1", "MY_OTEL_SDK_DISABLED=true"}, ""},
  };
  for (const auto& [environment, warning] : rows)
    EXPECT_EQ(unhonoured_otel_variables_warning(environment), warning)
        << (environment.empty() ? "" : environment[0]);
}

// OTLP headers are the OTLP sink's credentials: plain http to a host off
// loopback is the same warning as the coordinator's API key gets.
TEST(OtlpHeadersWarningTest, Table) {
  struct Row {
    std::string sink, endpoint, headers_file, env_headers, traces_url, signals;
    std::string warning;
  } rows[] = {
      {"otlp", "http://collector.example.com:4318", "/h", "", "", "traces,logs",
       "OTLP headers to http://collector.example.com:4318/v1/traces and "
       "http://collector.example.com:4318/v1/logs: plain http to a host that is not on loopback "
       "sends them (credentials such as an API key) in clear; use https"},
      {"otlp", "http://u:p@10.0.0.1:4318", "", "api-key=zzz", "", "logs",
       "OTLP headers to http://***@10.0.0.1:4318/v1/logs: plain http to a host that is not on "
       "loopback sends them (credentials such as an API key) in clear; use https"},
      {"otlp", "http://127.0.0.1:4318", "", "", "http://10.0.0.1/t", "traces,logs", ""},
      {"otlp", "http://127.0.0.1:4318", "/h", "", "http://10.0.0.1/t", "traces,logs",
       "OTLP headers to http://10.0.0.1/t: plain http to a host that is not on loopback sends "
       "them (credentials such as an API key) in clear; use https"},
      {"otlp", "http://collector.example.com:4318", "", "", "", "traces,logs", ""},  // no headers
      {"otlp", "https://collector.example.com", "/h", "a=b", "", "traces,logs", ""},
      {"otlp", "http://[::1]:4318", "/h", "a=b", "", "traces,logs", ""},
      {"coordinator", "http://collector.example.com:4318", "/h", "a=b", "", "traces,logs", ""},
  };
  for (const Row& row : rows) {
    Config c;
    c.sink = row.sink == "otlp" ? SinkKind::kOtlp : SinkKind::kCoordinator;
    c.otlp_endpoint = row.endpoint;
    c.origins["interaction_logging.otlp_endpoint"] = {Origin::kEnvironment,
                                                      "OTEL_EXPORTER_OTLP_ENDPOINT"};
    c.otlp_headers_file = row.headers_file;
    c.otlp_env_headers = row.env_headers;
    c.otlp_env_traces_url = row.traces_url;
    c.otlp_signals = row.signals;
    EXPECT_EQ(c.otlp_headers_warning(), row.warning) << row.endpoint;
  }
}

}  // namespace
}  // namespace mcpr
