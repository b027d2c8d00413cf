// UTF-8 decoding, the one rule for what counts as valid UTF-8 everywhere
// (printable text, JSON strings, configuration values).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace mcpr {

// Decodes the UTF-8 sequence at text[i] into `*code_point`; returns its
// length (1-4), or 0 when it is not a valid sequence (a stray continuation
// byte, a truncated or overlong sequence, a surrogate, beyond U+10FFFF).
size_t decode_utf8(std::string_view text, size_t i, uint32_t* code_point);

// Whether all of `text` is valid UTF-8.
bool valid_utf8(std::string_view text);

}  // namespace mcpr
