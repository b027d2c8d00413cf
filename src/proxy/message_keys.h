// How the tracker names what it matches messages by.
#pragma once

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "src/proxy/json_tree.h"
#include "src/util/utf8.h"

namespace mcpr {

// The key a request id or a progress token is matched by: its kind and its
// value, so that 1 and "1" stay apart; "" for what cannot be one (absent,
// null, cut, an object). A number is keyed by its value as a double, as a
// JavaScript peer reads it and echoes it back: 1.0 is answered as 1. An
// integer beyond JavaScript's safe integers (2^53) is only Python's (zod
// refuses it), and Python reads it exactly: it is keyed by its digits
// (integer_key), so that 2^53 and 2^53 + 1 are two ids.
inline std::string number_key(double value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", value == 0 ? 0.0 : value);  // -0 is 0
  return "n" + std::string(buf);
}
// An integer's key from its sign and decimal digits (`digits` only digits):
// by its value as a double within the safe integers, exactly beyond them.
inline std::string integer_key(bool negative, std::string_view digits) {
  const size_t first = digits.find_first_not_of('0');
  digits = first == std::string_view::npos ? std::string_view("0") : digits.substr(first);
  const std::string text = (negative ? "-" : "") + std::string(digits);
  const double value = std::strtod(text.c_str(), nullptr);
  if (std::fabs(value) <= 9007199254740991.0) return number_key(value);
  return "n" + text;
}
inline std::string id_key(const JsonTree::Node* n) {
  if (JsonTree::is(n, JsonTree::Kind::kString)) return "s" + std::string(n->text);
  if (!JsonTree::is(n, JsonTree::Kind::kNumber)) return "";
  std::string_view text = n->text;
  const bool negative = !text.empty() && text[0] == '-';
  if (negative) text.remove_prefix(1);
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos)
    return integer_key(negative, text);
  const double value = std::strtod(std::string(n->text).c_str(), nullptr);
  if (!std::isfinite(value)) return "n" + std::string(n->text);
  return number_key(value);
}

// The keys of the number each official SDK client reads a string id (or
// progress token) as, "" where it reads none. Both clients number their
// requests and look an answer's id up as a number: the TypeScript SDK with
// Number(response.id) (and Number(progressToken)), the Python SDK with
// int(response.id) (_normalize_request_id; it looks a progress token up as
// it came). Number() trims JavaScript's white space (Unicode's spaces, the
// line terminators and U+FEFF included), reads "" as 0, decimals ("1.0",
// "1e0") and 0x/0o/0b; int() trims what Python's str.isspace() calls
// white space (\x1c-\x1f and U+0085 included, U+FEFF not) and reads an
// integer of decimal digits of any script (Unicode's Nd: "\uff11" is 1)
// with "_" between them.
struct NumberKeys {
  std::string typescript;
  std::string python;
};
namespace message_keys_detail {
// JavaScript's StrWhiteSpaceChar.
inline bool js_space(uint32_t c) {
  return c == 0x09 || c == 0x0A || c == 0x0B || c == 0x0C || c == 0x0D || c == 0x20 ||
         c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 ||
         c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000 || c == 0xFEFF;
}
// Python's str.isspace() (Unicode 14, Python 3.11).
inline bool py_space(uint32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 ||
         c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
         c == 0x202F || c == 0x205F || c == 0x3000;
}
// Unicode's White_Space property, which Rust's str::trim() (pydantic-core's
// lax number from a string) leaves out.
inline bool unicode_space(uint32_t c) {
  return py_space(c) && !(c >= 0x1C && c <= 0x1F);
}
// `s` without the characters `space` takes at either end (as UTF-8).
template <typename Space>
std::string_view trimmed(std::string_view s, Space space) {
  size_t b = 0, e = s.size();
  uint32_t c = 0;
  for (size_t n; b < e && (n = decode_utf8(s, b, &c)) > 0 && space(c);) b += n;
  while (e > b) {
    size_t k = e - 1;
    while (k > b && (static_cast<unsigned char>(s[k]) & 0xC0) == 0x80) --k;
    const size_t n = decode_utf8(s, k, &c);
    if (n == 0 || k + n != e || !space(c)) break;
    e = k;
  }
  return s.substr(b, e - b);
}
// The value of a decimal digit of any script (Unicode's Nd, as Python's
// int() reads them; each script's ten digits are consecutive), or -1.
inline int unicode_digit(uint32_t c) {
  static constexpr uint32_t kZeros[] = {
      0x30, 0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66,
      0xCE6, 0xD66, 0xDE6, 0xE50, 0xED0, 0xF20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946,
      0x19D0, 0x1A80, 0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0,
      0xA9F0, 0xAA50, 0xABF0, 0xFF10, 0x104A0, 0x10D30, 0x11066, 0x110F0, 0x11136, 0x111D0,
      0x112F0, 0x11450, 0x114D0, 0x11650, 0x116C0, 0x11730, 0x118E0, 0x11950, 0x11C50,
      0x11D50, 0x11DA0, 0x16A60, 0x16AC0, 0x16B50, 0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC,
      0x1D7F6, 0x1E140, 0x1E2F0, 0x1E950, 0x1FBF0};  // Unicode 14
  for (uint32_t zero : kZeros)
    if (c >= zero && c < zero + 10) return static_cast<int>(c - zero);
  return -1;
}
inline bool digits(std::string_view s, int base) {
  if (s.empty()) return false;
  for (char c : s) {
    const int d = c >= '0' && c <= '9' ? c - '0'
                  : c >= 'a' && c <= 'z' ? c - 'a' + 10
                  : c >= 'A' && c <= 'Z' ? c - 'A' + 10
                                         : 99;
    if (d >= base) return false;
  }
  return true;
}
// JavaScript's Number(s), as a key.
inline std::string js_number_key(std::string_view text) {
  std::string_view s = trimmed(text, js_space);
  if (s.empty()) return number_key(0);
  if (s.size() > 2 && s[0] == '0') {
    const char p = static_cast<char>(s[1] | 0x20);
    const int base = p == 'x' ? 16 : p == 'o' ? 8 : p == 'b' ? 2 : 0;
    if (base) {
      if (!digits(s.substr(2), base)) return "";
      return number_key(static_cast<double>(std::strtoull(std::string(s.substr(2)).c_str(), nullptr, base)));
    }
  }
  std::string_view m = s;
  if (m[0] == '+' || m[0] == '-') m.remove_prefix(1);
  // A decimal literal: digits, an optional fraction, an optional exponent.
  const size_t e = m.find_first_of("eE");
  std::string_view mantissa = m.substr(0, e), exponent;
  if (e != std::string_view::npos) {
    exponent = m.substr(e + 1);
    if (!exponent.empty() && (exponent[0] == '+' || exponent[0] == '-')) exponent.remove_prefix(1);
    if (!digits(exponent, 10)) return "";
  }
  const size_t dot = mantissa.find('.');
  std::string_view whole = mantissa.substr(0, dot);
  std::string_view fraction = dot == std::string_view::npos ? std::string_view() : mantissa.substr(dot + 1);
  if ((whole.empty() && fraction.empty()) || (!whole.empty() && !digits(whole, 10)) ||
      (!fraction.empty() && !digits(fraction, 10)))
    return "";
  // The TypeScript SDK's client numbers its requests with safe integers:
  // what reads as another number names none of its calls.
  const double value = std::strtod(std::string(s).c_str(), nullptr);
  return std::isfinite(value) && std::fabs(value) <= 9007199254740991.0 ? number_key(value) : "";
}
// Python's int(s), as a key.
inline std::string py_int_key(std::string_view text) {
  std::string_view s = trimmed(text, py_space);
  const bool negative = !s.empty() && s[0] == '-';
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) s.remove_prefix(1);
  if (s.empty() || s.front() == '_' || s.back() == '_') return "";
  std::string digits;
  for (size_t i = 0; i < s.size();) {
    if (s[i] == '_' && s[i + 1] != '_') {
      ++i;
      continue;
    }
    uint32_t c = 0;
    const size_t n = decode_utf8(s, i, &c);
    const int d = n == 0 ? -1 : unicode_digit(c);
    if (d < 0) return "";
    digits += static_cast<char>('0' + d);
    i += n;
  }
  return integer_key(negative, digits);  // int() is exact
}
}  // namespace message_keys_detail
inline NumberKeys number_keys(std::string_view text) {
  return {message_keys_detail::js_number_key(text), message_keys_detail::py_int_key(text)};
}

// Which of the official MCP SDKs' readers take a message, or a value in it:
// the TypeScript SDK's (JSON.parse, then its zod schemas) and the Python
// SDK's (json, then its pydantic models). A set of bits.
enum Takers : uint8_t {
  kTakenByNone = 0,
  kTakenByTypescript = 1,
  kTakenByPython = 2,
  kTakenByBoth = 3,
};

namespace message_keys_detail {
// A number's value, whether it is written as an integer (no fraction, no
// exponent), and whether it is a whole number within JavaScript's safe
// integers (zod's int()).
struct Number {
  double value;
  bool plain;
  bool whole;
  bool safe;
};
inline Number number_of(std::string_view text) {
  const std::string copy(text);
  Number n;
  n.value = std::strtod(copy.c_str(), nullptr);
  n.plain = text.find_first_of(".eEIN") == std::string_view::npos;
  n.whole = std::isfinite(n.value) && n.value == std::trunc(n.value);
  n.safe = n.whole && std::fabs(n.value) <= 9007199254740991.0;
  return n;
}
}  // namespace message_keys_detail

// Who takes this request id (and answers' ids): a string, or an integer.
// zod wants a safe integer (JSON.parse reads 1.0 and 1e2 as integers);
// pydantic (strict int) any integer written as one, so 1.0 and 1e2, which
// Python's json reads as floats, are refused there. 1.5 by both.
inline uint8_t id_takers(const JsonTree::Node* n) {
  if (JsonTree::is(n, JsonTree::Kind::kString)) return kTakenByBoth;
  if (!JsonTree::is(n, JsonTree::Kind::kNumber)) return kTakenByNone;
  const auto v = message_keys_detail::number_of(n->text);
  if (v.plain) return v.safe ? kTakenByBoth : kTakenByPython;
  return v.safe ? kTakenByTypescript : kTakenByNone;
}

// Who takes this error code: zod wants a safe integer; pydantic (lax int)
// any whole number, and also a string of digits or a boolean.
inline uint8_t code_takers(const JsonTree::Node* n) {
  if (JsonTree::is(n, JsonTree::Kind::kBool)) return kTakenByPython;
  if (JsonTree::is(n, JsonTree::Kind::kString)) {
    std::string_view s = n->text;
    if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
    if (s.empty() || s.find_first_not_of("0123456789") != std::string_view::npos)
      return kTakenByNone;
    return kTakenByPython;
  }
  if (!JsonTree::is(n, JsonTree::Kind::kNumber)) return kTakenByNone;
  const auto v = message_keys_detail::number_of(n->text);
  if (v.plain && !std::isfinite(v.value)) return kTakenByPython;  // beyond a double
  if (!v.whole) return kTakenByNone;
  return v.safe ? kTakenByBoth : kTakenByPython;
}

// The number pydantic's lax float reads in a value that is no JSON number: a
// boolean, or a string float() reads (Unicode's white space trimmed, "_" between
// digits, inf and nan; not hex). false for anything else.
inline bool python_float(const JsonTree::Node* n, double* value) {
  if (JsonTree::is(n, JsonTree::Kind::kBool)) {
    *value = n->text == "true" ? 1 : 0;
    return true;
  }
  if (!JsonTree::is(n, JsonTree::Kind::kString)) return false;
  std::string_view s = message_keys_detail::trimmed(n->text, message_keys_detail::unicode_space);
  std::string plain;
  for (size_t i = 0; i < s.size(); ++i) {
    const bool between = i > 0 && i + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[i - 1])) &&
                         std::isdigit(static_cast<unsigned char>(s[i + 1]));
    if (s[i] == '_' && between) continue;
    if (s[i] == 'x' || s[i] == 'X' || s[i] == 'p' || s[i] == 'P') return false;  // hex
    plain += s[i];
  }
  if (plain.empty()) return false;
  char* end = nullptr;
  *value = std::strtod(plain.c_str(), &end);
  return end == plain.c_str() + plain.size();
}

// Who takes a notifications/progress's params (Takers): zod wants progress a
// number, total a number and message a string when present; pydantic (lax)
// also reads a boolean or a numeric string as a number (python_float), and
// takes null for total and message.
inline uint8_t progress_takers(const JsonTree& tree, const JsonTree::Node* params) {
  using Kind = JsonTree::Kind;
  uint8_t out = kTakenByBoth;
  double ignored = 0;
  for (const char* name : {"progress", "total", "message"}) {
    const JsonTree::Node* v = tree.member(params, name);
    const bool text = name[0] == 'm';
    if (!v && name[0] != 'p') continue;
    // A number beyond a double is Infinity to JSON.parse, which zod's
    // number() refuses; pydantic's float takes inf.
    if (!text && JsonTree::is(v, Kind::kNumber) &&
        !std::isfinite(message_keys_detail::number_of(v->text).value)) {
      out &= kTakenByPython;
      continue;
    }
    if (JsonTree::is(v, text ? Kind::kString : Kind::kNumber)) continue;
    if ((name[0] != 'p' && JsonTree::is(v, Kind::kNull)) || (!text && python_float(v, &ignored)))
      out &= kTakenByPython;
    else
      return kTakenByNone;
  }
  return out;
}

// The names of an object's members, in order ({} when not an object).
inline std::vector<std::string> keys_of(const JsonTree& tree, const JsonTree::Node* object) {
  std::vector<std::string> keys;
  if (!JsonTree::is(object, JsonTree::Kind::kObject)) return keys;
  for (const JsonTree::Node* n = tree.first(object); n; n = tree.next(n))
    keys.emplace_back(n->key);
  return keys;
}

}  // namespace mcpr
