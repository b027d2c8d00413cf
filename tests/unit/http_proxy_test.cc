#include <gtest/gtest.h>
#include <zlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "fake_clock.h"
#include "temp_dir.h"
#include "src/config/config.h"

#include "src/http_proxy/http_recorder.h"
#include "src/http_proxy/listen_address.h"
#include "src/http_proxy/message_tap.h"
#include "src/http_proxy/request_policy.h"
#include "src/http_proxy/upstream_url.h"
#include "src/proxy/interaction_tracker.h"
#include "src/proxy/forwarder.h"
#include "src/proxy/line_splitter.h"
#include "src/util/failure.h"

namespace mcpr {
namespace {

TEST(ListenAddressTest, NamesLoopbackUnlessAnotherAddressIsGiven) {
  struct Row {
    const char* text;
    const char* host;
    uint16_t port;
    const char* authority;
  } rows[] = {
      {"8080", "127.0.0.1", 8080, "127.0.0.1:8080"},
      {":8080", "127.0.0.1", 8080, "127.0.0.1:8080"},
      {"localhost:0", "localhost", 0, "localhost:0"},
      {"0.0.0.0:80", "0.0.0.0", 80, "0.0.0.0:80"},
      {"[::1]:65535", "::1", 65535, "[::1]:65535"},
      {"[::]:9", "::", 9, "[::]:9"},
      {"mcp.lan:3001", "mcp.lan", 3001, "mcp.lan:3001"},
  };
  for (const Row& r : rows) {
    const ListenAddress a = parse_listen_address(r.text);
    EXPECT_EQ(a.host, r.host) << r.text;
    EXPECT_EQ(a.port, r.port) << r.text;
    EXPECT_EQ(a.authority(), r.authority) << r.text;
  }
}

TEST(ListenAddressTest, RefusesWhatIsNotHostAndPort) {
  for (const char* text : {"", "127.0.0.1", "127.0.0.1:", "host:http", "1:65536", "::1:80",
                           "[::1]", "[::1]80", "[]:80", "12345678"}) {
    try {
      parse_listen_address(text);
      ADD_FAILURE() << text;
    } catch (const Failure& f) {
      EXPECT_EQ(f.exit_code(), kExitUsage) << text;
      EXPECT_NE(std::string(f.what()).find("--listen '"), std::string::npos) << f.what();
    }
  }
}

TEST(ListenAddressTest, KnowsLoopbackAndWildcardAddresses) {
  for (const char* host : {"localhost", "127.0.0.1", "127.1.2.3", "::1"})
    EXPECT_TRUE(is_loopback_name(host)) << host;
  for (const char* host : {"0.0.0.0", "::", "10.0.0.1", "128.0.0.1", "example.com", "localhost.evil.com", ""})
    EXPECT_FALSE(is_loopback_name(host)) << host;
  for (const char* host : {"0.0.0.0", "::"}) EXPECT_TRUE(is_wildcard_address(host)) << host;
  for (const char* host : {"127.0.0.1", "::1", "localhost"}) EXPECT_FALSE(is_wildcard_address(host)) << host;
}

TEST(OriginPolicyTest, LetsNonBrowsersAndPagesOfTheListeningHostThrough) {
  using V = RequestVerdict;
  struct Row {
    const char* listen;
    const char* origin;  // nullptr: no header
    const char* host;
    V verdict;
  } rows[] = {
      // No Origin: a client that is not a browser.
      {"127.0.0.1:8080", nullptr, "127.0.0.1:8080", V::kAllowed},
      {"127.0.0.1:8080", nullptr, nullptr, V::kAllowed},
      // A local page (an MCP inspector on another port) is the listening host's.
      {"127.0.0.1:8080", "http://localhost:6274", "localhost:8080", V::kAllowed},
      {"127.0.0.1:8080", "http://127.0.0.1:8080", "127.0.0.1:8080", V::kAllowed},
      {"127.0.0.1:8080", "https://[::1]:443", "[::1]:8080", V::kAllowed},
      {"127.0.0.1:8080", "HTTP://LOCALHOST", "LocalHost", V::kAllowed},
      // Another site's page, or a rebound name.
      {"127.0.0.1:8080", "http://evil.example", "127.0.0.1:8080", V::kBadOrigin},
      {"127.0.0.1:8080", "http://localhost.evil.example:8080", "localhost:8080", V::kBadOrigin},
      {"127.0.0.1:8080", "null", "127.0.0.1:8080", V::kBadOrigin},
      {"127.0.0.1:8080", "", "127.0.0.1:8080", V::kBadOrigin},
      {"127.0.0.1:8080", "file://", "127.0.0.1:8080", V::kBadOrigin},
      {"127.0.0.1:8080", "http://user@localhost", "127.0.0.1:8080", V::kBadOrigin},
      {"127.0.0.1:8080", nullptr, "rebound.evil.example:8080", V::kBadHost},
      {"127.0.0.1:8080", "http://rebound.evil.example:8080", "rebound.evil.example:8080", V::kBadOrigin},
      // Another address named: its own name, no Host check.
      {"10.1.2.3:8080", "http://10.1.2.3:8080", "10.1.2.3:8080", V::kAllowed},
      {"10.1.2.3:8080", "http://localhost:8080", "10.1.2.3:8080", V::kBadOrigin},
      {"10.1.2.3:8080", nullptr, "mcp.lan:8080", V::kAllowed},
      {"mcp.lan:8080", "http://MCP.lan:8080", "mcp.lan:8080", V::kAllowed},
      // Every interface: loopback names only (a page on another name needs no proxy of ours).
      {"0.0.0.0:8080", "http://localhost:3000", "mcp.lan:8080", V::kAllowed},
      {"0.0.0.0:8080", "http://0.0.0.0:8080", "mcp.lan:8080", V::kBadOrigin},
      {"0.0.0.0:8080", "http://mcp.lan:8080", "mcp.lan:8080", V::kBadOrigin},
  };
  for (const Row& r : rows) {
    const OriginPolicy policy(parse_listen_address(r.listen));
    EXPECT_EQ(policy.check(r.origin, r.host), r.verdict)
        << r.listen << " Origin " << (r.origin ? r.origin : "(none)") << " Host "
        << (r.host ? r.host : "(none)");
  }
}

TEST(HeaderFilterTest, PassesEverythingButHopByHopHeaders) {
  const HeaderFilter filter("close, X-Hop,  x-other ");
  for (const char* name : {"Authorization", "Mcp-Session-Id", "MCP-Protocol-Version",
                           "Last-Event-ID", "Accept", "Content-Type", "Cookie", "X-Custom",
                           "Content-Encoding", "Date"})
    EXPECT_TRUE(filter.passes(name)) << name;
  for (const char* name : {"Connection", "connection", "Keep-Alive", "Proxy-Connection", "TE",
                           "Trailer", "Transfer-Encoding", "Upgrade", "Proxy-Authenticate",
                           "Proxy-Authorization", "Host", "Content-Length", "Expect", "x-hop",
                           "X-OTHER", "close"})
    EXPECT_FALSE(filter.passes(name)) << name;
  EXPECT_TRUE(HeaderFilter().passes("X-Hop"));
}

TEST(UpstreamUrlTest, TakesTheUrlApart) {
  struct Row {
    const char* text;
    const char* origin;
    const char* host;
    uint16_t port;
    const char* path;
    const char* query;
    const char* shown;
  } rows[] = {
      {"http://127.0.0.1:3001/mcp", "http://127.0.0.1:3001", "127.0.0.1", 3001, "/mcp", "",
       "http://127.0.0.1:3001/mcp"},
      {"https://mcp.example.com/v1/mcp?key=SECRET&b=2", "https://mcp.example.com",
       "mcp.example.com", 443, "/v1/mcp", "key=SECRET&b=2", "https://mcp.example.com/v1/mcp"},
      {"http://user:SECRET@[::1]:8/", "http://user:SECRET@[::1]:8", "::1", 8, "/", "",
       "http://[::1]:8/"},
      {"http://example.com", "http://example.com", "example.com", 80, "/", "",
       "http://example.com/"},
      {"http://example.com/mcp?", "http://example.com", "example.com", 80, "/mcp", "",
       "http://example.com/mcp"},
  };
  for (const Row& r : rows) {
    const UpstreamUrl u = parse_upstream_url(r.text);
    EXPECT_EQ(u.origin, r.origin) << r.text;
    EXPECT_EQ(u.host, r.host) << r.text;
    EXPECT_EQ(u.port, r.port) << r.text;
    EXPECT_EQ(u.path, r.path) << r.text;
    EXPECT_EQ(u.query, r.query) << r.text;
    EXPECT_EQ(u.shown, r.shown) << r.text;
  }
  for (const char* text : {"", "mcp.example.com/mcp", "ftp://example.com/", "http://example.com/mcp#x",
                           "http://"}) {
    try {
      parse_upstream_url(text);
      ADD_FAILURE() << text;
    } catch (const Failure& f) {
      EXPECT_EQ(f.exit_code(), kExitUsage) << text;
    }
  }
}

TEST(UpstreamUrlTest, TheMcpEndpointsRequestsCarryTheUrlsQuery) {
  struct Row {
    const char* url;
    const char* target;  // what the client asked the proxy for
    const char* sent;    // what the upstream is asked for
  } rows[] = {
      {"http://h/mcp?key=K", "/mcp", "/mcp?key=K"},
      {"http://h/mcp?key=K", "/mcp?x=1", "/mcp?key=K&x=1"},
      {"http://h/mcp?key=K", "/mcp?", "/mcp?key=K"},
      {"http://h/mcp?key=K", "/.well-known/oauth-protected-resource",
       "/.well-known/oauth-protected-resource"},
      {"http://h/mcp?key=K", "/mcpx?y=2", "/mcpx?y=2"},
      {"http://h/mcp", "/mcp?x=1", "/mcp?x=1"},
      {"http://h/mcp", "/mcp", "/mcp"},
  };
  for (const Row& r : rows) {
    const UpstreamUrl u = parse_upstream_url(r.url);
    EXPECT_EQ(upstream_target(u, r.target), r.sent) << r.url << " " << r.target;
  }
}

// The events' data an SSE stream cut into `chunks` carries.
std::vector<std::string> sse_data(const std::vector<std::string>& chunks) {
  SseTap tap;
  std::vector<TappedMessage> out;
  for (const std::string& c : chunks) tap.feed(c, &out);
  std::vector<std::string> data;
  for (const TappedMessage& m : out) {
    EXPECT_FALSE(m.cut);
    EXPECT_EQ(m.size, m.text.size());
    data.push_back(m.text);
  }
  return data;
}

TEST(SseTapTest, FindsEachEventsDataHoweverTheStreamIsCut) {
  using V = std::vector<std::string>;
  struct Row {
    V chunks;
    V data;
  } rows[] = {
      {{"event: message\nid: 7\ndata: {\"id\":1}\n\n"}, {"{\"id\":1}"}},
      {{"data: a\n", "data: b\n\n"}, {"a\nb"}},
      {{"data:no-space\r\n\r\ndata:  two spaces\r\r"}, {"no-space", " two spaces"}},
      {{"data: x\r", "\ndata: y\r", "\n\r", "\n"}, {"x\ny"}},
      {{": a comment\n\n", "retry: 10\n\n", "data\n\n", "data:\n\n"}, {"", ""}},
      {{"\xEF\xBB\xBF", "data: after bom\n\n"}, {"after bom"}},
      {{"\xEF\xBB", "\xBF" "data: split bom\n\n"}, {"split bom"}},
      {{"data: unfinished\n"}, {}},
      {{"dat", "a: pieces", " of a line", "\n", "\n"}, {"pieces of a line"}},
      {{"id\n\n"}, {}},
      {{"datum: no\ndata: yes\n\n"}, {"yes"}},
      {{"data: {\"jsonrpc\":\"2.0\",\n", "data: \"id\":3}\n\nevent: x\ndata: 2\n\n"},
       {"{\"jsonrpc\":\"2.0\",\n\"id\":3}", "2"}},
  };
  for (const Row& r : rows) EXPECT_EQ(sse_data(r.chunks), r.data) << r.chunks[0];
}

TEST(SseTapTest, SameEventsByteByByte) {
  const std::string stream =
      "id: 1\r\nevent: message\r\ndata: {\"a\":1}\r\n\r\n: ping\n\ndata: b\rdata: c\r\r";
  std::vector<std::string> bytes;
  for (char c : stream) bytes.emplace_back(1, c);
  EXPECT_EQ(sse_data(bytes), (std::vector<std::string>{"{\"a\":1}", "b\nc"}));
  EXPECT_EQ(sse_data({stream}), sse_data(bytes));
}

TEST(SseTapTest, KeepsOnlyTheEndsOfAnEventTooLongToParse) {
  SseTap tap;
  std::vector<TappedMessage> out;
  const std::string head = "{\"jsonrpc\":\"2.0\",\"id\":9,\"result\":{\"x\":\"";
  tap.feed("data: " + head, &out);
  const std::string block(1 << 20, 'y');
  size_t size = head.size();
  while (size < kMaxParsedLine + 10) {
    tap.feed(block, &out);
    size += block.size();
  }
  tap.feed("\"}}\n\ndata: small\n\n", &out);
  size += 3;  // the line's LF joins data lines: not the event's
  ASSERT_EQ(out.size(), 2u);
  EXPECT_TRUE(out[0].cut);
  EXPECT_EQ(out[0].size, size);
  EXPECT_EQ(out[0].text.substr(0, head.size()), head);
  EXPECT_EQ(out[0].text.size(), kLineEdge);
  EXPECT_EQ(out[0].tail, std::string(kLineEdge - 4, 'y') + "\"}}");
  EXPECT_FALSE(out[1].cut);
  EXPECT_EQ(out[1].text, "small");
}

TEST(MessageTextTest, KeepsAWholeMessageOrItsTwoEnds) {
  MessageText text;
  text.append("{\"id\":");
  text.append("1}");
  TappedMessage m = text.take();
  EXPECT_EQ(m.text, "{\"id\":1}");
  EXPECT_FALSE(m.cut);
  EXPECT_TRUE(text.empty());

  const std::string big(kMaxParsedLine, 'z');
  text.append("[");
  text.append(big);
  text.append("]");
  m = text.take();
  EXPECT_TRUE(m.cut);
  EXPECT_EQ(m.size, kMaxParsedLine + 2);
  EXPECT_EQ(m.text, "[" + std::string(kLineEdge - 1, 'z'));
  EXPECT_EQ(m.tail, std::string(kLineEdge - 1, 'z') + "]");
}

// The HTTP proxy ends the calls of an exchange that failed by the request
// body it carried: only those, and only while open.
TEST(InteractionTrackerTest, CloseRequestsEndsTheCallsALineCarries) {
  std::vector<std::string> out;
  int made = 0;
  InteractionTracker tracker(
      TrackerOptions{}, [&](ProxyEvent e) { out.push_back(e.interaction_id + " " + e.payload); },
      [&](int64_t) { return "id" + std::to_string(++made); });
  const SeenAt t0{1800000000000000, 1000000}, t1{1800000000500000, 1500000};
  const char* batch =
      R"([{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a"}},)"
      R"({"jsonrpc":"2.0","id":"2","method":"tools/call","params":{"name":"b"}}])";
  tracker.on_line(Direction::kClientToServer, batch, t0);
  tracker.on_line(Direction::kClientToServer,
                  R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"c"}})", t0);
  tracker.on_line(Direction::kServerToClient, R"({"jsonrpc":"2.0","id":1,"result":{}})", t0);
  out.clear();
  tracker.close_requests(batch, "UpstreamUnavailable", "gone", t1);
  // A response or a notification names no request; 3 is another exchange's.
  tracker.close_requests(R"({"jsonrpc":"2.0","id":3,"result":{}})", "X", "x", t1);
  tracker.close_requests(R"({"jsonrpc":"2.0","method":"notifications/x"})", "X", "x", t1);
  tracker.close_requests("not json", "X", "x", t1);
  EXPECT_EQ(out, (std::vector<std::string>{
                     "id2 {\"error_type\": \"UpstreamUnavailable\", \"error_message\": \"gone\", "
                     "\"processing_time\": 0.5}"}));
  EXPECT_EQ(tracker.open_count(), 1u);
}

// A request too long to parse whole is known by its ends: its id at either
// end ends its call with the exchange, as a short one's.
TEST(InteractionTrackerTest, CloseLongRequestFindsTheIdAtEitherEnd) {
  std::vector<std::string> out;
  int made = 0;
  InteractionTracker tracker(
      TrackerOptions{}, [&](ProxyEvent e) {
        out.push_back(e.interaction_id + (e.action == Action::kError ? " error " : " other ") +
                      e.payload.substr(0, 26));
      },
      [&](int64_t) { return "id" + std::to_string(++made); });
  const SeenAt t0{1800000000000000, 1000000}, t1{1800000000500000, 1500000};
  const size_t size = 11u << 20;
  struct Case {
    std::string head, tail;
  };
  const std::vector<Case> cases = {
      {R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a","arguments":{"x":"xxx)",
       R"(xxx"}}})"},
      {R"({"jsonrpc":"2.0","method":"tools/call","params":{"name":"b","arguments":{"x":"xxx)",
       R"(xxx"}},"id":"2"})"},
  };
  for (const Case& c : cases) tracker.on_long_line(Direction::kClientToServer, c.head, c.tail, size, t0);
  ASSERT_EQ(tracker.open_count(), 2u);
  out.clear();
  for (const Case& c : cases)
    tracker.close_long_request(c.head, c.tail, size, "HttpError", "the server answered HTTP 413", t1);
  EXPECT_EQ(out, (std::vector<std::string>{"id1 error {\"error_type\": \"HttpError\"",
                                           "id2 error {\"error_type\": \"HttpError\""}));
  EXPECT_EQ(tracker.open_count(), 0u);
}

TEST(OpenCallsEndTest, EndsCallsOnlyWhenNoAnswerCanStillCome) {
  using E = ExchangeEnd;
  struct Row {
    E how;
    long status;
    bool sessionless;
    const char* error_type;  // nullptr: left open
  } rows[] = {
      {E::kComplete, 200, false, nullptr},  // may come on the GET stream
      {E::kComplete, 200, true, "ServerExited"},
      {E::kComplete, 202, true, "ServerExited"},
      {E::kComplete, 404, false, "HttpError"},
      {E::kComplete, 500, true, "HttpError"},
      {E::kUnreachable, 0, false, "UpstreamUnavailable"},
      {E::kUnreachable, 200, false, "UpstreamUnavailable"},  // broke off mid-stream
      // As over stdio, even when the stream's events had ids (a client
      // killed resumes nothing).
      {E::kClientGone, 200, false, "ClientClosed"},
      {E::kClientGone, 200, true, "ClientClosed"},
      {E::kStopped, 200, false, "ServerExited"},
      {E::kStopped, 0, true, "ServerExited"},
  };
  for (const Row& r : rows) {
    const auto end = open_calls_end({r.how, r.status}, r.sessionless);
    const std::string label = std::to_string(static_cast<int>(r.how)) + " " +
                              std::to_string(r.status) + " " + std::to_string(r.sessionless);
    if (!r.error_type) {
      EXPECT_FALSE(end) << label;
      continue;
    }
    ASSERT_TRUE(end) << label;
    EXPECT_EQ(end->error_type, r.error_type) << label;
  }
  EXPECT_EQ(open_calls_end({E::kComplete, 503}, false)->message, "the server answered HTTP 503");
}

// `text` compressed as gzip (windowBits 31) or zlib ("deflate", 15).
std::string compress(const std::string& text, int window_bits) {
  z_stream z{};
  deflateInit2(&z, 6, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, text.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

TEST(InflaterTest, InflatesGzipAndDeflateInAnyPieces) {
  std::string text;
  for (int i = 0; i < 5000; ++i) text += "{\"jsonrpc\":\"2.0\",\"id\":" + std::to_string(i) + "}\n";
  for (int bits : {31, 15}) {
    const std::string packed = compress(text, bits);
    for (size_t piece : {size_t{1}, size_t{7}, size_t{4096}, packed.size()}) {
      Inflater inflater;
      std::string out;
      for (size_t at = 0; at < packed.size(); at += piece)
        ASSERT_TRUE(inflater.feed(std::string_view(packed).substr(at, piece), &out));
      EXPECT_EQ(out, text) << bits << " " << piece;
    }
  }
  // Two gzip members are one body.
  Inflater two;
  std::string out;
  ASSERT_TRUE(two.feed(compress("ab", 31) + compress("cd", 31), &out));
  EXPECT_EQ(out, "abcd");
}

TEST(InflaterTest, SaysWhenTheDataIsNotWhatItsCodingSays) {
  Inflater inflater;
  std::string out;
  EXPECT_FALSE(inflater.feed("this is not gzip at all", &out));
  EXPECT_FALSE(inflater.feed(compress("x", 31), &out));
}

TEST(CodingTest, KnowsWhatTheRecorderCanRead) {
  EXPECT_EQ(coding_of(""), Coding::kPlain);
  EXPECT_EQ(coding_of(" Identity "), Coding::kPlain);
  for (const char* c : {"gzip", "x-gzip", "DEFLATE"}) EXPECT_EQ(coding_of(c), Coding::kInflate) << c;
  for (const char* c : {"br", "zstd", "gzip, br", "compress"})
    EXPECT_EQ(coding_of(c), Coding::kUnreadable) << c;
  struct Row {
    const char* accept;
    const char* readable;
  } rows[] = {
      {"gzip, deflate", "gzip, deflate"},
      {"gzip, deflate, br, zstd", "gzip, deflate"},
      {"br;q=1.0, gzip;q=0.8, *;q=0.1", "gzip;q=0.8"},
      {"br", ""},
      {"identity", "identity"},
      {"", ""},
  };
  for (const Row& r : rows) EXPECT_EQ(readable_codings(r.accept), r.readable) << r.accept;
}


// An SDK client that cancels a call sends notifications/cancelled on a POST
// of its own and closes the call's stream: whichever the proxy sees first,
// the call is Cancelled, unless the cancellation comes more than
// kCancelGrace after the stream closed.
class HttpRecorderTest : public TempDirTest {
 protected:
  HttpRecorderTest() { clock_.advance(1); }
  std::unique_ptr<HttpRecorder> recorder(const std::string& spool) {
    Config config;
    config.mcp_id = "m1";
    config.spool_dir = path(spool);
    config.sync = false;
    return std::make_unique<HttpRecorder>(config, TrackerOptions{},
                                          parse_upstream_url("http://127.0.0.1:9/mcp"), clock_);
  }
  // The error_type of each error event in `spool`.
  std::vector<std::string> ends(const std::string& spool) const {
    std::vector<std::string> out;
    if (!std::filesystem::exists(path(spool))) return out;
    for (const auto& f : std::filesystem::recursive_directory_iterator(path(spool))) {
      if (!f.is_regular_file()) continue;
      std::ifstream in(f.path());
      const std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      const std::string key = "\"error_type\": \"";
      const size_t at = body.find(key);
      if (at != std::string::npos)
        out.push_back(body.substr(at + key.size(), body.find('"', at + key.size()) - at - key.size()));
    }
    return out;
  }
  static TappedMessage message(const std::string& text) {
    TappedMessage m;
    m.text = text;
    m.size = text.size();
    return m;
  }
  // Seen at `s` seconds of the clock.
  static SeenAt at(double s) {
    const auto us = static_cast<int64_t>(s * 1e6);
    return {1800000000000000 + us, us};
  }
  static constexpr char kCall[] =
      R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"hold","arguments":{}}})";
  static constexpr char kCancel[] =
      R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1,"reason":"r"}})";
  FakeClock clock_;
};

TEST_F(HttpRecorderTest, ACancellationWinsOverTheStreamItClosedInEitherOrder) {
  constexpr auto kUp = Direction::kClientToServer;
  struct Row {
    const char* what;
    bool closed_first;
    double cancel_at;  // seconds; the stream closes at 2
    const char* end;
  } rows[] = {
      {"cancelled, then the stream closed", false, 1.99, "Cancelled"},
      {"the stream closed, then cancelled", true, 2.01, "Cancelled"},
      {"cancelled at the end of the grace", true, 7.0, "Cancelled"},
      {"cancelled after the grace: too late", true, 7.01, "ClientClosed"},
  };
  int n = 0;
  for (const Row& row : rows) {
    SCOPED_TRACE(row.what);
    const std::string spool = "spool" + std::to_string(++n);
    auto r = recorder(spool);
    r->on_message(1, "s", kUp, message(kCall), at(1));
    auto close = [&] { r->on_exchange_end(1, "s", {ExchangeEnd::kClientGone, 200}, at(2)); };
    if (row.closed_first) close();
    r->on_message(2, "s", kUp, message(kCancel), at(row.cancel_at));
    r->on_exchange_end(2, "s", {ExchangeEnd::kComplete, 202}, at(row.cancel_at));
    if (!row.closed_first) close();
    r->finish();
    EXPECT_EQ(ends(spool), std::vector<std::string>{row.end});
  }
}

// The call's request reaches the recorder with its response's head; an
// upstream that sends none before its answer lets the cancellation (a POST
// answered 202 at once) reach it first.
TEST_F(HttpRecorderTest, ACancellationSeenBeforeTheCallsRequestStillCancelsIt) {
  constexpr auto kUp = Direction::kClientToServer;
  struct Row {
    const char* what;
    double call_at;  // when the call was sent; the cancellation at 2
    const char* end;
  } rows[] = {
      {"sent before the cancellation", 1, "Cancelled"},
      {"sent after it: a new call with the id", 3, "ClientClosed"},
  };
  int n = 0;
  for (const Row& row : rows) {
    SCOPED_TRACE(row.what);
    const std::string spool = "spool" + std::to_string(++n);
    auto r = recorder(spool);
    r->on_message(2, "s", kUp, message(kCancel), at(2));
    r->on_exchange_end(2, "s", {ExchangeEnd::kComplete, 202}, at(2));
    r->on_message(1, "s", kUp, message(kCall), at(row.call_at));
    r->on_exchange_end(1, "s", {ExchangeEnd::kClientGone, 0}, at(4));
    r->on_session_end("s", true, at(4.5));
    r->finish();
    EXPECT_EQ(ends(spool), std::vector<std::string>{row.end});
  }
}

TEST_F(HttpRecorderTest, ACallLeftByItsClientEndsWhenTheGraceIsOverWithNothingElseComing) {
  auto r = recorder("spool");
  r->on_message(1, "s", Direction::kClientToServer, message(kCall), at(1));
  r->on_exchange_end(1, "s", {ExchangeEnd::kClientGone, 200}, at(2));
  ASSERT_TRUE(clock_.await_waiting_threads(1));  // the alarm, for 7
  clock_.advance(6.5);
  // Written before the proxy stops (the spool writer gathers for 100 ms).
  for (int i = 0; i < 1000 && ends("spool").empty(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(ends("spool"), std::vector<std::string>{"ClientClosed"});
  r->finish();
  EXPECT_EQ(ends("spool"), std::vector<std::string>{"ClientClosed"});
}

}  // namespace
}  // namespace mcpr
