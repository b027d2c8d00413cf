#include "src/util/time_text.h"

#include <time.h>

#include <cstdio>
#include <ctime>

namespace mcpr {

std::string local_time_text(int64_t epoch_seconds) {
  char buf[64];
  time_t t = static_cast<time_t>(epoch_seconds);
  struct tm tm = {};
  if (!::localtime_r(&t, &tm)) return std::to_string(epoch_seconds);
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

std::string human_duration(int64_t seconds) {
  if (seconds < 0) seconds = 0;
  auto two = [](int64_t big, const char* big_unit, int64_t small, const char* small_unit) {
    std::string out = std::to_string(big) + " " + big_unit;
    if (small) out += " " + std::to_string(small) + " " + small_unit;
    return out;
  };
  if (seconds < 60) return std::to_string(seconds) + " s";
  if (seconds < 3600) return two(seconds / 60, "min", 0, "");
  if (seconds < 86400) return two(seconds / 3600, "h", seconds % 3600 / 60, "min");
  return two(seconds / 86400, "d", seconds % 86400 / 3600, "h");
}

std::string format_timestamp(int64_t timestamp_us) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%lld.%06lld", static_cast<long long>(timestamp_us / 1000000),
                static_cast<long long>(timestamp_us % 1000000));
  std::string s = buf;
  while (s.back() == '0' && s[s.size() - 2] != '.') s.pop_back();
  return s;
}

std::optional<int64_t> parse_http_date(std::string_view value) {
  const std::string text(value);
  static const char* const kFormats[] = {
      "%a, %d %b %Y %H:%M:%S GMT",  // IMF-fixdate
      "%A, %d-%b-%y %H:%M:%S GMT",  // RFC 850
      "%a %b %e %H:%M:%S %Y",       // asctime
  };
  for (const char* format : kFormats) {
    struct tm tm = {};
    const char* end = ::strptime(text.c_str(), format, &tm);
    if (end && *end == '\0') return static_cast<int64_t>(::timegm(&tm));
  }
  return std::nullopt;
}

}  // namespace mcpr
