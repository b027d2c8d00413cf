// Text made safe to show or store as one line: control characters and bytes
// that are not UTF-8 escaped (\n, \r, \t, \x1b), whole UTF-8 characters
// kept. Error lines, listings and dead letters' reasons all go through it.
#pragma once

#include <string>
#include <string_view>

namespace mcpr {

std::string printable(std::string_view text);

}  // namespace mcpr
