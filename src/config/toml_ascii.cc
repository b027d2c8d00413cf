#include "src/config/toml_ascii.h"

#include <cstdint>
#include <cstdio>
#include <cstring>

#include "src/util/utf8.h"

namespace mcpr {
namespace {

enum class Where { kPlain, kComment, kBasic, kMultiBasic, kLiteral, kMultiLiteral };

class Converter {
 public:
  explicit Converter(std::string_view text) : in_(text) {}

  AsciiToml run() {
    if (in_.compare(0, 3, "\xef\xbb\xbf") == 0) out_.text = in_.substr(0, 3), i_ = 3;
    while (i_ < in_.size() && out_.line == 0) step();
    return out_;
  }

 private:
  bool starts(const char* s) const { return in_.compare(i_, std::strlen(s), s) == 0; }

  void fail(const char* why) {
    out_.line = line_;
    out_.column = i_ - line_start_ + 1;
    out_.error = why;
  }

  // Copies `n` ASCII bytes as they are.
  void copy(size_t n) {
    for (size_t k = 0; k < n && i_ < in_.size(); ++k) {
      if (in_[i_] == '\n') line_ += 1, line_start_ = i_ + 1;
      out_.text += in_[i_++];
    }
  }

  // A quote starts a string only where TOML has a key or a value: at the
  // start of a line, or after = [ , { . ; elsewhere it is a bare character.
  bool string_may_start() const {
    return last_ != '\0' && std::strchr("\n=[,{.", last_) != nullptr;
  }

  void step() {
    const char c = in_[i_];
    if (static_cast<unsigned char>(c) >= 0x80) return outside_ascii();
    switch (where_) {
      case Where::kPlain:
        return plain(c);
      case Where::kComment:
        if (c == '\n') where_ = Where::kPlain, last_ = '\n';
        return copy(1);
      case Where::kBasic:
      case Where::kMultiBasic:
        return basic(c);
      case Where::kLiteral:
      case Where::kMultiLiteral:
        return literal(c);
    }
  }

  void plain(char c) {
    const bool may = string_may_start();
    if (c == '#') {
      where_ = Where::kComment;
    } else if (may && starts("\"\"\"")) {
      where_ = Where::kMultiBasic;
      return copy(3);
    } else if (may && starts("'''")) {
      where_ = Where::kMultiLiteral;
      out_.text += "\"\"\"";
      i_ += 3;
      return;
    } else if (may && (c == '"' || c == '\'')) {
      where_ = c == '"' ? Where::kBasic : Where::kLiteral;
      out_.text += '"';
      ++i_;
      return;
    } else if (c == '[' && last_ == '\n' && open_ == 0 && !table_name_starts_a_key()) {
      return fail("a table's name must start with a letter, a digit, '_', '-' or a quote");
    } else if (c == '\n' || (c != ' ' && c != '\t' && c != '\r')) {
      last_ = c;
    }
    if (c == '[' || c == '{') ++open_;
    if ((c == ']' || c == '}') && open_ > 0) --open_;
    copy(1);
  }

  // At a line's '[' (or "[["): whether the table's name that follows starts
  // as a key does, or is absent (toml++ says so itself). toml++ asserts
  // that it does (built with clang and NDEBUG: assumes it, undefined
  // behaviour when it does not; found by fuzz_config with assertions on).
  bool table_name_starts_a_key() const {
    size_t j = i_ + 1;
    if (j < in_.size() && in_[j] == '[') ++j;
    while (j < in_.size() && (in_[j] == ' ' || in_[j] == '\t')) ++j;
    if (j >= in_.size()) return true;
    const char k = in_[j];
    return (k >= 'a' && k <= 'z') || (k >= 'A' && k <= 'Z') || (k >= '0' && k <= '9') ||
           k == '_' || k == '-' || k == '"' || k == '\'' || k == ']' ||
           static_cast<unsigned char>(k) >= 0x80;  // refused as outside ASCII, next
  }

  // Up to two quotes before a multi-line string's closing three are its own.
  size_t run_of(char quote) const {
    size_t n = 0;
    while (i_ + n < in_.size() && in_[i_ + n] == quote) ++n;
    return n;
  }

  void basic(char c) {
    if (c == '\\') {
      if (i_ + 1 < in_.size() && static_cast<unsigned char>(in_[i_ + 1]) >= 0x80) {
        ++i_;
        return fail("an escape of a character outside ASCII");
      }
      return copy(2);  // the escape is toml++'s to check
    }
    if (where_ == Where::kBasic && (c == '"' || c == '\n')) {
      if (c == '"') copy(1);
      return close(0);
    }
    if (where_ == Where::kMultiBasic && starts("\"\"\"")) {
      const size_t n = run_of('"');
      copy(n < 5 ? n : 5);
      return close(0);
    }
    copy(1);
  }

  // A literal string is written as the basic string of the same value.
  void literal(char c) {
    if (where_ == Where::kLiteral && (c == '\'' || c == '\n')) {
      out_.text += c == '\'' ? "\"" : "";
      return close(c == '\'' ? 1 : 0);
    }
    if (where_ == Where::kMultiLiteral && starts("'''")) {
      const size_t n = run_of('\'');
      out_.text.append(n < 5 ? n - 3 : 2, '\'');
      out_.text += "\"\"\"";
      i_ += n < 5 ? n : 5;
      return close(0);
    }
    if (c == '\\' || c == '"') out_.text += '\\';
    copy(1);
  }

  void close(size_t skip) {
    i_ += skip;  // a quote not copied
    where_ = Where::kPlain;
    last_ = '"';  // what follows a string is what follows any value
  }

  void outside_ascii() {
    uint32_t cp = 0;
    const size_t n = decode_utf8(in_, i_, &cp);
    if (n == 0) return fail("not valid UTF-8");
    switch (where_) {
      case Where::kComment:
        out_.text.append(n, '?');
        break;
      case Where::kPlain:
        return fail("a character outside ASCII may only stand in a string or a comment");
      default: {
        char buf[16];
        std::snprintf(buf, sizeof buf, cp < 0x10000 ? "\\u%04X" : "\\U%08X",
                      static_cast<unsigned>(cp));
        out_.text += buf;
      }
    }
    i_ += n;
  }

  std::string_view in_;
  AsciiToml out_;
  size_t i_ = 0, line_ = 1, line_start_ = 0;
  Where where_ = Where::kPlain;
  char last_ = '\n';
  size_t open_ = 0;  // brackets and braces open: a line's '[' inside an array is a value's
};

}  // namespace

AsciiToml ascii_toml(std::string_view text) { return Converter(text).run(); }

}  // namespace mcpr
