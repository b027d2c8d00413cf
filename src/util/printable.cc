#include "src/util/printable.h"

#include <cstdint>

#include "src/util/utf8.h"

namespace mcpr {

std::string printable(std::string_view text) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    uint32_t cp = 0;
    const size_t n = decode_utf8(text, i, &cp);
    if (n > 1) {  // a whole character: kept
      out.append(text, i, n);
      i += n;
      continue;
    }
    ++i;
    if (n == 1 && c >= 0x20 && c != 0x7f) {
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else {  // a control character or a byte that is not UTF-8
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace mcpr
