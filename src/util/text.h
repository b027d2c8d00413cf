// Trimming text: the one place that says which characters are blank.
#pragma once

#include <string_view>
#include <vector>

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

// The items of a comma-separated list, each trimmed of `blank`, in order;
// empty items are kept (each caller says whether one is an error). The one
// reading of a list such as otlp_signals, --methods or --capture.
inline std::vector<std::string_view> split_list(std::string_view list,
                                                std::string_view blank = kOws) {
  std::vector<std::string_view> items;
  for (size_t at = 0;;) {
    const size_t comma = list.find(',', at);
    items.push_back(trim(list.substr(at, comma == std::string_view::npos ? comma : comma - at), blank));
    if (comma == std::string_view::npos) return items;
    at = comma + 1;
  }
}

// The items of the lists a repeated option was given (CLI11 joins its
// values with newlines), each list read by split_list, the empty items left
// out. The one reading of --methods and --capture.
inline std::vector<std::string_view> split_option_lists(std::string_view given) {
  std::vector<std::string_view> items;
  for (size_t at = 0; at <= given.size();) {
    size_t end = given.find('\n', at);
    if (end == std::string_view::npos) end = given.size();
    for (std::string_view item : split_list(given.substr(at, end - at)))
      if (!item.empty()) items.push_back(item);
    at = end + 1;
  }
  return items;
}

}  // namespace mcpr
