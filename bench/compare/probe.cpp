// Machine-limit probe for bench/compare: prints the streaming read bandwidth and the BLAS GEMM
// rate (float64 and float32) of bench/common.hpp's probe as one JSON object, so that the Python
// driver can compute the lower bound per iteration, max(2·bytes(V)/bandwidth, 4·nnz·k/peak),
// exactly as nmfkit_bench_solvers and nmfkit_bench_sparse do.
// Usage: nmfkit_bench_probe [--threads N]   (default 2)

#include <cstdio>
#include <cstdlib>
#include <string>

#include "../common.hpp"

int main(int argc, char** argv) {
    int threads = 2;
    nmfkit::bench::parse_flags(argc, argv,
                               {{"--threads", [&](const char* v) { threads = std::atoi(v); }}});
    const auto d = nmfkit::bench::probe<double>(threads);
    const auto f = nmfkit::bench::probe<float>(threads);
    std::printf(
        "{\"threads\": %d, \"read_bytes_per_s\": %.6g, \"read_bytes_per_s_float32_run\": %.6g, "
        "\"gemm_flops_per_s_float64\": %.6g, \"gemm_flops_per_s_float32\": %.6g}\n",
        threads, d.read_bytes_per_s, f.read_bytes_per_s, d.flops_per_s, f.flops_per_s);
    return 0;
}
