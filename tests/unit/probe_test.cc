// health and validate-key for both sinks (src/delivery/probe.h), driven
// through a fake transport: the request each sends and what each answer
// says, row by row.
#include "src/delivery/probe.h"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

#include "fake_delivery.h"
#include "src/util/failure.h"

namespace mcpr {
namespace {

struct ProbeRow {
  const char* what;
  bool otlp;
  ProbeKind kind;
  HttpResponse answer;
  int exit_code;        // 0: the line below is returned
  const char* message;  // the line, or the Failure's "<what>: <why>"
  const char* hint;
};

HttpResponse with_body(int status, const char* body) {
  HttpResponse r = answer(status);
  r.body_start = body;
  return r;
}

// A transport that answers every request with `response` and keeps what it
// was sent and how it was made.
class Answering : public HttpTransport {
 public:
  struct Log {
    std::vector<HttpRequest> sent;
    TransportOptions options;
  };
  Answering(HttpResponse response, Log* log) : response_(std::move(response)), log_(log) {}
  static TransportMaker maker(HttpResponse response, Log* log) {
    return [response, log](const TransportOptions& options) {
      log->options = options;
      return std::make_unique<Answering>(response, log);
    };
  }
  void submit(const HttpRequest& r) override {
    log_->sent.push_back(r);
    pending_.push_back(response_);
    pending_.back().tag = r.tag;
  }
  std::vector<HttpResponse> wait(double) override { return std::exchange(pending_, {}); }
  size_t in_flight() const override { return pending_.size(); }

 private:
  HttpResponse response_;
  Log* log_;
  std::vector<HttpResponse> pending_;
};

Config probe_config(bool otlp) {
  Config c;
  c.url = "http://c.test/";
  c.api_key = "k";
  if (otlp) {
    c.sink = SinkKind::kOtlp;
    c.otlp_endpoint = "http://o.test";
  }
  return c;
}

TEST(ProbeTest, EachAnswerOfEachSink) {
  const ProbeKind health = ProbeKind::kHealth, validate = ProbeKind::kValidateKey;
  const ProbeRow rows[] = {
      {"coordinator up", false, health, with_body(200, "ok"), 0,
       "coordinator http://c.test is up: HTTP 200 in 0 ms: ok", ""},
      {"key accepted", false, validate, answer(200), 0,
       "API key accepted by http://c.test (HTTP 200, 0 ms)", ""},
      {"key rejected", false, validate, answer(401), 77,
       "validate-key: http://c.test/api/v2/validate: the API key was rejected (HTTP 401, 0 ms)",
       "check coordinator_api_key, api_key_file or MCP_REPORT_API_KEY ('mcp-report validate-key' "
       "tries the key)"},
      {"coordinator down", false, health, no_connection(), 69,
       "health: http://c.test/api/v2/health: cannot connect: Connection refused",
       "is the coordinator running, and is coordinator_url right?"},
      {"coordinator failing", false, health, with_body(500, "oops"), 69,
       "health: http://c.test/api/v2/health: HTTP 500: oops (0 ms)", ""},
      {"validate-key unreachable: no hint about the URL", false, validate, no_connection(), 69,
       "validate-key: http://c.test/api/v2/validate: cannot connect: Connection refused", ""},
      // The OTLP sink: one request per signal, one line each; the first to
      // fail says why.
      {"OTLP up", true, health, answer(200), 0,
       "OTLP endpoint http://o.test/v1/traces is up: HTTP 200 in 0 ms\n"
       "OTLP endpoint http://o.test/v1/logs is up: HTTP 200 in 0 ms",
       ""},
      {"OTLP headers accepted", true, validate, answer(200), 0,
       "OTLP headers accepted by http://o.test/v1/traces (HTTP 200, 0 ms; no headers are set, "
       "none were needed)\n"
       "OTLP headers accepted by http://o.test/v1/logs (HTTP 200, 0 ms; no headers are set, none "
       "were needed)",
       ""},
      {"OTLP refused", true, validate, answer(403), 77,
       "validate-key: http://o.test/v1/traces: the endpoint refused us (HTTP 403, 0 ms)",
       "check the headers in otlp_headers_file or OTEL_EXPORTER_OTLP_HEADERS"},
      {"OTLP down", true, health, no_connection(), 69,
       "health: http://o.test/v1/traces: cannot connect: Connection refused",
       "is the OpenTelemetry Collector running, and is otlp_endpoint right?"},
  };
  for (const ProbeRow& row : rows) {
    SCOPED_TRACE(row.what);
    Answering::Log log;
    std::string message, hint;
    int exit_code = 0;
    try {
      message = run_probe(probe_config(row.otlp), row.kind, Answering::maker(row.answer, &log));
    } catch (const Failure& f) {
      exit_code = f.exit_code();
      message = f.what();
      hint = f.hint();
    }
    EXPECT_EQ(exit_code, row.exit_code);
    EXPECT_EQ(message, row.message);
    EXPECT_EQ(hint, row.hint);
    ASSERT_EQ(log.sent.size(), row.otlp && row.exit_code == 0 ? 2u : 1u);
    const HttpRequest& r = log.sent[0];
    if (row.otlp) {
      EXPECT_EQ(r.method, "POST");
      EXPECT_EQ(r.body, "{\"resourceSpans\":[]}");
      if (log.sent.size() == 2) {
        EXPECT_EQ(log.sent[1].body, "{\"resourceLogs\":[]}");
      }
      EXPECT_FALSE(r.bearer);
    } else {
      EXPECT_EQ(r.method, row.kind == health ? "GET" : "POST");
      EXPECT_TRUE(r.bearer);
    }
    EXPECT_EQ(log.options.api_key, "k");
  }
}

TEST(ProbeTest, ValidateKeyWithoutAKeyIsAConfigurationErrorBeforeAnyRequest) {
  Config c = probe_config(false);
  c.api_key.clear();
  bool made = false;
  auto make = [&](const TransportOptions&) -> std::unique_ptr<HttpTransport> {
    made = true;
    return nullptr;
  };
  try {
    run_probe(c, ProbeKind::kValidateKey, make);
    ADD_FAILURE() << "no failure";
  } catch (const Failure& f) {
    EXPECT_EQ(f.exit_code(), kExitConfig);
    EXPECT_STREQ(f.what(), "API key: not set");
  }
  EXPECT_FALSE(made);
  // The OTLP sink has no key to need.
  c.sink = SinkKind::kOtlp;
  c.otlp_endpoint = "http://o.test";
  Answering::Log log;
  EXPECT_NO_THROW(run_probe(c, ProbeKind::kValidateKey, Answering::maker(answer(200), &log)));
  EXPECT_EQ(log.sent.size(), 2u);  // traces and logs
}

// Where credentials are set is said in one wording by flush, health and
// validate-key alike (src/delivery/sink.h, credentials_hint).
TEST(ProbeTest, AHealthCheckRefusedWithoutAKeySaysToSetOne) {
  Config config = probe_config(false);
  config.api_key.clear();
  Answering::Log log;
  try {
    run_probe(config, ProbeKind::kHealth, Answering::maker(answer(401), &log));
    ADD_FAILURE() << "no Failure";
  } catch (const Failure& f) {
    EXPECT_EQ(f.exit_code(), kExitNoPerm);
    EXPECT_EQ(std::string(f.what()),
              "health: http://c.test/api/v2/health: no API key is set, and one is needed (HTTP "
              "401, 0 ms)");
    EXPECT_EQ(f.hint(), "set coordinator_api_key or api_key_file, or MCP_REPORT_API_KEY");
  }
  // validate-key refuses to run without one, with the same hint.
  try {
    run_probe(config, ProbeKind::kValidateKey, Answering::maker(answer(200), &log));
    ADD_FAILURE() << "no Failure";
  } catch (const Failure& f) {
    EXPECT_EQ(f.exit_code(), kExitConfig);
    EXPECT_EQ(f.hint(), "set coordinator_api_key or api_key_file, or MCP_REPORT_API_KEY");
  }
}

}  // namespace
}  // namespace mcpr
