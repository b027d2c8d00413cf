// Secrets out of text that came from a server. A coordinator that echoes the
// request (its Authorization header, say) in an error body would otherwise put
// the API key into dead-letter reasons, `list`, `show` and `health` output.
#pragma once

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

namespace mcpr {

constexpr const char kRedacted[] = "***";

// The ways a server may echo `secret`: as sent, in a JSON string (with and
// without '/' escaped) and percent-encoded in a URL.
inline std::vector<std::string> secret_forms(const std::string& secret) {
  static const char kHex[] = "0123456789ABCDEF";
  auto json = [&secret](bool slash) {
    std::string out;
    for (unsigned char c : secret) {
      if (c == '"' || c == '\\' || (slash && c == '/')) out += '\\';
      if (c < 0x20) {
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 15];
      } else {
        out += static_cast<char>(c);
      }
    }
    return out;
  };
  std::string url;
  for (unsigned char c : secret) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      url += static_cast<char>(c);
    } else {
      url += '%';
      url += kHex[c >> 4];
      url += kHex[c & 15];
    }
  }
  std::vector<std::string> forms = {secret, json(true), json(false), url};
  std::sort(forms.begin(), forms.end());
  forms.erase(std::unique(forms.begin(), forms.end()), forms.end());
  return forms;
}

// Replaces every occurrence of each secret in `text` with ***, in any of its
// secret_forms() and in any letter case (a log may lower-case what it
// echoes), and a secret cut off at the end of `text` (the body is kept only
// in part) when at least 4 of its characters, or all of a shorter one, are
// there.
inline void redact_secrets(std::string& text, const std::vector<std::string>& secrets) {
  auto same = [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) ==
           std::tolower(static_cast<unsigned char>(b));
  };
  for (const std::string& secret : secrets) {
    if (secret.empty()) continue;
    for (const std::string& form : secret_forms(secret)) {
      size_t from = 0;
      for (;;) {
        auto at = std::search(text.begin() + from, text.end(), form.begin(), form.end(), same);
        if (at == text.end()) break;
        const size_t pos = at - text.begin();
        text.replace(pos, form.size(), kRedacted);
        from = pos + sizeof(kRedacted) - 1;
      }
      size_t shortest = std::min<size_t>(4, form.size());
      for (size_t n = std::min(form.size() - 1, text.size()); n >= shortest && n > 0; --n) {
        if (std::equal(text.end() - n, text.end(), form.begin(), same)) {
          text.replace(text.size() - n, n, kRedacted);
          break;
        }
      }
    }
  }
}

}  // namespace mcpr
