// The sanitizer build's float fits (CMakeLists.txt, NMFKIT_SANITIZE): fit_dense_float.cpp and
// fit_sparse_float.cpp as one translation unit compiled without ASan and UBSan. Not part of any
// other build, where the two are members of the library's engine batch.

#include "engine/fit_dense_float.cpp"   // NOLINT(bugprone-suspicious-include)
#include "engine/fit_sparse_float.cpp"  // NOLINT(bugprone-suspicious-include)
