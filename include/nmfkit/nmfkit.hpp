#pragma once
/// @file nmfkit.hpp
/// @brief The whole public API; see fit.hpp for a complete example.

#include <nmfkit/errors.hpp>
#include <nmfkit/fit.hpp>
#include <nmfkit/online.hpp>
#include <nmfkit/mask.hpp>
#include <nmfkit/options.hpp>
#include <nmfkit/result.hpp>
#include <nmfkit/select.hpp>
#include <nmfkit/version.hpp>
#include <nmfkit/views.hpp>
