// A TOML text in ASCII for toml++ 3.3.0, which reaches __builtin_unreachable()
// classifying some characters outside ASCII (U+00A1-U+0499, U+FBF6-U+FEFE:
// accented Latin, Greek, Cyrillic) wherever it looks for whitespace: between
// tokens, and inside a multi-line string after a line-ending backslash. Given
// only ASCII it never does. A table header whose name starts with no key
// character ("[|") is refused here too: toml++ asserts it does not happen.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace mcpr {

struct AsciiToml {
  std::string text;  // the same document in ASCII, line for line
  // Where a character outside ASCII stands that TOML does not allow there,
  // or one that is not UTF-8 (1-based, in bytes), and why; line 0 when none.
  size_t line = 0, column = 0;
  std::string error;
};

// In basic strings, characters outside ASCII become \u or \U escapes; a
// literal string becomes the basic string of the same value; in comments
// each such byte becomes '?'; a leading BOM stays. Anywhere else they are
// refused, as is an escape of one, and a table name that starts as no key.
AsciiToml ascii_toml(std::string_view text);

}  // namespace mcpr
