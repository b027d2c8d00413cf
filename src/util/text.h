// Trimming text: the one place that says which characters are blank.
#pragma once

#include <string_view>

namespace mcpr {

inline constexpr std::string_view kBlank = " \t\r\n";
// HTTP's optional white space (RFC 9110, 5.6.3), also around W3C tracestate
// members: spaces and tabs only.
inline constexpr std::string_view kOws = " \t";

// `s` without the characters of `chars` at its end.
inline std::string_view trim_right(std::string_view s, std::string_view chars = kBlank) {
  const size_t last = s.find_last_not_of(chars);
  return last == std::string_view::npos ? std::string_view() : s.substr(0, last + 1);
}

// `s` without the characters of `chars` at either end.
inline std::string_view trim(std::string_view s, std::string_view chars = kBlank) {
  const size_t first = s.find_first_not_of(chars);
  return first == std::string_view::npos ? std::string_view()
                                         : trim_right(s.substr(first), chars);
}

}  // namespace mcpr
