#pragma once
// The target of one compilation of linalg/kernels_isa.cpp (docs/design.md, "Instruction set"):
// NMFKIT_ISA_TARGET is 0 (baseline x86-64), 1 (AVX2 + FMA) or 2 (AVX-512), set by CMake with the
// matching -m flags. The kernel headers put everything they define in NMFKIT_ISA_NAMESPACE
// (nmfkit::detail::isa_baseline, isa_avx2, isa_avx512), so that no function compiled for one
// target can be the copy the linker keeps for another (tests/check_isa_symbols.py).

#if !defined(NMFKIT_ISA_TARGET)
#error "the kernel headers are compiled only by linalg/kernels_isa.cpp (NMFKIT_ISA_TARGET)"
#endif

#if NMFKIT_ISA_TARGET == 0
#define NMFKIT_ISA_NAMESPACE isa_baseline
#elif NMFKIT_ISA_TARGET == 1
#define NMFKIT_ISA_NAMESPACE isa_avx2
#if !defined(__AVX2__) || !defined(__FMA__)
#error "the avx2 target compiles with -mavx2 -mfma"
#endif
#elif NMFKIT_ISA_TARGET == 2
#define NMFKIT_ISA_NAMESPACE isa_avx512
#if !defined(__AVX512F__) || !defined(__AVX512DQ__) || !defined(__AVX512BW__) || \
    !defined(__AVX512VL__)
#error "the avx512 target compiles with -mavx512f -mavx512dq -mavx512bw -mavx512vl"
#endif
#else
#error "NMFKIT_ISA_TARGET is 0 (baseline), 1 (avx2) or 2 (avx512)"
#endif

/// Before a function whose loops must stay scalar: loops over indexed loads (x[idx[p]]), which the
/// avx2 and avx512 targets would otherwise vectorize with gather instructions — fewer
/// instructions, but slower than scalar loads where measured (docs/benchmarks.md, "KL coordinate
/// descent's indexed loops"). Clang does not use gathers for them by its cost model.
#if defined(__clang__)
#define NMFKIT_SCALAR_LOOPS
#else
#define NMFKIT_SCALAR_LOOPS [[gnu::optimize("no-tree-vectorize")]]
#endif

/// Before a function whose loops the avx512 target should vectorize in 64-byte registers: its
/// tuning (-mtune=skylake-avx512) makes GCC prefer 32-byte ones. For the KL terms' loops
/// (arithmetic only: two divisions and a log per entry) 64 bytes ran 1.4-2x faster on a Zen 4
/// (docs/benchmarks.md, "The float KL terms in float"). Nothing elsewhere, and not for Clang,
/// which takes no tuning option in a target attribute.
#if NMFKIT_ISA_TARGET == 2 && !defined(__clang__)
#define NMFKIT_WIDE_VECTORS [[gnu::target("prefer-vector-width=512")]]
#else
#define NMFKIT_WIDE_VECTORS
#endif

namespace nmfkit::detail::NMFKIT_ISA_NAMESPACE {

/// out = the GCC vector V (of T) at p, which need only be aligned for T: one unaligned vector load.
/// NOTE: not std::memcpy into an array element per vector: GCC's loop distribution merges such a
/// loop of copies (to consecutive elements from consecutive addresses) into one copy through the
/// stack, which the arithmetic then reads back (docs/benchmarks.md, "Vector loads through the
/// stack"). may_alias: V may be read from memory written as T. (Out by reference: a 32-byte vector
/// returned by value changes the calling convention without AVX, an error under -Werror.)
template <class V, class T>
[[gnu::always_inline]] inline void load_vector(V& out, const T* p) {
    typedef V Unaligned __attribute__((aligned(alignof(T)), may_alias));
    out = *reinterpret_cast<const Unaligned*>(p);
}

}  // namespace nmfkit::detail::NMFKIT_ISA_NAMESPACE
