#pragma once
/// @file errors.hpp
/// @brief The exception nmfkit throws for bad input.

#include <stdexcept>
#include <string>

namespace nmfkit {

/// Thrown for invalid input or options: a negative, NaN or infinite entry, an empty matrix,
/// rank < 1, custom factors of the wrong shape, an unsupported solver/loss pair, ...
/// The message names the problem and, where there is one, the first offending position.
class InvalidInput : public std::invalid_argument {
public:
    explicit InvalidInput(const std::string& what) : std::invalid_argument(what) {}
};

}  // namespace nmfkit
