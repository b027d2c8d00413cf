// OTLP's partialSuccess, by table (its retry rules: http_status_test.cc).
#include <gtest/gtest.h>

#include <zlib.h>

#include "src/delivery/gzip.h"
#include "src/delivery/otlp_policy.h"

namespace mcpr {
namespace {

TEST(OtlpPolicyTest, PartialSuccess) {
  struct Case {
    const char* body;
    bool present;
    int64_t rejected;
    const char* message;
  } cases[] = {
      {"{}", false, 0, ""},
      {"", false, 0, ""},
      {"{\"partialSuccess\":{}}", false, 0, ""},
      {"{\"partialSuccess\":{\"rejectedLogRecords\":\"0\"}}", false, 0, ""},
      {"{\"partialSuccess\":{\"rejectedLogRecords\":\"2\",\"errorMessage\":\"too old\"}}", true, 2,
       "too old"},
      {"{ \"partialSuccess\" : { \"errorMessage\" : \"a \\\"q\\\"\\nb\", \"rejectedLogRecords\" : 7 } }",
       true, 7, "a \"q\" b"},
      {"{\"partialSuccess\":{\"errorMessage\":\"warning only\"}}", true, 0, "warning only"},
      // cut short by the transport's 512 bytes
      {"{\"partialSuccess\":{\"rejectedLogRecords\":\"3\",\"errorMessage\":\"long mess", true, 3,
       "long mess"},
  };
  for (const Case& c : cases) {
    std::optional<OtlpPartialSuccess> p = parse_partial_success(c.body);
    ASSERT_EQ(p.has_value(), c.present) << c.body;
    if (!p) continue;
    EXPECT_EQ(p->rejected, c.rejected) << c.body;
    EXPECT_EQ(p->message, c.message) << c.body;
  }
}

std::string gunzip(const std::string& gz) {
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, 15 + 16), Z_OK);
  std::string out(1 << 20, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  z.avail_in = static_cast<uInt>(gz.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  inflateEnd(&z);
  return out;
}

TEST(GzipTest, RoundTripsAndShrinksJson) {
  std::string json;
  for (int i = 0; i < 200; ++i) json += "{\"key\":\"mcp.method.name\",\"value\":{\"intValue\":\"" + std::to_string(i) + "\"}},";
  for (const std::string& data : {std::string(), std::string("x"), json}) {
    std::optional<std::string> gz = gzip_compress(data);
    ASSERT_TRUE(gz);
    EXPECT_EQ(static_cast<unsigned char>((*gz)[0]), 0x1f);  // the gzip magic
    EXPECT_EQ(static_cast<unsigned char>((*gz)[1]), 0x8b);
    EXPECT_EQ(gunzip(*gz), data);
  }
  EXPECT_LT(gzip_compress(json)->size() * 5, json.size());
}

}  // namespace
}  // namespace mcpr
