// The one strict reader of the URLs mcp-report POSTs to (src/config/http_url.h),
// and the configuration refusing a malformed one from every source (exit 78)
// instead of libcurl refusing it at each flush as if it were an outage.
#include "src/config/http_url.h"

#include <gtest/gtest.h>

#include <map>

#include "src/config/config.h"
#include "src/util/failure.h"

namespace mcpr {
namespace {

struct UrlRow {
  const char* url;
  const char* problem;  // a part of the reason, "" when the URL is good
  const char* host = "";
  int port = 0;
};

const UrlRow kHttpUrlRows[] = {
    {"http://127.0.0.1:4318", "", "127.0.0.1", 4318},
    {"https://collector.example/otlp", "", "collector.example", 0},
    {"HTTP://Host-1.example_x~:1/v1", "", "Host-1.example_x~", 1},
    {"http://[::1]:65535/", "", "::1", 65535},
    {"http://[2001:db8::7]", "", "2001:db8::7", 0},
    {"http://user:pa:ss@10.0.0.1:8080/x", "", "10.0.0.1", 8080},
    {"http://b\xc3\xbc" "cher.example/", "", "b\xc3\xbc" "cher.example", 0},
    {"http://[::1:4318", "without its ']'"},
    {"http://[nothost]:1", "not an IPv6 address"},
    {"http://[::1]x:1", "after the IPv6 address"},
    {"http://[::1]:", "':' but no port"},
    {"http://127.0.0.1:99999", "not a number from 1 to 65535"},
    {"http://127.0.0.1:65536", "not a number from 1 to 65535"},
    {"http://127.0.0.1:0", "not a number from 1 to 65535"},
    {"http://127.0.0.1:-1", "not a number from 1 to 65535"},
    {"http://127.0.0.1:43x8", "not a number from 1 to 65535"},
    {"http://127.0.0.1:", "':' but no port"},
    {"http://127.0.0.1:4318,http://b:4318", "one URL, not a list"},
    {"http://a,b/", "one URL, not a list"},
    {"http://a b/", "blank"},
    {" http://a/", "blank"},
    {"http://a/\n", "control character"},
    {"http://", "names no host"},
    {"http:///v1", "names no host"},
    {"http://user@/x", "names no host"},
    {"http://:80", "names no host"},
    {"http://a%41/", "which no host name holds"},
    {"http://a!b/", "which no host name holds"},
    {"localhost:4318", "not an http:// or https:// URL"},
    {"ftp://x", "not an http:// or https:// URL"},
    {"http:/x", "not an http:// or https:// URL"},
    {"\xff", "not valid UTF-8"},
};

TEST(HttpUrlTest, Table) {
  for (const UrlRow& row : kHttpUrlRows) {
    HttpUrl url;
    const std::string problem = http_url_problem(row.url, false, &url);
    if (*row.problem == '\0') {
      EXPECT_EQ(problem, "") << row.url;
      EXPECT_EQ(url.host, row.host) << row.url;
      EXPECT_EQ(url.port, row.port) << row.url;
    } else {
      EXPECT_NE(problem.find(row.problem), std::string::npos) << row.url << ": " << problem;
    }
  }
}

TEST(HttpUrlTest, ABaseUrlHasNoQueryOrFragment) {
  const std::pair<const char*, bool> rows[] = {
      {"http://a/x?k=1", true}, {"http://a/#f", true}, {"http://a?x", true}, {"http://a/x", false}};
  for (const auto& [url, refused] : rows) {
    EXPECT_EQ(!http_url_problem(url, true).empty(), refused) << url;
    EXPECT_EQ(http_url_problem(url, false), "") << url;
  }
}

// A password is never part of the reason.
TEST(HttpUrlTest, TheReasonNeverEchoesTheUrl) {
  for (const char* url : {"http://u:secret@h:99999/", "http://u:secret@h:x/", "http://u:secret@[h]/",
                          "http://u:secret/x@h/"}) {
    const std::string problem = http_url_problem(url, false);
    EXPECT_NE(problem, "") << url;
    EXPECT_EQ(problem.find("secret"), std::string::npos) << problem;
  }
}

TEST(HttpUrlTest, SendsInClear) {
  const std::pair<const char*, bool> rows[] = {
      {"http://collector.example:4318", true}, {"http://10.0.0.1/v1/logs", true},
      {"http://127.example.com/", true},       {"http://u:p@localhost.example.com", true},
      {"https://collector.example", false},    {"http://127.0.0.1:4318", false},
      {"http://localhost/v1/traces", false},   {"http://[::1]:4318", false},
      {"http://u@127.1.2.3/", false},          {"http://[::1:4318", false},  // not a URL at all
  };
  for (const auto& [url, clear] : rows) EXPECT_EQ(sends_in_clear(url), clear) << url;
}

// Every source of a URL is read by that one reader when the configuration
// is loaded: config, flush and health all say the same one line (78).
TEST(HttpUrlTest, EverySourceOfAUrlRefusesAMalformedOne) {
  const char* vars[] = {"MCP_REPORT_URL", "OTEL_EXPORTER_OTLP_ENDPOINT",
                        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT"};
  for (const char* var : vars) {
    for (const char* bad : {"http://[::1:4318", "http://127.0.0.1:99999", "http://127.0.0.1:-1",
                            "http://127.0.0.1:4318,http://b:4318"}) {
      std::map<std::string, std::string> env = {{"HOME", "/nonexistent"}, {var, bad}};
      ConfigOverrides o;
      o.config_file = "/dev/null";
      try {
        load_config(o, [&env](const char* name) -> const char* {
          auto it = env.find(name);
          return it == env.end() ? nullptr : it->second.c_str();
        });
        ADD_FAILURE() << var << "=" << bad << " was taken";
      } catch (const Failure& e) {
        EXPECT_EQ(e.exit_code(), kExitConfig);
        EXPECT_NE(std::string(e.what()).find(std::string("environment ") + var), std::string::npos)
            << e.what();
      }
    }
  }
  for (const char* key : {"coordinator_url", "otlp_endpoint"}) {
    Config c;
    EXPECT_THROW(c.set(key, std::string("http://127.0.0.1:99999"), {Origin::kFile, "f:1"}), Failure)
        << key;
  }
}

}  // namespace
}  // namespace mcpr
