// libFuzzer harness for the checkpoint file of `nmfkit fit --checkpoint/--resume`
// (cli/checkpoint.cpp): any input must either parse or throw nmfkit::InvalidInput; never crash,
// hang, leak or allocate beyond what the file holds. The checksum is skipped so that the fuzzer
// reaches the records (a mutated file almost never keeps its FNV-1a); a parsed checkpoint written
// again must parse to the same bytes. See tests/fuzz/CMakeLists.txt for the build and run commands.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "checkpoint.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    try {
        const nmfkit::cli::Checkpoint c = nmfkit::cli::parse_checkpoint(bytes, "fuzz", false);
        // Written again, read again (now with its checksum), written again: the same bytes.
        const std::string once = nmfkit::cli::checkpoint_bytes(c);
        const std::string twice =
            nmfkit::cli::checkpoint_bytes(nmfkit::cli::parse_checkpoint(once, "fuzz"));
        if (once != twice) std::abort();
    } catch (const nmfkit::InvalidInput&) {
    }
    return 0;
}
