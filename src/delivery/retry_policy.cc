#include "src/delivery/retry_policy.h"

#include <algorithm>
#include <cmath>
#include <ctime>

#include "src/util/time_text.h"

namespace mcpr {

std::string describe_response(const HttpResponse& r, bool with_body) {
  if (r.error != NetError::kNone) {
    const char* kind = r.error == NetError::kTimeout    ? "timeout"
                       : r.error == NetError::kNoAnswer ? "no answer"
                       : r.error == NetError::kReset    ? "connection broken"
                       : r.error == NetError::kBadUrl ? "bad URL"
                                                      : "cannot connect";
    return std::string(kind) + ": " + r.error_text;
  }
  std::string text = "HTTP " + std::to_string(r.status);
  if (r.status >= 300 && r.status < 400 && !r.location.empty())
    text += " to " + r.location + " (redirects are not followed)";
  if (with_body && !r.body_start.empty()) {
    std::string body = r.body_start.substr(0, 200);
    for (char& c : body)
      if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    text += ": " + body;
  }
  return text;
}

double backoff_delay(unsigned attempts, double base, double cap, double random01) {
  if (attempts == 0) return 0;
  double ceiling = base * std::ldexp(1.0, static_cast<int>(std::min(attempts - 1, 60u)));
  return std::clamp(random01, 0.0, 1.0) * std::min(cap, ceiling);
}

std::optional<double> parse_retry_after(std::string_view value, int64_t now) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    if (value.size() > 9) return 1e9;
    return static_cast<double>(std::stoll(std::string(value)));
  }
  if (auto when = parse_http_date(value)) return std::max(0.0, static_cast<double>(*when - now));
  return std::nullopt;
}


double bounded_wait(double requested, double max_backoff) {
  if (!(requested > 0)) return 0;
  return std::min(requested, hold_bound(max_backoff));
}


}  // namespace mcpr
