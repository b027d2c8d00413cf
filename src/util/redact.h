// Secrets out of text that came from a server. A coordinator that echoes the
// request (its Authorization header, say) in an error body would otherwise put
// the API key into dead-letter reasons, `list`, `show` and `health` output.
// Header-only: the libcurl transport module uses it too.
#pragma once

#include <string>
#include <vector>

namespace mcpr {

constexpr const char kRedacted[] = "***";

// Replaces every occurrence of each secret in `text` with ***, and a secret
// cut off at the end of `text` (the body is kept only in part) when at least
// 4 of its characters, or all of a shorter one, are there.
inline void redact_secrets(std::string& text, const std::vector<std::string>& secrets) {
  for (const std::string& secret : secrets) {
    if (secret.empty()) continue;
    for (size_t at = text.find(secret); at != std::string::npos;
         at = text.find(secret, at + sizeof(kRedacted) - 1))
      text.replace(at, secret.size(), kRedacted);
    size_t shortest = std::min<size_t>(4, secret.size());
    for (size_t n = std::min(secret.size() - 1, text.size()); n >= shortest && n > 0; --n) {
      if (text.compare(text.size() - n, n, secret, 0, n) == 0) {
        text.replace(text.size() - n, n, kRedacted);
        break;
      }
    }
  }
}

}  // namespace mcpr
