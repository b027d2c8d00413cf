#include "src/util/time_text.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <time.h>

#include <optional>
#include <string>

namespace mcpr {
namespace {

TEST(TimeTextTest, HumanDurations) {
  struct Row {
    int64_t seconds;
    const char* text;
  };
  const Row rows[] = {
      {-5, "0 s"},           {0, "0 s"},           {59, "59 s"},
      {60, "1 min"},         {119, "1 min"},       {3599, "59 min"},
      {3600, "1 h"},         {3660, "1 h 1 min"},  {11520, "3 h 12 min"},
      {86399, "23 h 59 min"}, {86400, "1 d"},      {266400, "3 d 2 h"},
  };
  for (const Row& r : rows) EXPECT_EQ(human_duration(r.seconds), r.text) << r.seconds;
}

TEST(TimeTextTest, TimestampsPrintLikePythonFloats) {
  struct Row {
    int64_t us;
    const char* text;
  };
  const Row rows[] = {
      {1764000000123456, "1764000000.123456"},
      {1764000000500000, "1764000000.5"},
      {1764000000000000, "1764000000.0"},
      {1764000000000010, "1764000000.00001"},
      {0, "0.0"},
  };
  for (const Row& r : rows) EXPECT_EQ(format_timestamp(r.us), r.text) << r.us;
}

TEST(TimeTextTest, HttpDates) {
  struct Row {
    const char* text;
    std::optional<int64_t> epoch;
  };
  const Row rows[] = {
      {"Sun, 06 Nov 1994 08:49:37 GMT", 784111777},   // IMF-fixdate
      {"Sunday, 06-Nov-94 08:49:37 GMT", 784111777},  // RFC 850
      {"Sun Nov  6 08:49:37 1994", 784111777},        // asctime
      {"Tue, 01 Dec 2026 16:00:00 GMT", 1796140800},
      {"Sun, 06 Nov 1994 08:49:37 GMT trailing", std::nullopt},
      {"120", std::nullopt},
      {"", std::nullopt},
      {"yesterday", std::nullopt},
  };
  for (const Row& r : rows) EXPECT_EQ(parse_http_date(r.text), r.epoch) << r.text;
}

TEST(TimeTextTest, LocalTimesFollowTz) {
  const char* old = ::getenv("TZ");
  const std::string saved = old ? old : "";
  struct Row {
    const char* tz;
    int64_t epoch;
    const char* text;
  };
  const Row rows[] = {
      {"UTC", 0, "1970-01-01 00:00:00"},
      {"UTC", 1796140800, "2026-12-01 16:00:00"},
      {"UTC", 1796140800 + 59, "2026-12-01 16:00:59"},
      {"UTC-2", 1796140800, "2026-12-01 18:00:00"},
  };
  for (const Row& r : rows) {
    ::setenv("TZ", r.tz, 1);
    ::tzset();
    EXPECT_EQ(local_time_text(r.epoch), r.text) << r.tz << " " << r.epoch;
  }
  if (old)
    ::setenv("TZ", saved.c_str(), 1);
  else
    ::unsetenv("TZ");
  ::tzset();
}

}  // namespace
}  // namespace mcpr
