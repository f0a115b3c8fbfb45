// libFuzzer harness for the Matrix Market reader (and, for inputs that start with 1f 8b, gzip): any input must either parse into a consistent matrix or throw
// nmfkit::InvalidInput; never crash, hang, leak or allocate beyond the memory limit. See
// tests/fuzz/CMakeLists.txt for the build and run commands.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    nmfkit::fuzz::check(std::string_view(reinterpret_cast<const char*>(data), size),
                        nmfkit::io::Format::matrix_market);
    return 0;
}
