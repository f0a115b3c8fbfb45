#pragma once
/// @file version.hpp
/// @brief Library version.

#include <string_view>

namespace nmfkit {

/// Version string "MAJOR.MINOR.PATCH".
inline constexpr std::string_view version = "0.1.0";

}  // namespace nmfkit
