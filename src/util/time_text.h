// Times and ages as text, both ways: local date-times for people, ages like
// "3 h 12 min", Python-style float seconds for event bodies, and the HTTP
// dates a Retry-After may carry. Pure functions of their arguments (and of
// TZ, for local times), so they are table-tested in tests/unit/time_text_test.cc.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mcpr {

// "2026-12-01 16:05:09" in local time, for `status` and flush messages.
std::string local_time_text(int64_t epoch_seconds);

// An age or a wait for people: "42 s", "5 min", "3 h 12 min", "3 d 2 h"
// (text output; JSON and Prometheus keep seconds). Negative reads as 0.
std::string human_duration(int64_t seconds);

// Float seconds with microseconds as Python's repr(time.time()) prints them:
// "1764000000.123456", "1764000000.5", "1764000000.0".
std::string format_timestamp(int64_t timestamp_us);

// An HTTP date (IMF-fixdate, RFC 850 or asctime; always GMT) as epoch
// seconds; nullopt when it is none of those.
std::optional<int64_t> parse_http_date(std::string_view text);

}  // namespace mcpr
