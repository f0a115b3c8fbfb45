#pragma once
// The C interface between libnmfkit and the CUDA plugin libnmfkit_cuda.so (docs/design.md,
// "Device"). The library links no CUDA library: it dlopens the plugin (device/query.cpp) only when
// a device is asked for or listed, and the plugin alone links cudart, cuBLAS and cuSPARSE. Only
// plain C types cross: sizes, pointers to host arrays, and error text in a caller's buffer.
// Bump NMFKIT_CUDA_ABI whenever this file changes; a plugin of another ABI is refused.
// EXPERIMENTAL: the plugin's compute has not run on a GPU yet.

#include <stddef.h>  // NOLINT(modernize-deprecated-headers): a C header
#include <stdint.h>  // NOLINT(modernize-deprecated-headers)

#define NMFKIT_CUDA_ABI 1
#define NMFKIT_CUDA_ENTRY "nmfkit_cuda_plugin"

#ifdef __cplusplus
extern "C" {
#endif

/// V as the host holds it (engine's HostMatrix): dense column-major (of Vᵀ when transposed) or
/// sparse as 32-bit CSR of V and of Vᵀ. Arrays of `scalar` (4: float, 8: double).
typedef struct NmfkitCudaMatrix {
    int64_t rows, cols;
    const void* dense; /* NULL: sparse */
    int64_t ld;
    int transposed;
    const int32_t *ptr, *idx, *ptr_t, *idx_t; /* rows + 1, nnz, cols + 1, nnz */
    const void *val, *val_t;                  /* nnz each */
} NmfkitCudaMatrix;

/// One device step's settings, all decided on the host (validate, hals_budget, kl_floor).
typedef struct NmfkitCudaStepParams {
    int hals;     /* 0: mu, 1: hals (Frobenius only) */
    int kl;       /* 0: Frobenius, 1: Kullback-Leibler (mu) */
    int64_t rank; /* k */
    double w_l1, w_l2, h_l1, h_l2;
    double norm2;                 /* ‖A‖² */
    int w_max_inner, h_max_inner; /* HALS sweeps at most, for the W and the Ht update */
    double w_epsilon, h_epsilon;  /* HALS stopping ratios */
    double kl_floor;
} NmfkitCudaStepParams;

/// Functions return 0 on success; otherwise they wrote a message into err (err_size bytes,
/// NUL-terminated) and return non-zero. Handles are opaque.
typedef struct NmfkitCudaPlugin {
    int abi;             /* NMFKIT_CUDA_ABI the plugin was built with */
    const char* version; /* the nmfkit version of the plugin's build */
    /* The CUDA runtime's version (e.g. 13000), 0 if unknown. */
    int (*runtime_version)(void);
    /* The device count; 0 with a message in err when the runtime finds none. */
    int (*device_count)(int* count, char* err, size_t err_size);
    int (*device_properties)(int index, char* name, size_t name_size, size_t* memory, int* major,
                             int* minor, char* err, size_t err_size);
    /* V uploaded to device `device` (scalar 4 or 8): a fit handle. */
    int (*fit_create)(int scalar, const NmfkitCudaMatrix* V, int device, void** fit, char* err,
                      size_t err_size);
    void (*fit_destroy)(void* fit);
    int (*step_create)(void* fit, const NmfkitCudaStepParams* p, void** step, char* err,
                       size_t err_size);
    void (*step_destroy)(void* step);
    /* Uploads W (m x k) and Ht (n x k), column-major, and returns the objective. */
    int (*step_start)(void* step, const void* W, const void* Ht, double* objective, char* err,
                      size_t err_size);
    /* One iteration on the device; returns the objective. */
    int (*step_iterate)(void* step, double* objective, char* err, size_t err_size);
    /* Downloads W and Ht. */
    int (*step_finish)(void* step, void* W, void* Ht, char* err, size_t err_size);
} NmfkitCudaPlugin;

/// The plugin's one exported symbol (NMFKIT_CUDA_ENTRY).
typedef const NmfkitCudaPlugin* (*NmfkitCudaEntry)(void);

#ifdef __cplusplus
}
#endif
