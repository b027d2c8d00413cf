#pragma once

namespace mcpr {
inline constexpr const char kVersion[] = "0.1.0";
}  // namespace mcpr
